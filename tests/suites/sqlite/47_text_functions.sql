-- names with non-ASCII letters are included: len() and substr() count
-- characters, lower()/upper() change ASCII letters only in both
SELECT id, lower(name) AS lo, upper(industry) AS up, length(name) AS n,
       substr(name, 1, 5) AS head, substr(name, 3) AS tail,
       trim(name) AS trimmed
FROM accounts WHERE id <= 'A-000500' OR name GLOB '*[^ -~]*'
ORDER BY id;
