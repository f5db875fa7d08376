SELECT id, name, manager, revenue, created, closed, employees, lifetime_revenue
FROM accounts_x WHERE tier = 1 AND region = 'EMEA'
ORDER BY revenue DESC, id;
