SELECT id, coalesce(employees, 0) AS emp, coalesce(manager, 'none') AS mgr,
       coalesce(closed, '2099-12-31') AS until, coalesce(tier, employees, -1) AS t
FROM accounts WHERE closed IS NOT NULL OR tier IS NULL OR employees IS NULL
ORDER BY id;
