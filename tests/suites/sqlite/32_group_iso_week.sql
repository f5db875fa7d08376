-- ISO week = 1 + (day of year of the Thursday of the date's week - 1) / 7
SELECT (CAST(strftime('%j', date(at, '-3 days', 'weekday 4')) AS INTEGER) - 1) / 7 + 1 AS w,
       count(*) AS n, sum(amount) AS total
FROM interactions
WHERE kind = 'order' AND at >= '2024-01-01' AND at < '2025-01-01'
GROUP BY w
ORDER BY w;
