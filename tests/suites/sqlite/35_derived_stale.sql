SELECT tier, count(*) AS n, max(last_contact) AS latest
FROM accounts_x
WHERE closed IS NULL AND last_contact < date('2025-06-30', '-90 days') AND tier <= 2
GROUP BY tier
ORDER BY tier;
