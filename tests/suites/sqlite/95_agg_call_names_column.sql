SELECT i.kind, a.region, count(*) AS "count()", sum(i.amount) AS "sum(amount)"
FROM interactions i LEFT JOIN accounts a ON a.id = i.account
GROUP BY i.kind, a.region
HAVING count(*) > 100 AND sum(i.amount) IS NOT NULL
ORDER BY count(*) DESC, i.kind, a.region;
