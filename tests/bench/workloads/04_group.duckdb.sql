-- 4. group: accounts by manager: count, sum and average revenue.
SELECT manager, count(*) AS accounts, sum(revenue) AS revenue, avg(revenue) AS avg_revenue
FROM accounts
GROUP BY manager
ORDER BY manager;
