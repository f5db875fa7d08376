SELECT * FROM (SELECT id, revenue - cac AS net, tier, strategic + growth AS sg FROM accounts)
WHERE net < 20000 AND tier IS NOT NULL
ORDER BY net, id LIMIT 30;
