-- 2. filter: tier 1 or 2, revenue over 100k, a case-insensitive regex on the name; count.
SELECT count(*) AS count
FROM accounts
WHERE tier IN (1, 2) AND revenue > 100000 AND regexp_matches(name, 'health|care', 'i');
