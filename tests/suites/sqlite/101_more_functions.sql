SELECT id, replace(name, 'a', '@') AS r, nullif(tier, 3) AS t, nullif(region, 'EMEA') AS reg,
       CASE WHEN revenue IS NULL THEN cac WHEN cac IS NULL THEN revenue ELSE max(revenue, cac) END AS g,
       CASE WHEN strategic IS NULL THEN growth WHEN growth IS NULL THEN strategic ELSE min(strategic, growth) END AS l,
       round(CASE WHEN revenue >= 0 THEN sqrt(revenue) END, 6) AS s,
       round(CASE WHEN growth >= 0 THEN power(growth, 1.5) END, 6) AS p,
       round(CASE WHEN revenue + 1 > 0 THEN ln(revenue + 1) END, 6) AS ln1,
       round(exp(strategic / 10.0), 6) AS e
FROM accounts ORDER BY id LIMIT 400;
