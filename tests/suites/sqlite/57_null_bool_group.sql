SELECT tier = 1 AS top, employees > 30 AS staffed, count(*) AS n
FROM accounts
GROUP BY top, staffed
ORDER BY top NULLS LAST, staffed NULLS LAST;
