SELECT id, region, revenue FROM accounts
WHERE revenue < 20000 AND region = 'APAC'
ORDER BY revenue DESC, id LIMIT 10;
