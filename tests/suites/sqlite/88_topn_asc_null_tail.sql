SELECT id, revenue FROM accounts
WHERE region = 'LATAM'
ORDER BY revenue NULLS LAST, id LIMIT 5 OFFSET 279;
