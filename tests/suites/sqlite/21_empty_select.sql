SELECT id, revenue FROM accounts WHERE tier = 1 AND revenue < 0 ORDER BY id;
