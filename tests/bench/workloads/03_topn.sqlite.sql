-- 3. top-N: the 20 largest EMEA accounts by revenue (ties by id), with their manager's name.
SELECT a.id, a.name, a.revenue, m.name AS manager_name
FROM accounts a LEFT JOIN managers m ON m.id = a.manager
WHERE a.region = 'EMEA'
ORDER BY a.revenue DESC, a.id
LIMIT 20;
