SELECT region, industry, count(*) AS n, count(DISTINCT manager) AS managers,
       avg(strategic) AS strat, sum(employees) AS staff
FROM accounts
GROUP BY region, industry
ORDER BY region NULLS LAST, industry NULLS LAST;
