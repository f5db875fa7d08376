-- week: ISO 8601 week number; age: days from the date to today (2025-06-30)
SELECT id, CAST(strftime('%Y', created) AS INTEGER) AS y,
       CAST(strftime('%m', created) AS INTEGER) AS m,
       (CAST(strftime('%m', created) AS INTEGER) + 2) / 3 AS q,
       CAST(strftime('%d', created) AS INTEGER) AS d,
       (CAST(strftime('%j', date(created, '-3 days', 'weekday 4')) AS INTEGER) - 1) / 7 + 1 AS w,
       CAST(julianday('2025-06-30') - julianday(created) AS INTEGER) AS age
FROM accounts WHERE id <= 'A-000400'
ORDER BY id;
