SELECT tier, count(*) AS n, sum(revenue) AS total FROM accounts
WHERE revenue BETWEEN 50000 AND 250000
  AND created BETWEEN '2021-01-01' AND '2022-12-31'
  AND strategic NOT BETWEEN 3 AND 7
GROUP BY tier
ORDER BY tier NULLS LAST;
