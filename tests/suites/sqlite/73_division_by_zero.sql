SELECT id, employees, cac / employees AS cac_per_head,
       revenue / (employees - employees) AS undefined
FROM accounts WHERE employees <= 1
ORDER BY id;
