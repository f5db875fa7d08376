SELECT tier, count(*) AS n, avg(employees) AS avg_emp,
       max(employees) AS max_emp, min(website) AS first_site
FROM accounts
WHERE website GLOB '*.de' OR employees >= 150
GROUP BY tier
ORDER BY tier NULLS LAST;
