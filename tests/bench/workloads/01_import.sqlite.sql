-- 1. import: typed tables, the CSV files read into staging tables (the shell's
-- .import keeps empty fields as '', so INSERT … SELECT turns them into NULL),
-- then the indexes the other workloads want, then ANALYZE. One transaction.
BEGIN;
CREATE TABLE managers (
    id TEXT PRIMARY KEY, name TEXT, region TEXT, capacity INTEGER, active INTEGER
);
CREATE TABLE accounts (
    id TEXT PRIMARY KEY, name TEXT, manager TEXT, tier INTEGER, stage TEXT,
    industry TEXT, region TEXT, revenue REAL, strategic REAL, growth REAL,
    cac REAL, created TEXT, closed TEXT, employees INTEGER, website TEXT
);
CREATE TABLE interactions (
    account TEXT, at TEXT, kind TEXT, manager TEXT, amount REAL,
    nps INTEGER, csat INTEGER, note TEXT
);
.import --csv --schema temp "{{DATA}}/managers.csv" managers_csv
.import --csv --schema temp "{{DATA}}/accounts.csv" accounts_csv
.import --csv --schema temp "{{DATA}}/interactions.csv" interactions_csv
INSERT INTO managers
SELECT id, NULLIF(name, ''), NULLIF(region, ''), NULLIF(capacity, ''),
       CASE lower(active) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END
FROM temp.managers_csv;
INSERT INTO accounts
SELECT id, NULLIF(name, ''), NULLIF(manager, ''), NULLIF(tier, ''), NULLIF(stage, ''),
       NULLIF(industry, ''), NULLIF(region, ''), NULLIF(revenue, ''), NULLIF(strategic, ''),
       NULLIF(growth, ''), NULLIF(cac, ''), NULLIF(created, ''), NULLIF(closed, ''),
       NULLIF(employees, ''), NULLIF(website, '')
FROM temp.accounts_csv;
INSERT INTO interactions
SELECT account, NULLIF(at, ''), NULLIF(kind, ''), NULLIF(manager, ''), NULLIF(amount, ''),
       NULLIF(nps, ''), NULLIF(csat, ''), NULLIF(note, '')
FROM temp.interactions_csv;
DROP TABLE temp.managers_csv;
DROP TABLE temp.accounts_csv;
DROP TABLE temp.interactions_csv;
CREATE INDEX accounts_manager ON accounts (manager);
CREATE INDEX accounts_region_revenue ON accounts (region, revenue);
CREATE INDEX interactions_account_at ON interactions (account, at);
CREATE INDEX interactions_kind_at ON interactions (kind, at);
ANALYZE;
COMMIT;
