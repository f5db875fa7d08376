-- median = the middle value, or the mean of the two middle ones; nulls ignored
WITH r AS (
    SELECT region, revenue AS v,
           row_number() OVER (PARTITION BY region ORDER BY revenue) AS k,
           count(*) OVER (PARTITION BY region) AS c
    FROM accounts WHERE revenue IS NOT NULL
), e AS (
    SELECT region, employees AS v,
           row_number() OVER (PARTITION BY region ORDER BY employees) AS k,
           count(*) OVER (PARTITION BY region) AS c
    FROM accounts WHERE employees IS NOT NULL
)
SELECT g.region, g.n,
       (SELECT avg(v) FROM r WHERE r.region = g.region
           AND k IN ((c + 1) / 2, (c + 2) / 2)) AS med,
       (SELECT avg(v) FROM e WHERE e.region = g.region
           AND k IN ((c + 1) / 2, (c + 2) / 2)) AS med_emp
FROM (SELECT region, count(*) AS n FROM accounts GROUP BY region) g
ORDER BY g.region NULLS LAST;
