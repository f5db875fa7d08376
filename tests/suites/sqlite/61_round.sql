SELECT account, at, amount, round(amount / 100) AS r0, round(amount, 1) AS r1,
       round(amount / 1000, 2) AS r2
FROM interactions
WHERE kind IN ('return', 'upsell', 'cross_sell') OR account >= 'Z'
ORDER BY at, account;
