-- sqlite's % works on integers, so fmod by hand: x - y * trunc(x / y)
SELECT account, at, amount,
       amount - 7 * CAST(amount / 7 AS INTEGER) AS m7,
       amount - 0.25 * CAST(amount / 0.25 AS INTEGER) AS q
FROM interactions
WHERE kind = 'return' OR kind = 'upsell' AND amount < 2000
ORDER BY at, account;
