-- 6. retention: monthly cohorts of each account's first order; per cohort and
-- k, the accounts with an order k months after their cohort's month (counts).
-- Long form (cohort, size, k, n; only cells with n > 0): run.sh unpivots
-- kash's table (cohort, size, p0 … pN) to compare.
WITH orders AS (
    SELECT DISTINCT account, date_trunc('month', "at") AS month
    FROM interactions
    WHERE kind = 'order' AND "at" IS NOT NULL),
cohorts AS (SELECT account, min(month) AS cohort FROM orders GROUP BY account),
sizes AS (SELECT cohort, count(*) AS size FROM cohorts GROUP BY cohort)
SELECT strftime(c.cohort, '%Y-%m') AS cohort, s.size,
       datediff('month', c.cohort, o.month) AS k, count(*) AS n
FROM orders o JOIN cohorts c ON c.account = o.account JOIN sizes s ON s.cohort = c.cohort
GROUP BY c.cohort, s.size, k
ORDER BY c.cohort, k;
