SELECT i.account, count(*) AS orders, sum(i.amount) AS total
FROM interactions i JOIN accounts a ON a.id = i.account
WHERE i.kind = 'order'
  AND date(i.at) BETWEEN '2024-07-01' AND '2024-09-30'
  AND a.region = 'EMEA'
GROUP BY i.account
ORDER BY total DESC, i.account LIMIT 10;
