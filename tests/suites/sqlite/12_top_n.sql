SELECT id, name, revenue, tier FROM accounts
ORDER BY revenue DESC, id LIMIT 10;
