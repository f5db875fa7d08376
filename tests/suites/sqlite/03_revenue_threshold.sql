SELECT count(*) AS count FROM accounts
WHERE revenue >= 250000 AND tier <= 2 OR revenue > 1500000;
