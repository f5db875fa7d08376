SELECT industry, count(*) AS n, sum(orders) AS orders,
       sum(lifetime_revenue) AS ltv, avg(lifetime_revenue) AS avg_ltv,
       max(last_order) AS latest
FROM accounts_x WHERE stage <> 'prospect'
GROUP BY industry
ORDER BY ltv DESC, industry;
