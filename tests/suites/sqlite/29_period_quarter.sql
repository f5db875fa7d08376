SELECT kind, count(*) AS n, sum(amount) AS amount, avg(nps) AS nps,
       avg(csat) AS csat, min(at) AS first, max(at) AS last
FROM interactions
WHERE date(at) BETWEEN '2024-07-01' AND '2024-09-30'
GROUP BY kind
ORDER BY kind;
