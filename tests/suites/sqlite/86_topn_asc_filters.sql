SELECT id, revenue, tier, stage, created FROM accounts
WHERE tier IN (1, 2) AND stage <> 'closed' AND created >= '2021-01-01'
ORDER BY revenue NULLS LAST, id LIMIT 25 OFFSET 10;
