SELECT min(name) AS first_name, max(name) AS last_name,
       count(DISTINCT strftime('%Y', created)) AS years,
       count(DISTINCT created) AS days, count(DISTINCT employees) AS sizes,
       count(DISTINCT manager) AS managers
FROM accounts;
