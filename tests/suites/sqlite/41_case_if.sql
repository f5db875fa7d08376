SELECT size, status, count(*) AS n, sum(revenue) AS total
FROM (SELECT CASE WHEN revenue >= 1000000 THEN 'large'
                  WHEN revenue >= 100000 THEN 'mid'
                  ELSE 'small' END AS size,
             CASE WHEN closed IS NULL THEN 'open' ELSE 'lost' END AS status,
             revenue
      FROM accounts)
GROUP BY size, status
ORDER BY size, status;
