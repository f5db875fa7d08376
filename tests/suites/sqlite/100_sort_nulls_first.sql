SELECT id, revenue FROM accounts ORDER BY revenue DESC NULLS FIRST, id LIMIT 20;
SELECT id, revenue FROM accounts ORDER BY revenue NULLS FIRST, id LIMIT 15 OFFSET 3;
SELECT id, tier, revenue FROM accounts ORDER BY tier NULLS FIRST, revenue DESC NULLS LAST, id LIMIT 60;
SELECT id, closed FROM accounts ORDER BY closed DESC NULLS FIRST, id LIMIT 40;
SELECT at, kind, amount FROM interactions WHERE account = 'A-000010' ORDER BY amount NULLS FIRST, at DESC LIMIT 8;
