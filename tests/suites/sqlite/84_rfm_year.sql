-- RFM over 2024 in plain SQL, written from the definition (docs/metrics.md),
-- not from kash. The input: each account's 'order' interactions whose day is
-- in the period. recency = days from the last one to the period's last day,
-- frequency = how many, monetary = sum of their amounts (null amounts as 0).
-- Scores over the accounts with at least one order: 1 + 5 * (rank - 1) / n
-- (integer division), rank = RANK() ascending (recency: days descending);
-- accounts without an order in the period have null scores.
WITH o AS (
  SELECT account, count(*) AS orders, total(amount) AS monetary,
         CAST(julianday('2024-12-31') - julianday(max(date(at))) AS INTEGER) AS days
  FROM interactions
  WHERE kind = 'order' AND date(at) BETWEEN '2024-01-01' AND '2024-12-31'
  GROUP BY account),
s AS (
  SELECT account, days, orders, monetary,
         1 + (5 * (RANK() OVER (ORDER BY days DESC) - 1)) / COUNT(*) OVER () AS r,
         1 + (5 * (RANK() OVER (ORDER BY orders) - 1)) / COUNT(*) OVER () AS f,
         1 + (5 * (RANK() OVER (ORDER BY monetary) - 1)) / COUNT(*) OVER () AS m
  FROM o)
SELECT a.id, s.r, s.f, s.m, s.r || s.f || s.m AS rfm, s.days AS rfm_recency_days,
       coalesce(s.orders, 0) AS rfm_orders, coalesce(s.monetary, 0) AS rfm_monetary
FROM accounts a LEFT JOIN s ON s.account = a.id
ORDER BY a.id;
