SELECT count(*) AS n, count(revenue) AS c, sum(revenue) AS s,
       avg(revenue) AS a, max(created) AS m
FROM accounts WHERE tier = 9;
