SELECT id, date(created, '+90 days') AS d90, date(closed, '-84 days') AS c12,
       CAST(julianday(closed) - julianday(created) AS INTEGER) AS days,
       CAST(julianday(closed) - julianday(created) AS INTEGER) AS db,
       date(created, '+1 days') AS next_day
FROM accounts WHERE closed IS NOT NULL
ORDER BY id;
