SELECT at, account, kind FROM interactions
WHERE at >= '2024-03-31 14:05:00' AND at < '2024-04-03 00:00:00'
  AND kind NOT IN ('email')
ORDER BY at, account;
