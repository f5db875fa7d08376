-- sqlite3 side of tests/suites/sqlite_compare.sh: the kash-gen CSVs and the
-- suite's extra_*.csv (all in the current directory) as typed tables, empty
-- strings turned into NULL, and views adding what kash derives (spec §2).
CREATE TABLE managers (
    id TEXT PRIMARY KEY, name TEXT, region TEXT, capacity INTEGER,
    active INTEGER
);
CREATE TABLE accounts (
    id TEXT PRIMARY KEY, name TEXT, manager TEXT, tier INTEGER, stage TEXT,
    industry TEXT, region TEXT, revenue REAL, strategic REAL, growth REAL,
    cac REAL, created TEXT, closed TEXT,
    employees INTEGER, website TEXT          -- custom fields in kash
);
CREATE TABLE interactions (
    account TEXT, at TEXT, kind TEXT, manager TEXT, amount REAL,
    nps INTEGER, csat INTEGER, note TEXT
);
.import --csv --skip 1 managers.csv managers
.import --csv --skip 1 accounts.csv accounts
.import --csv --skip 1 interactions.csv interactions
.import --csv --skip 1 extra_managers.csv managers
.import --csv --skip 1 extra_accounts.csv accounts
.import --csv --skip 1 extra_interactions.csv interactions

-- bool: kash prints true/false, here 1/0 (the comparer maps them).
UPDATE managers SET active = CASE active WHEN 'true' THEN 1 WHEN 'false' THEN 0 END;
UPDATE managers SET name = NULL WHERE name = '';
UPDATE managers SET region = NULL WHERE region = '';
UPDATE managers SET capacity = NULL WHERE capacity = '';

UPDATE accounts SET name = NULL WHERE name = '';
UPDATE accounts SET manager = NULL WHERE manager = '';
UPDATE accounts SET tier = NULL WHERE tier = '';
UPDATE accounts SET stage = NULL WHERE stage = '';
UPDATE accounts SET industry = NULL WHERE industry = '';
UPDATE accounts SET region = NULL WHERE region = '';
UPDATE accounts SET revenue = NULL WHERE revenue = '';
UPDATE accounts SET strategic = NULL WHERE strategic = '';
UPDATE accounts SET growth = NULL WHERE growth = '';
UPDATE accounts SET cac = NULL WHERE cac = '';
UPDATE accounts SET created = NULL WHERE created = '';
UPDATE accounts SET closed = NULL WHERE closed = '';
UPDATE accounts SET employees = NULL WHERE employees = '';
UPDATE accounts SET website = NULL WHERE website = '';

UPDATE interactions SET manager = NULL WHERE manager = '';
UPDATE interactions SET amount = NULL WHERE amount = '';
UPDATE interactions SET nps = NULL WHERE nps = '';
UPDATE interactions SET csat = NULL WHERE csat = '';
UPDATE interactions SET note = NULL WHERE note = '';

-- Importing interactions of an unknown account creates the account (spec §6),
-- with nothing but its id.
INSERT INTO accounts (id)
SELECT DISTINCT account FROM interactions
WHERE account NOT IN (SELECT id FROM accounts);

CREATE INDEX interactions_account ON interactions(account, kind);

-- kash's derived account fields: first_order, last_order (datetimes of the
-- first and last 'order'), last_contact (latest interaction of any kind),
-- orders (count of 'order's, 0 when none), lifetime_revenue (sum of their
-- amounts, 0 when none).
CREATE VIEW accounts_x AS
SELECT a.*,
       o.first_order, o.last_order, c.last_contact,
       coalesce(o.orders, 0) AS orders,
       coalesce(o.lifetime_revenue, 0) AS lifetime_revenue
FROM accounts a
LEFT JOIN (SELECT account, min(at) AS first_order, max(at) AS last_order,
                  count(*) AS orders, total(amount) AS lifetime_revenue
           FROM interactions WHERE kind = 'order' GROUP BY account) o
       ON o.account = a.id
LEFT JOIN (SELECT account, max(at) AS last_contact
           FROM interactions GROUP BY account) c
       ON c.account = a.id;

-- kash's derived manager fields: load (open accounts held), load_revenue
-- (sum of their revenue, 0 when none).
CREATE VIEW managers_x AS
SELECT m.*,
       (SELECT count(*) FROM accounts a
         WHERE a.manager = m.id AND a.closed IS NULL) AS load,
       (SELECT total(a.revenue) FROM accounts a
         WHERE a.manager = m.id AND a.closed IS NULL) AS load_revenue
FROM managers m;
