SELECT tier, count(*) AS n, count(employees) AS with_emp,
       sum(revenue) AS total, avg(revenue) AS avg_rev,
       min(revenue) AS min_rev, max(revenue) AS max_rev,
       min(created) AS first, max(closed) AS last_lost
FROM accounts
GROUP BY tier
ORDER BY tier NULLS LAST;
