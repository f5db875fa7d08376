SELECT id, revenue FROM accounts ORDER BY revenue IS NULL, revenue DESC, id LIMIT 7 OFFSET 1500;
SELECT id, tier, industry FROM accounts ORDER BY tier IS NULL, tier, industry IS NULL, industry, id LIMIT 25 OFFSET 2000;
SELECT account, at, amount FROM interactions ORDER BY amount IS NULL, amount DESC, account, at, kind LIMIT 10 OFFSET 20000;
SELECT account, at, kind, csat FROM interactions ORDER BY kind IS NULL, kind, csat IS NOT NULL, csat DESC, account, at, amount IS NULL, amount LIMIT 30 OFFSET 35000;
SELECT id, name FROM accounts ORDER BY name IS NULL, name, id LIMIT 5 OFFSET 2999;
SELECT account, at, amount FROM interactions ORDER BY amount IS NULL, amount DESC, account, at, kind LIMIT 10 OFFSET 5000;
SELECT account, at, kind FROM interactions ORDER BY at, account, kind, amount IS NULL, amount LIMIT 40 OFFSET 3000;
