SELECT id, name FROM accounts ORDER BY name IS NULL, name, id LIMIT 9223372036854775807 OFFSET 5;
SELECT account, at, amount FROM interactions ORDER BY amount IS NULL, amount DESC, at, account LIMIT 9223372036854775000 OFFSET 1000;
