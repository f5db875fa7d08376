SELECT CAST(strftime('%Y', at) AS INTEGER) AS "year(at)", kind, count(*) AS "COUNT(*)", sum(amount) AS "sum(amount)"
FROM interactions GROUP BY 1, 2
HAVING count(*) > 50 AND sum(amount) IS NOT NULL
ORDER BY 1 DESC, 4 DESC, 2;
SELECT m.region AS region, count(*) AS "count(*)"
FROM accounts a LEFT JOIN managers m ON m.id = a.manager
GROUP BY m.region ORDER BY 2 DESC, m.region IS NULL, m.region;
