SELECT m.region AS mregion, a.region, count(*) AS n, sum(a.revenue) AS rev
FROM accounts a LEFT JOIN managers m ON m.id = a.manager
GROUP BY m.region, a.region
ORDER BY mregion NULLS LAST, a.region NULLS LAST;
