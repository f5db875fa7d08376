SELECT a.industry AS industry, a.tier AS tier, count(*) AS n, count(DISTINCT i.account) AS accts,
       max(i.at) AS latest
FROM interactions i JOIN accounts a ON a.id = i.account
WHERE a.closed IS NOT NULL AND i.at > a.closed || ' 00:00:00'
  AND a.stage = 'closed'
GROUP BY a.industry, a.tier
ORDER BY industry, tier NULLS LAST;
