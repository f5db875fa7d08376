-- percentile_cont per group: h = p * (n - 1), interpolate x[floor h], x[floor h + 1]
WITH c AS (
    SELECT tier, cac AS v,
           row_number() OVER (PARTITION BY tier ORDER BY cac) - 1 AS k,
           count(*) OVER (PARTITION BY tier) AS n
    FROM accounts WHERE cac IS NOT NULL
), s AS (
    SELECT tier, strategic AS v,
           row_number() OVER (PARTITION BY tier ORDER BY strategic) - 1 AS k,
           count(*) OVER (PARTITION BY tier) AS n
    FROM accounts WHERE strategic IS NOT NULL
), ps(p) AS (VALUES (0.1), (0.75)),
pc AS (
    SELECT g.tier, ps.p, g.n, ps.p * (g.n - 1) AS h, CAST(ps.p * (g.n - 1) AS INTEGER) AS lo
    FROM (SELECT tier, max(n) AS n FROM c GROUP BY tier) g, ps
), val AS (
    SELECT pc.tier, pc.p,
           lo_v.v + (pc.h - pc.lo) * (coalesce(hi_v.v, lo_v.v) - lo_v.v) AS x
    FROM pc
    JOIN c lo_v ON lo_v.tier IS pc.tier AND lo_v.k = pc.lo
    LEFT JOIN c hi_v ON hi_v.tier IS pc.tier AND hi_v.k = pc.lo + 1
)
SELECT g.tier, g.n,
       (SELECT x FROM val WHERE val.tier IS g.tier AND p = 0.1) AS p10,
       (SELECT x FROM val WHERE val.tier IS g.tier AND p = 0.75) AS p75,
       (SELECT avg(v) FROM s WHERE s.tier IS g.tier AND k IN ((n - 1) / 2, n / 2)) AS med
FROM (SELECT tier, count(cac) AS n FROM accounts GROUP BY tier) g
ORDER BY g.tier NULLS LAST;
