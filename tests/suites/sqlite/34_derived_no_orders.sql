SELECT id, orders, lifetime_revenue, first_order, last_order, last_contact
FROM accounts_x WHERE orders = 0
ORDER BY id;
