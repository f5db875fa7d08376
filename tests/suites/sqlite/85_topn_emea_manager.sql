SELECT a.id, a.name, a.revenue, m.name AS manager_name
FROM accounts a LEFT JOIN managers m ON m.id = a.manager
WHERE a.region = 'EMEA'
ORDER BY a.revenue DESC, a.id LIMIT 20;
