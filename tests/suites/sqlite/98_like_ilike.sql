PRAGMA case_sensitive_like = ON;
SELECT count(*) AS count FROM accounts WHERE name LIKE '%Health%';
SELECT count(*) AS count FROM accounts WHERE lower(name) LIKE '%health%' OR industry LIKE '_etail';
SELECT count(*) AS count FROM accounts WHERE name NOT LIKE '%a%';
SELECT id, name FROM accounts WHERE website LIKE '%.com' AND lower(name) LIKE 'a%' ORDER BY id;
SELECT count(*) AS count FROM accounts WHERE name LIKE '%\%%' ESCAPE '\' OR name LIKE '%\_%' ESCAPE '\';
