-- RFM over 2025-03 of the 400 accounts with the highest revenue (nulls last,
-- ties in id order as kash's stable sort keeps them), grouped by the rfm code
-- (nulls last); plain SQL from the definition (docs/metrics.md).
WITH top AS (
  SELECT id, revenue FROM accounts ORDER BY revenue DESC NULLS LAST, id LIMIT 400),
o AS (
  SELECT i.account, count(*) AS orders, total(i.amount) AS monetary,
         CAST(julianday('2025-03-31') - julianday(max(date(i.at))) AS INTEGER) AS days
  FROM interactions i JOIN top t ON t.id = i.account
  WHERE i.kind = 'order' AND date(i.at) BETWEEN '2025-03-01' AND '2025-03-31'
  GROUP BY i.account),
s AS (
  SELECT account, days,
         1 + (5 * (RANK() OVER (ORDER BY days DESC) - 1)) / COUNT(*) OVER () AS r,
         1 + (5 * (RANK() OVER (ORDER BY orders) - 1)) / COUNT(*) OVER () AS f,
         1 + (5 * (RANK() OVER (ORDER BY monetary) - 1)) / COUNT(*) OVER () AS m
  FROM o)
SELECT s.r || s.f || s.m AS rfm, count(*) AS n, sum(t.revenue) AS revenue, avg(s.days) AS days
FROM top t LEFT JOIN s ON s.account = t.id
GROUP BY 1
ORDER BY rfm IS NULL, rfm;
