-- percentile_cont by hand: position h = p * (n - 1) over the sorted values
-- (0-based); value = x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h])
WITH r AS (
    SELECT revenue AS v, row_number() OVER (ORDER BY revenue) - 1 AS k,
           count(*) OVER () AS n
    FROM accounts WHERE closed IS NULL AND revenue IS NOT NULL
), c AS (
    SELECT cac AS v, row_number() OVER (ORDER BY cac) - 1 AS k,
           count(*) OVER () AS n
    FROM accounts WHERE closed IS NULL AND cac IS NOT NULL
), p AS (
    SELECT 'r' AS src, 0.9 AS p UNION ALL SELECT 'r', 0.25 UNION ALL SELECT 'c', 0.5
), pos AS (
    SELECT src, p, h, CAST(h AS INTEGER) AS lo FROM (
        SELECT src, p, p * ((SELECT max(n) FROM r) - 1) AS h FROM p WHERE src = 'r'
        UNION ALL
        SELECT src, p, p * ((SELECT max(n) FROM c) - 1) AS h FROM p WHERE src = 'c')
), val AS (
    SELECT pos.src, pos.p,
           (SELECT v FROM r WHERE k = pos.lo) AS r0, (SELECT v FROM r WHERE k = pos.lo + 1) AS r1,
           (SELECT v FROM c WHERE k = pos.lo) AS c0, (SELECT v FROM c WHERE k = pos.lo + 1) AS c1,
           pos.h - pos.lo AS f
    FROM pos
)
SELECT (SELECT r0 + f * (coalesce(r1, r0) - r0) FROM val WHERE src = 'r' AND p = 0.9) AS p90,
       (SELECT r0 + f * (coalesce(r1, r0) - r0) FROM val WHERE src = 'r' AND p = 0.25) AS p25,
       (SELECT c0 + f * (coalesce(c1, c0) - c0) FROM val WHERE src = 'c') AS p50_cac,
       (SELECT avg(v) FROM c WHERE k IN ((n - 1) / 2, n / 2)) AS med_cac;
