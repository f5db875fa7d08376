-- load is computed by hand here, not through the managers_x view
WITH l AS (
    SELECT m.id, m.capacity, m.active,
           count(a.id) AS load, total(a.revenue) AS load_revenue
    FROM managers m
    LEFT JOIN accounts a ON a.manager = m.id AND a.closed IS NULL
    GROUP BY m.id
)
SELECT id, CAST(load AS REAL) / capacity AS util,
       load_revenue / load AS rev_per_account,
       load >= capacity AS full
FROM l
WHERE active AND load > capacity * 0.5
ORDER BY util DESC, id;
