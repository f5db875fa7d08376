SELECT CAST(strftime('%Y', created) AS INTEGER) AS "year(created)",
       (CAST(strftime('%j', date(created, '-3 days', 'weekday 4')) AS INTEGER) - 1) / 7 + 1 AS "week(created)",
       count(*) AS "count()"
FROM accounts
WHERE created IS NOT NULL
GROUP BY 1, 2
HAVING "week(created)" >= 52 OR "week(created)" = 1
ORDER BY 1, 2;
