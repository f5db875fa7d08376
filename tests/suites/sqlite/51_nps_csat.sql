SELECT a.region,
       count(i.nps) AS responses,
       100.0 * (sum(CASE WHEN i.nps >= 9 THEN 1 ELSE 0 END)
                - sum(CASE WHEN i.nps <= 6 THEN 1 ELSE 0 END)) / count(i.nps) AS nps,
       avg(i.csat) AS csat_avg,
       1.0 * count(CASE WHEN i.csat >= 4 THEN 1 END) / count(i.csat) AS csat
FROM interactions i JOIN accounts a ON a.id = i.account
WHERE i.nps IS NOT NULL OR i.csat IS NOT NULL
GROUP BY a.region
ORDER BY a.region NULLS LAST;
