SELECT id, round(revenue / 1000, 1) AS k, round(strategic * growth) AS sg,
       abs(revenue - 100000) AS dist
FROM accounts
ORDER BY dist NULLS LAST, id LIMIT 60;
