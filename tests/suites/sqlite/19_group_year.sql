SELECT CAST(strftime('%Y', created) AS INTEGER) AS yr,
       (CAST(strftime('%m', created) AS INTEGER) + 2) / 3 AS q,
       count(*) AS n, sum(cac) AS cac, count(closed) AS lost
FROM accounts
GROUP BY yr, q
ORDER BY yr NULLS LAST, q NULLS LAST;
