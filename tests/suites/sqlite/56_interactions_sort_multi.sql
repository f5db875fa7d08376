SELECT account, at, amount, manager FROM interactions
WHERE kind = 'return'
ORDER BY amount, at DESC, account LIMIT 25;
