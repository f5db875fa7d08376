-- The answer compared for 1. import: the rows of each table.
SELECT count(*) AS count FROM managers;
SELECT count(*) AS count FROM accounts;
SELECT count(*) AS count FROM interactions;
