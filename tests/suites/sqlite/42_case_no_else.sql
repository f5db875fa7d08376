SELECT id, CASE WHEN tier = 1 THEN 'I' WHEN tier = 2 THEN 'II' END AS roman,
       CASE WHEN employees > 50 THEN 'big' ELSE 'small' END AS staff
FROM accounts WHERE id <= 'A-000300'
ORDER BY id;
