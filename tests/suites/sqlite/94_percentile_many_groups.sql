-- percentile_cont per (industry, tier): h = p * (n - 1), interpolate x[floor h], x[floor h + 1]
WITH e AS (
    SELECT industry, tier, employees AS v,
           row_number() OVER (PARTITION BY industry, tier ORDER BY employees) - 1 AS k,
           count(*) OVER (PARTITION BY industry, tier) AS n
    FROM accounts WHERE employees IS NOT NULL
), s AS (
    SELECT industry, tier, strategic AS v,
           row_number() OVER (PARTITION BY industry, tier ORDER BY strategic) - 1 AS k,
           count(*) OVER (PARTITION BY industry, tier) AS n
    FROM accounts WHERE strategic IS NOT NULL
), ps(src, p) AS (VALUES ('e', 0.0), ('e', 1.0), ('e', 0.37), ('e', 0.5), ('s', 0.9)),
g AS (
    SELECT 'e' AS src, industry, tier, max(n) AS n FROM e GROUP BY industry, tier
    UNION ALL
    SELECT 's', industry, tier, max(n) FROM s GROUP BY industry, tier
), pc AS (
    SELECT g.src, g.industry, g.tier, ps.p, ps.p * (g.n - 1) AS h,
           CAST(ps.p * (g.n - 1) AS INTEGER) AS lo
    FROM g JOIN ps ON ps.src = g.src
), x AS (SELECT 'e' AS src, * FROM e UNION ALL SELECT 's', * FROM s),
val AS (
    SELECT pc.src, pc.industry, pc.tier, pc.p,
           lo_v.v + (pc.h - pc.lo) * (coalesce(hi_v.v, lo_v.v) - lo_v.v) AS x
    FROM pc
    JOIN x lo_v ON lo_v.src = pc.src AND lo_v.industry IS pc.industry
                   AND lo_v.tier IS pc.tier AND lo_v.k = pc.lo
    LEFT JOIN x hi_v ON hi_v.src = pc.src AND hi_v.industry IS pc.industry
                        AND hi_v.tier IS pc.tier AND hi_v.k = pc.lo + 1
), q AS (SELECT DISTINCT industry, tier FROM accounts)
SELECT q.industry, q.tier,
       (SELECT count(employees) FROM accounts a WHERE a.industry IS q.industry AND a.tier IS q.tier) AS n,
       (SELECT x FROM val WHERE src = 'e' AND val.industry IS q.industry AND val.tier IS q.tier AND p = 0.0) AS p0,
       (SELECT x FROM val WHERE src = 'e' AND val.industry IS q.industry AND val.tier IS q.tier AND p = 1.0) AS p100,
       (SELECT x FROM val WHERE src = 'e' AND val.industry IS q.industry AND val.tier IS q.tier AND p = 0.37) AS p37,
       (SELECT x FROM val WHERE src = 'e' AND val.industry IS q.industry AND val.tier IS q.tier AND p = 0.5) AS med,
       (SELECT x FROM val WHERE src = 's' AND val.industry IS q.industry AND val.tier IS q.tier AND p = 0.9) AS s90
FROM q
ORDER BY q.industry NULLS LAST, q.tier NULLS LAST;
