SELECT i.account, i.at, i.kind, i.amount
FROM interactions i JOIN accounts a ON a.id = i.account
WHERE date(i.at) BETWEEN '2023-02-01' AND '2023-02-28'
  AND a.created BETWEEN '2020-01-01' AND '2020-12-31'
ORDER BY i.at, i.account;
