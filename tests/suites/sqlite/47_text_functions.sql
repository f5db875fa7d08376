-- names with non-ASCII letters are included: len() and substr() count
-- characters. kash's lower()/upper() also map Latin, Greek and Cyrillic letters
-- (like DuckDB); sqlite3's change ASCII only, so lower() is compared on ASCII names.
SELECT id, CASE WHEN name GLOB '*[^ -~]*' THEN name ELSE lower(name) END AS lo, upper(industry) AS up, length(name) AS n,
       substr(name, 1, 5) AS head, substr(name, 3) AS tail,
       trim(name) AS trimmed
FROM accounts WHERE id <= 'A-000500' OR name GLOB '*[^ -~]*'
ORDER BY id;
