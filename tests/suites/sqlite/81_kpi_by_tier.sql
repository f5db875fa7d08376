-- Spec §10 in plain SQL, written from the definitions (docs/metrics.md), not
-- from kash: the executable statement of each KPI. Per period [s, e] (days,
-- inclusive; ps..pe the previous period of equal length):
--   customer at t: created <= t and (closed is null or closed > t)
--   S = customers at s, E = customers at e, N = created in [s, e], C = closed in [s, e]
--   revenue/orders/nps/csat: interactions (of the accounts) whose day is in [s, e]
--   clv: order amounts up to e of the E accounts, averaged over E
--   grr/nrr: over the S accounts, their order revenue in [s, e] against [ps, pe]
CREATE TEMP VIEW kv AS
WITH per(label, s, e, ps, pe) AS (VALUES
  ('2024-Q3', '2024-07-01', '2024-09-30', '2024-04-01', '2024-06-30')),
m AS (
  SELECT per.label, a.id, a.tier AS k, a.cac,
         coalesce(a.created <= per.s AND (a.closed IS NULL OR a.closed > per.s), 0) AS in_s,
         coalesce(a.created <= per.e AND (a.closed IS NULL OR a.closed > per.e), 0) AS in_e,
         coalesce(a.created BETWEEN per.s AND per.e, 0) AS is_new,
         coalesce(a.closed BETWEEN per.s AND per.e, 0) AS is_churned
  FROM accounts a, per),
i AS (SELECT account, date(at) AS d, kind, amount, nps, csat FROM interactions),
r AS (
  SELECT per.label, i.account AS id,
         total(CASE WHEN kind = 'order' AND d BETWEEN per.s AND per.e THEN amount END) AS cur,
         total(CASE WHEN kind = 'order' AND d BETWEEN per.ps AND per.pe THEN amount END) AS prev,
         total(CASE WHEN kind = 'order' AND d <= per.e THEN amount END) AS life,
         count(CASE WHEN kind IN ('upsell', 'cross_sell') AND d BETWEEN per.s AND per.e THEN 1 END) AS ups
  FROM i, per GROUP BY per.label, i.account),
q AS (
  SELECT per.label, a.tier AS k,
         total(CASE WHEN i.kind = 'order' THEN i.amount END) AS revenue,
         count(CASE WHEN i.kind = 'order' THEN 1 END) AS orders,
         count(i.nps) AS nps_n, total(i.nps >= 9) AS prom, total(i.nps <= 6) AS det,
         count(i.csat) AS csat_n, count(CASE WHEN i.csat >= 4 THEN 1 END) AS good,
         total(i.csat) AS csat_sum
  FROM i JOIN accounts a ON a.id = i.account, per
  WHERE i.d BETWEEN per.s AND per.e
  GROUP BY per.label, a.tier),
g AS (
  SELECT m.label, m.k,
         sum(m.in_s) AS S, sum(m.in_e) AS E, sum(m.is_new) AS N, sum(m.is_churned) AS C,
         total(CASE WHEN m.is_new THEN m.cac END) AS cac_sum,
         total(CASE WHEN m.in_e THEN coalesce(r.life, 0) END) AS clv_sum,
         sum(CASE WHEN m.in_s AND r.ups > 0 THEN 1 ELSE 0 END) AS U,
         total(CASE WHEN m.in_s THEN r.cur END) AS cur,
         total(CASE WHEN m.in_s THEN r.prev END) AS prev,
         total(CASE WHEN m.in_s THEN min(coalesce(r.cur, 0), coalesce(r.prev, 0)) END) AS capped
  FROM m LEFT JOIN r ON r.label = m.label AND r.id = m.id
  GROUP BY m.label, m.k),
v AS (
  SELECT g.label, g.k,
         g.E AS customers, g.N AS new_customers, g.C AS churned,
         CASE WHEN g.S > 0 THEN 1.0 * (g.E - g.N) / g.S END AS retention_rate,
         CASE WHEN g.S > 0 THEN 1.0 * g.C / g.S END AS churn_rate,
         coalesce(q.revenue, 0) AS revenue,
         coalesce(q.orders, 0) AS orders,
         CASE WHEN q.orders > 0 THEN q.revenue / q.orders END AS aov,
         CASE WHEN q.nps_n > 0 THEN 100.0 * (q.prom - q.det) / q.nps_n END AS nps,
         CASE WHEN q.csat_n > 0 THEN 1.0 * q.good / q.csat_n END AS csat,
         CASE WHEN q.csat_n > 0 THEN q.csat_sum / q.csat_n END AS csat_avg,
         CASE WHEN g.E > 0 THEN g.clv_sum / g.E END AS clv,
         CASE WHEN g.N > 0 THEN g.cac_sum / g.N END AS cac,
         CASE WHEN g.S > 0 THEN 1.0 * g.U / g.S END AS upsell_rate,
         CASE WHEN g.prev <> 0 THEN g.capped / g.prev END AS grr,
         CASE WHEN g.prev <> 0 THEN g.cur / g.prev END AS nrr
  FROM g LEFT JOIN q ON q.label = g.label AND q.k IS g.k)
SELECT * FROM v;
SELECT k AS tier, customers, new_customers, churned, retention_rate, churn_rate, revenue, orders, aov, nps, csat, csat_avg, clv, cac, upsell_rate, grr, nrr FROM kv ORDER BY k NULLS LAST;
-- a few alone (kpi keeps per account only what they need)
SELECT k AS tier, grr, upsell_rate FROM kv ORDER BY k NULLS LAST;
SELECT k AS tier, nrr, churn_rate FROM kv ORDER BY k NULLS LAST;
SELECT k AS tier, clv, aov FROM kv ORDER BY k NULLS LAST;
