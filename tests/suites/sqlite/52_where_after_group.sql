SELECT manager, count(*) AS n, sum(revenue) AS rev
FROM accounts WHERE manager IS NOT NULL
GROUP BY manager
HAVING count(*) > 120 OR sum(revenue) > 8000000
ORDER BY n DESC, manager;
