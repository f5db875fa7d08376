-- The answer compared for 8. reassign: the accounts each of the 20 managers
-- holds afterwards, with the first and last id (which shows the dealing order).
SELECT manager, count(*) AS accounts, min(id) AS first_id, max(id) AS last_id
FROM accounts
WHERE manager IN ({{FROM_MANAGERS}}, {{TO_MANAGERS}})
GROUP BY manager
ORDER BY manager;
