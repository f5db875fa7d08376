SELECT id, created FROM accounts ORDER BY id LIMIT 5 OFFSET 3000;
