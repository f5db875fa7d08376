SELECT count(*) AS count FROM accounts WHERE NOT (tier BETWEEN 2 AND NULL);
SELECT count(*) AS count FROM accounts WHERE NOT (tier BETWEEN NULL AND 1);
SELECT count(*) AS count FROM accounts WHERE tier NOT BETWEEN NULL AND 2;
SELECT count(*) AS count FROM accounts WHERE NOT (revenue BETWEEN cac AND employees);
SELECT count(*) AS count FROM accounts WHERE revenue NOT BETWEEN employees AND cac;
