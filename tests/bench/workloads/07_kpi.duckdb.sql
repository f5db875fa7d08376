-- 7. kpi: churn_rate, nps and aov by tier for 2024-Q3 (2024-07-01 … 2024-09-30),
-- as docs/metrics.md defines them:
--   churn_rate = accounts closed in the quarter / customers on its first day
--                (created on or before it, closed null or after it)
--   nps        = 100 × (responses 9–10 − responses 0–6) / responses
--   aov        = order revenue / orders
-- each null when its denominator is 0; an interaction is in the quarter by the day of `at`.
WITH base AS (
    SELECT tier,
           count(*) FILTER (WHERE created <= DATE '2024-07-01' AND (closed IS NULL OR closed > DATE '2024-07-01')) AS customers,
           count(*) FILTER (WHERE closed BETWEEN DATE '2024-07-01' AND DATE '2024-09-30') AS churned
    FROM accounts
    GROUP BY tier),
activity AS (
    SELECT a.tier,
           coalesce(sum(i.amount) FILTER (WHERE i.kind = 'order'), 0) AS revenue,
           count(*) FILTER (WHERE i.kind = 'order') AS orders,
           count(i.nps) AS responses,
           count(*) FILTER (WHERE i.nps >= 9) AS promoters,
           count(*) FILTER (WHERE i.nps <= 6) AS detractors
    FROM interactions i JOIN accounts a ON a.id = i.account
    WHERE i."at" >= TIMESTAMP '2024-07-01' AND i."at" < TIMESTAMP '2024-10-01'
    GROUP BY a.tier)
SELECT b.tier,
       b.churned / NULLIF(b.customers, 0) AS churn_rate,
       100.0 * (x.promoters - x.detractors) / NULLIF(x.responses, 0) AS nps,
       x.revenue / NULLIF(x.orders, 0) AS aov
FROM base b LEFT JOIN activity x ON x.tier IS NOT DISTINCT FROM b.tier
ORDER BY b.tier NULLS LAST;
