SELECT account, at, kind FROM interactions
WHERE date(at) BETWEEN '2024-01-29' AND '2024-02-04'
ORDER BY at, account;
