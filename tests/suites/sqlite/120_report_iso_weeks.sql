-- The report for three ISO weeks, written from the definitions (docs/metrics.md),
-- as 83_report.sql: per period [s, e] (days, inclusive) and its previous
-- period [ps, pe] (for NRR):
--   current = the week, previous = the week before;
--   ytd = the Monday of week 1 of the week's ISO year … the week's Sunday, its
--   previous span = week 1 … the same week of the ISO year before, or that
--   year's last week when it has fewer.
-- 2025-W01: 2024-12-30 … 2025-01-05; ytd the same; ytd's previous 2024-W01.
-- 2020-W53: 2020-12-28 … 2021-01-03; ytd from 2019-12-30 (2020-W01); ytd's
--   previous 2018-12-31 (2019-W01) … 2019-12-29 (2019-W52, ISO 2019 has 52 weeks).
-- 2019-W01: 2018-12-31 … 2019-01-06; ytd the same; ytd's previous 2018-W01.
CREATE TEMP TABLE per(rep, label, s, e, ps, pe);
INSERT INTO per VALUES
  ('2025-W01', 'cur', '2024-12-30', '2025-01-05', '2024-12-23', '2024-12-29'),
  ('2025-W01', 'prev', '2024-12-23', '2024-12-29', '2024-12-16', '2024-12-22'),
  ('2025-W01', 'ytd', '2024-12-30', '2025-01-05', '2024-01-01', '2024-01-07'),
  ('2020-W53', 'cur', '2020-12-28', '2021-01-03', '2020-12-21', '2020-12-27'),
  ('2020-W53', 'prev', '2020-12-21', '2020-12-27', '2020-12-14', '2020-12-20'),
  ('2020-W53', 'ytd', '2019-12-30', '2021-01-03', '2018-12-31', '2019-12-29'),
  ('2019-W01', 'cur', '2018-12-31', '2019-01-06', '2018-12-24', '2018-12-30'),
  ('2019-W01', 'prev', '2018-12-24', '2018-12-30', '2018-12-17', '2018-12-23'),
  ('2019-W01', 'ytd', '2018-12-31', '2019-01-06', '2018-01-01', '2018-01-07');
CREATE TEMP VIEW v AS
WITH m AS (
  SELECT per.rep, per.label, a.id, a.cac,
         coalesce(a.created <= per.s AND (a.closed IS NULL OR a.closed > per.s), 0) AS in_s,
         coalesce(a.created <= per.e AND (a.closed IS NULL OR a.closed > per.e), 0) AS in_e,
         coalesce(a.created BETWEEN per.s AND per.e, 0) AS is_new,
         coalesce(a.closed BETWEEN per.s AND per.e, 0) AS is_churned
  FROM accounts a, per),
i AS (SELECT account, date(at) AS d, kind, amount, nps, csat FROM interactions),
r AS (
  SELECT per.rep, per.label, i.account AS id,
         total(CASE WHEN kind = 'order' AND d BETWEEN per.s AND per.e THEN amount END) AS cur,
         total(CASE WHEN kind = 'order' AND d BETWEEN per.ps AND per.pe THEN amount END) AS prev,
         total(CASE WHEN kind = 'order' AND d <= per.e THEN amount END) AS life,
         count(CASE WHEN kind IN ('upsell', 'cross_sell') AND d BETWEEN per.s AND per.e THEN 1 END) AS ups
  FROM i, per GROUP BY per.rep, per.label, i.account),
q AS (
  SELECT per.rep, per.label,
         total(CASE WHEN i.kind = 'order' THEN i.amount END) AS revenue,
         count(CASE WHEN i.kind = 'order' THEN 1 END) AS orders,
         count(i.nps) AS nps_n, total(i.nps >= 9) AS prom, total(i.nps <= 6) AS det,
         count(i.csat) AS csat_n, count(CASE WHEN i.csat >= 4 THEN 1 END) AS good
  FROM i JOIN accounts a ON a.id = i.account, per
  WHERE i.d BETWEEN per.s AND per.e
  GROUP BY per.rep, per.label),
g AS (
  SELECT m.rep, m.label,
         sum(m.in_s) AS S, sum(m.in_e) AS E, sum(m.is_new) AS N, sum(m.is_churned) AS C,
         total(CASE WHEN m.is_new THEN m.cac END) AS cac_sum,
         total(CASE WHEN m.in_e THEN coalesce(r.life, 0) END) AS clv_sum,
         sum(CASE WHEN m.in_s AND r.ups > 0 THEN 1 ELSE 0 END) AS U,
         total(CASE WHEN m.in_s THEN r.cur END) AS cur,
         total(CASE WHEN m.in_s THEN r.prev END) AS prev
  FROM m LEFT JOIN r ON r.rep = m.rep AND r.label = m.label AND r.id = m.id
  GROUP BY m.rep, m.label)
SELECT g.rep, g.label,
       g.E AS customers,
       CASE WHEN g.S > 0 THEN 1.0 * (g.E - g.N) / g.S END AS retention_rate,
       CASE WHEN g.S > 0 THEN 1.0 * g.C / g.S END AS churn_rate,
       coalesce(q.revenue, 0) AS revenue,
       CASE WHEN q.orders > 0 THEN q.revenue / q.orders END AS aov,
       CASE WHEN g.E > 0 THEN g.clv_sum / g.E END AS clv,
       CASE WHEN g.N > 0 THEN g.cac_sum / g.N END AS cac,
       CASE WHEN q.nps_n > 0 THEN 100.0 * (q.prom - q.det) / q.nps_n END AS nps,
       CASE WHEN q.csat_n > 0 THEN 1.0 * q.good / q.csat_n END AS csat,
       CASE WHEN g.S > 0 THEN 1.0 * g.U / g.S END AS upsell_rate,
       CASE WHEN g.prev <> 0 THEN g.cur / g.prev END AS nrr
FROM g LEFT JOIN q ON q.rep = g.rep AND q.label = g.label;
CREATE TEMP VIEW long AS
  SELECT rep, label, 0 AS ord, 'customers' AS metric, customers AS x FROM v UNION ALL
  SELECT rep, label, 1, 'retention rate', retention_rate FROM v UNION ALL
  SELECT rep, label, 2, 'churn rate', churn_rate FROM v UNION ALL
  SELECT rep, label, 3, 'revenue', revenue FROM v UNION ALL
  SELECT rep, label, 4, 'AOV', aov FROM v UNION ALL
  SELECT rep, label, 5, 'CLV', clv FROM v UNION ALL
  SELECT rep, label, 6, 'CAC', cac FROM v UNION ALL
  SELECT rep, label, 7, 'NPS', nps FROM v UNION ALL
  SELECT rep, label, 8, 'CSAT', csat FROM v UNION ALL
  SELECT rep, label, 9, 'upsell rate', upsell_rate FROM v UNION ALL
  SELECT rep, label, 10, 'NRR', nrr FROM v;
CREATE TEMP VIEW report AS
  SELECT c.rep, c.ord, c.metric, c.x AS current, p.x AS previous, y.x AS ytd,
         NULL AS target, NULL AS status
  FROM long c
  JOIN long p ON p.rep = c.rep AND p.ord = c.ord AND p.label = 'prev'
  JOIN long y ON y.rep = c.rep AND y.ord = c.ord AND y.label = 'ytd'
  WHERE c.label = 'cur';
SELECT metric, current, previous, ytd, target, status FROM report WHERE rep = '2025-W01' ORDER BY ord;
SELECT metric, current, previous, ytd, target, status FROM report WHERE rep = '2020-W53' ORDER BY ord;
SELECT metric, current, previous, ytd, target, status FROM report WHERE rep = '2019-W01' ORDER BY ord;
