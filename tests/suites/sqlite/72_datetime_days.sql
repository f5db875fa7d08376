SELECT id,
       CAST(julianday(date(last_contact)) - julianday(created) AS INTEGER) AS db,
       CAST(julianday('2025-06-30') - julianday(date(last_contact)) AS INTEGER) AS age,
       julianday(last_contact) - julianday(created) AS diff,
       CAST(strftime('%Y', last_contact) AS INTEGER) AS y
FROM accounts_x
WHERE last_contact IS NOT NULL AND created IS NOT NULL
ORDER BY id;
