SELECT id, revenue FROM accounts
WHERE region = 'LATAM'
ORDER BY revenue DESC NULLS LAST, id LIMIT 6 OFFSET 278;
