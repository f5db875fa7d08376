-- derived fields by hand (not through the accounts_x view)
SELECT a.id, count(*) AS orders, sum(i.amount) AS lifetime_revenue,
       min(i.at) AS first_order, max(i.at) AS last_order,
       (SELECT max(at) FROM interactions c WHERE c.account = a.id) AS last_contact
FROM accounts a JOIN interactions i ON i.account = a.id AND i.kind = 'order'
GROUP BY a.id
HAVING count(*) >= 20
ORDER BY lifetime_revenue DESC, a.id LIMIT 40;
