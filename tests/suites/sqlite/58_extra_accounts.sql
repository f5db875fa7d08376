SELECT a.id, a.name, length(a.name) AS n, trim(a.name) AS trimmed, a.manager,
       m.name AS owner, a.revenue, a.tier,
       -- 2020-02-29 + 1y = 2021-02-28, 2024-01-31 + 1mo = 2024-02-29
       date(a.created, 'start of month', '+12 months',
            '+' || (min(CAST(strftime('%d', a.created) AS INTEGER),
                        CAST(strftime('%d', date(a.created, 'start of month', '+13 months', '-1 days')) AS INTEGER)) - 1) || ' days') AS anniv,
       date(a.created, 'start of month', '+1 months',
            '+' || (min(CAST(strftime('%d', a.created) AS INTEGER),
                        CAST(strftime('%d', date(a.created, 'start of month', '+2 months', '-1 days')) AS INTEGER)) - 1) || ' days') AS next_month,
       a.orders, a.lifetime_revenue, a.first_order, a.last_contact
FROM accounts_x a LEFT JOIN managers m ON m.id = a.manager
WHERE a.id >= 'Z'
ORDER BY a.id;
