SELECT kind, CAST(strftime('%m', at) AS INTEGER) AS m,
       count(*) AS n, count(note) AS noted
FROM interactions
WHERE kind IN ('call', 'meeting', 'email')
  AND at >= '2023-01-01' AND at < '2023-07-01'
GROUP BY kind, m
ORDER BY kind, m;
