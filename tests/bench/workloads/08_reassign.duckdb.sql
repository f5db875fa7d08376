-- 8. reassign: the accounts of 10 managers (the first 100,000 in id order, if
-- they hold more) dealt round-robin over 10 others (in id order): one UPDATE.
WITH targets(k, manager) AS (VALUES {{TARGETS}}),
moved AS (
    SELECT id, (row_number() OVER (ORDER BY id) - 1) % 10 AS k
    FROM accounts
    WHERE manager IN ({{FROM_MANAGERS}})
    ORDER BY id
    LIMIT 100000)
UPDATE accounts SET manager = targets.manager
FROM moved JOIN targets ON targets.k = moved.k
WHERE accounts.id = moved.id;
