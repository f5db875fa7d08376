SELECT count(*) AS n, count(tier) AS tiered, count(manager) AS managed,
       count(closed) AS lost, count(employees) AS with_employees,
       count(website) AS with_site
FROM accounts;
