SELECT id, employees % 7 AS m7, employees * tier AS et,
       employees / 4.0 AS quarter_emp, employees - 100 AS d
FROM accounts WHERE employees IS NOT NULL
ORDER BY id LIMIT 200;
