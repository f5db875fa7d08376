SELECT account, at, kind, note FROM interactions
WHERE note IS NOT NULL AND kind IN ('ticket', 'meeting')
ORDER BY at, account LIMIT 300;
