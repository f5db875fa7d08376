-- 5. history: one account's last 50 interactions ({{ACCOUNT}}: the account with the most).
SELECT "at", kind, manager, amount, nps, csat
FROM interactions
WHERE account = '{{ACCOUNT}}'
ORDER BY "at" DESC
LIMIT 50;
