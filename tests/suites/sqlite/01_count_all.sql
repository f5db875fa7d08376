SELECT count(*) AS count FROM accounts;
