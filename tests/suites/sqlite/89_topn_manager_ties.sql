SELECT id, name, revenue, stage FROM accounts
WHERE manager = 'm07' AND stage IN ('active', 'development')
ORDER BY revenue DESC, id LIMIT 40 OFFSET 3;
