SELECT count(*) AS count FROM (SELECT DISTINCT region, industry FROM accounts);
