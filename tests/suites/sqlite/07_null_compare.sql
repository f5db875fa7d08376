SELECT count(*) AS count FROM accounts
WHERE tier <> 3 AND NOT employees > 20;
