SELECT count(*) AS "count()", count(tier) AS "count(tier)",
       count(DISTINCT region) AS "count_distinct(region)",
       sum(revenue) AS "sum(revenue)", avg(growth) AS "avg(growth)",
       min(created) AS "min(created)", max(closed) AS "max(closed)",
       max(employees) AS "max(employees)"
FROM accounts;
