SELECT id, created, revenue FROM accounts
WHERE stage = 'active'
ORDER BY created, id LIMIT 15 OFFSET 30;
