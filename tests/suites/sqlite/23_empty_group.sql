SELECT account, count(*) AS n FROM interactions
WHERE kind = 'nosuchkind' GROUP BY account ORDER BY account;
