-- the pattern is plain ASCII, so LIKE (ASCII case-insensitive) is equivalent
SELECT id, name, industry FROM accounts
WHERE name LIKE '%health%' OR name LIKE '%care%' OR name LIKE '%pharma%'
ORDER BY id;
