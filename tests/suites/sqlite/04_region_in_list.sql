SELECT region, stage, count(*) AS n FROM accounts
WHERE region IN ('EMEA', 'APAC') AND stage NOT IN ('closed', 'prospect')
GROUP BY region, stage
ORDER BY region, stage;
