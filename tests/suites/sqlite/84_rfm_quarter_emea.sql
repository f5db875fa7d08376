-- RFM over 2024-Q3 of the EMEA accounts (the population the stage sees), in
-- plain SQL from the definition (docs/metrics.md); see 84_rfm_year.sql.
WITH o AS (
  SELECT i.account, count(*) AS orders, total(i.amount) AS monetary,
         CAST(julianday('2024-09-30') - julianday(max(date(i.at))) AS INTEGER) AS days
  FROM interactions i JOIN accounts a ON a.id = i.account
  WHERE a.region = 'EMEA' AND i.kind = 'order' AND date(i.at) BETWEEN '2024-07-01' AND '2024-09-30'
  GROUP BY i.account),
s AS (
  SELECT account, days, orders, monetary,
         1 + (5 * (RANK() OVER (ORDER BY days DESC) - 1)) / COUNT(*) OVER () AS r,
         1 + (5 * (RANK() OVER (ORDER BY orders) - 1)) / COUNT(*) OVER () AS f,
         1 + (5 * (RANK() OVER (ORDER BY monetary) - 1)) / COUNT(*) OVER () AS m
  FROM o)
SELECT account AS id, r, f, m, r || f || m AS rfm, days AS rfm_recency_days,
       orders AS rfm_orders, monetary AS rfm_monetary
FROM s
ORDER BY rfm DESC, id;
