SELECT id, revenue / 1000 AS k, revenue - cac AS net,
       strategic * 0.6 + growth * 0.4 AS score,
       (revenue - cac) / revenue AS margin, -cac AS neg
FROM accounts WHERE tier = 2
ORDER BY id;
