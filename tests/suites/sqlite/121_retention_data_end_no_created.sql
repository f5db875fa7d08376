-- Written from spec §9 and docs/metrics.md, independently of kash: ISO week
-- index w(d) = weeks since Monday 1970-01-05; cohort c = w(created) (accounts
-- without created are in no cohort); cell(c, k) = distinct accounts of c with
-- an interaction of the set in week c + k (k >= 0); the data's last week L =
-- w(latest interaction of the set), over every interaction of the set,
-- those of accounts without created included; cells after L are null;
-- complete = 0 when the data end before L's Sunday and p(L - c) is shown.
-- Set 1: orders of the input accounts before 2024-02-01, or of accounts
-- without created; members: the input accounts with created.
-- Set 2: the interaction rows; members: their accounts with created.
CREATE TEMP TABLE ev(setno, account, d);
CREATE TEMP TABLE mem(setno, account, c);
INSERT INTO ev
  SELECT 1, i.account, date(i.at) FROM interactions i JOIN accounts a ON a.id = i.account
  WHERE ((a.created >= '2024-01-01' AND a.created < '2024-03-01') OR a.created IS NULL)
    AND i.kind = 'order' AND i.at IS NOT NULL AND (date(i.at) < '2024-02-01' OR a.created IS NULL);
INSERT INTO mem
  SELECT 1, id, CAST((julianday(created) - julianday('1970-01-05')) / 7 AS INTEGER) FROM accounts
  WHERE created >= '2024-01-01' AND created < '2024-03-01';
INSERT INTO ev
  SELECT 2, i.account, date(i.at) FROM interactions i JOIN accounts a ON a.id = i.account
  WHERE i.kind = 'order' AND i.at IS NOT NULL
    AND ((date(i.at) < '2024-02-01' AND a.created >= '2024-01-01') OR i.account = 'Z-000002');
INSERT INTO mem
  SELECT DISTINCT 2, a.id, CAST((julianday(a.created) - julianday('1970-01-05')) / 7 AS INTEGER)
  FROM accounts a JOIN ev ON ev.setno = 2 AND ev.account = a.id WHERE a.created IS NOT NULL;
CREATE TEMP VIEW cells AS
  SELECT m.setno, m.c, CAST((julianday(e.d) - julianday('1970-01-05')) / 7 AS INTEGER) - m.c AS k,
         count(DISTINCT m.account) AS n
  FROM mem m JOIN ev e ON e.setno = m.setno AND e.account = m.account
  GROUP BY 1, 2, 3;
CREATE TEMP VIEW dend AS
  SELECT setno, max(d) AS dend, CAST((julianday(max(d)) - julianday('1970-01-05')) / 7 AS INTEGER) AS L
  FROM ev GROUP BY setno;
CREATE TEMP VIEW tab AS
  SELECT s.setno, s.c,
         strftime('%Y', date('1970-01-05', '+' || (s.c * 7 + 3) || ' days')) || '-W' ||
           printf('%02d', (strftime('%j', date('1970-01-05', '+' || (s.c * 7 + 3) || ' days')) - 1) / 7 + 1) AS cohort,
         s.size,
         CASE WHEN s.c + 0 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.setno = s.setno AND x.c = s.c AND x.k = 0), 0) END AS p0,
         CASE WHEN s.c + 1 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.setno = s.setno AND x.c = s.c AND x.k = 1), 0) END AS p1,
         CASE WHEN s.c + 2 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.setno = s.setno AND x.c = s.c AND x.k = 2), 0) END AS p2,
         CASE WHEN s.c + 3 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.setno = s.setno AND x.c = s.c AND x.k = 3), 0) END AS p3,
         CASE WHEN s.c + 4 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.setno = s.setno AND x.c = s.c AND x.k = 4), 0) END AS p4,
         CASE WHEN s.c + 5 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.setno = s.setno AND x.c = s.c AND x.k = 5), 0) END AS p5,
         CASE WHEN s.c + 6 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.setno = s.setno AND x.c = s.c AND x.k = 6), 0) END AS p6,
         CASE WHEN s.c + 7 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.setno = s.setno AND x.c = s.c AND x.k = 7), 0) END AS p7,
         CASE WHEN s.c + 8 <= d.L THEN coalesce((SELECT n FROM cells x WHERE x.setno = s.setno AND x.c = s.c AND x.k = 8), 0) END AS p8,
         CASE WHEN d.dend < date('1970-01-05', '+' || (d.L * 7 + 6) || ' days')
                   AND d.L - s.c BETWEEN 0 AND 8 THEN 0 ELSE 1 END AS complete
  FROM (SELECT setno, c, count(*) AS size FROM mem GROUP BY setno, c) s JOIN dend d ON d.setno = s.setno;
SELECT cohort, size, p0, p1, p2, p3, p4, p5, p6, p7, p8, complete FROM tab WHERE setno = 1 ORDER BY c;
SELECT cohort, size, p0, p1, p2, p3, p4, p5, p6, p7, p8, complete FROM tab WHERE setno = 2 ORDER BY c;
