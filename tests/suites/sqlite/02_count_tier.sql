SELECT count(*) AS count FROM accounts WHERE tier = 1;
