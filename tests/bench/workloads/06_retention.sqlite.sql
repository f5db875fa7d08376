-- 6. retention: monthly cohorts of each account's first order; per cohort and
-- k, the accounts with an order k months after their cohort's month (counts).
-- Long form (cohort, size, k, n; only cells with n > 0): run.sh unpivots
-- kash's table (cohort, size, p0 … pN) to compare. Months as year*12 + month - 1.
WITH orders AS (
    SELECT DISTINCT account,
           CAST(substr(at, 1, 4) AS INTEGER) * 12 + CAST(substr(at, 6, 2) AS INTEGER) - 1 AS month
    FROM interactions
    WHERE kind = 'order' AND at IS NOT NULL),
cohorts AS (SELECT account, min(month) AS cohort FROM orders GROUP BY account),
sizes AS (SELECT cohort, count(*) AS size FROM cohorts GROUP BY cohort)
SELECT printf('%04d-%02d', c.cohort / 12, c.cohort % 12 + 1) AS cohort, s.size,
       o.month - c.cohort AS k, count(*) AS n
FROM orders o JOIN cohorts c ON c.account = o.account JOIN sizes s ON s.cohort = c.cohort
GROUP BY c.cohort, s.size, k
ORDER BY c.cohort, k;
