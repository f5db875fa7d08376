SELECT a.id, a.manager, m.name AS owner, m.region AS mregion, m.active AS mactive
FROM accounts a LEFT JOIN managers m ON m.id = a.manager
WHERE a.tier = 1
ORDER BY a.id;
