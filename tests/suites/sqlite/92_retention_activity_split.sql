-- As 79_retention_from_created, the activity being orders over 1000 taken by a manager whose id starts with m1.
-- index m = year * 12 + month - 1 (strftime), cohort c = the account's month of its created date (accounts without one are left out; activity before the cohort's month is ignored),
-- cell(c, k) = distinct accounts of cohort c active in month c + k; cells after the data's last month L
-- are null; complete = 0 when the data end before the last day of L and p(L - c)
-- is shown.
WITH ev AS (
  SELECT i.account, CAST(strftime('%Y', i.at) AS INTEGER) * 12 + CAST(strftime('%m', i.at) AS INTEGER) - 1 AS m, i.amount, i.at
  FROM interactions i JOIN accounts a ON a.id = i.account
  WHERE i.kind = 'order' AND i.amount > 1000 AND i.manager LIKE 'm1%' AND i.at IS NOT NULL AND a.id IN (SELECT id FROM accounts WHERE tier = 1)),
members AS (
  SELECT id AS account, CAST(strftime('%Y', created) AS INTEGER) * 12 + CAST(strftime('%m', created) AS INTEGER) - 1 AS c FROM accounts
  WHERE tier = 1 AND created IS NOT NULL),
act AS (SELECT e.account, f.c, e.m - f.c AS k, e.amount FROM ev e JOIN members f USING (account) WHERE e.m >= f.c),
sizes AS (SELECT c, count(*) AS size FROM members GROUP BY c),
cells AS (SELECT c, k, count(DISTINCT account) AS n, total(amount) AS amt FROM act GROUP BY c, k),
d AS (SELECT max(m) AS L, max(date(at)) AS dend FROM ev),
inc AS (SELECT dend < date(dend, 'start of month', '+1 month', '-1 day') AS incomplete FROM d)
SELECT printf('%04d-%02d', s.c / 12, s.c % 12 + 1) AS cohort, s.size,
       CASE WHEN s.c + 0 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 0), 0) END AS p0,
       CASE WHEN s.c + 1 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 1), 0) END AS p1,
       CASE WHEN s.c + 2 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 2), 0) END AS p2,
       CASE WHEN s.c + 3 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 3), 0) END AS p3,
       CASE WHEN s.c + 4 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 4), 0) END AS p4,
       CASE WHEN s.c + 5 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 5), 0) END AS p5,
       CASE WHEN s.c + 6 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 6), 0) END AS p6,
       CASE WHEN s.c + 7 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 7), 0) END AS p7,
       CASE WHEN s.c + 8 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 8), 0) END AS p8,
       CASE WHEN s.c + 9 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 9), 0) END AS p9,
       CASE WHEN s.c + 10 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 10), 0) END AS p10,
       CASE WHEN s.c + 11 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 11), 0) END AS p11,
       CASE WHEN s.c + 12 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.c = s.c AND x.k = 12), 0) END AS p12,
       CASE WHEN inc.incomplete AND d.L - s.c BETWEEN 0 AND 12 THEN 0 ELSE 1 END AS complete
FROM sizes s, d, inc
ORDER BY s.c;
