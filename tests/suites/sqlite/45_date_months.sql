-- sqlite's '+N months' does not clamp (2024-01-31 +1 month = 2024-03-02), so:
-- first of the target month, plus min(day, length of the target month) - 1 days.
SELECT id, created,
       date(created, 'start of month', '+1 months',
            '+' || (min(CAST(strftime('%d', created) AS INTEGER),
                        CAST(strftime('%d', date(created, 'start of month', '+2 months', '-1 days')) AS INTEGER)) - 1) || ' days') AS m1,
       date(created, 'start of month', '+6 months',
            '+' || (min(CAST(strftime('%d', created) AS INTEGER),
                        CAST(strftime('%d', date(created, 'start of month', '+7 months', '-1 days')) AS INTEGER)) - 1) || ' days') AS m6,
       date(created, 'start of month', '-1 months',
            '+' || (min(CAST(strftime('%d', created) AS INTEGER),
                        CAST(strftime('%d', date(created, 'start of month', '-1 days')) AS INTEGER)) - 1) || ' days') AS m_1,
       date(created, 'start of month', '+12 months',
            '+' || (min(CAST(strftime('%d', created) AS INTEGER),
                        CAST(strftime('%d', date(created, 'start of month', '+13 months', '-1 days')) AS INTEGER)) - 1) || ' days') AS y1
FROM accounts
ORDER BY id;
