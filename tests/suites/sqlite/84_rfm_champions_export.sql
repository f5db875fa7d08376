-- Champions (r >= 4 and f >= 4) of RFM over 2024-Q3, in plain SQL from the
-- definition (docs/metrics.md); see 84_rfm_year.sql.
WITH o AS (
  SELECT account, count(*) AS orders, total(amount) AS monetary,
         CAST(julianday('2024-09-30') - julianday(max(date(at))) AS INTEGER) AS days
  FROM interactions
  WHERE kind = 'order' AND date(at) BETWEEN '2024-07-01' AND '2024-09-30'
  GROUP BY account),
s AS (
  SELECT account, monetary,
         1 + (5 * (RANK() OVER (ORDER BY days DESC) - 1)) / COUNT(*) OVER () AS r,
         1 + (5 * (RANK() OVER (ORDER BY orders) - 1)) / COUNT(*) OVER () AS f,
         1 + (5 * (RANK() OVER (ORDER BY monetary) - 1)) / COUNT(*) OVER () AS m
  FROM o)
SELECT a.id, a.name, a.manager, g.region AS manager_region, a.tier,
       s.r || s.f || s.m AS rfm, s.monetary AS rfm_monetary
FROM accounts a JOIN s ON s.account = a.id LEFT JOIN managers g ON g.id = a.manager
WHERE s.r >= 4 AND s.f >= 4
ORDER BY s.monetary DESC, a.id;
