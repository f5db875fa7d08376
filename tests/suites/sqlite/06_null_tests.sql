SELECT id, manager, stage FROM accounts
WHERE tier IS NULL AND manager IS NOT NULL AND closed IS NULL
ORDER BY id;
