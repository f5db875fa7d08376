SELECT DISTINCT region, tier FROM accounts ORDER BY region IS NULL, region, tier IS NULL, tier;
SELECT kind, count(DISTINCT account) AS accounts, count(DISTINCT manager) AS managers, count(*) AS n
FROM interactions GROUP BY kind ORDER BY kind IS NULL, kind;
