-- 1. import: typed tables filled by read_csv (empty fields are NULL), then a
-- CHECKPOINT so that the data is in the database file, as it is for kash and
-- sqlite3 when they exit. No indexes: DuckDB's min/max zone maps serve scans.
CREATE TABLE managers (
    id VARCHAR, name VARCHAR, region VARCHAR, capacity INTEGER, active BOOLEAN
);
CREATE TABLE accounts (
    id VARCHAR, name VARCHAR, manager VARCHAR, tier INTEGER, stage VARCHAR,
    industry VARCHAR, region VARCHAR, revenue DOUBLE, strategic DOUBLE, growth DOUBLE,
    cac DOUBLE, created DATE, closed DATE, employees INTEGER, website VARCHAR
);
CREATE TABLE interactions (
    account VARCHAR, "at" TIMESTAMP, kind VARCHAR, manager VARCHAR, amount DOUBLE,
    nps INTEGER, csat INTEGER, note VARCHAR
);
INSERT INTO managers SELECT * FROM read_csv('{{DATA}}/managers.csv', header = true);
INSERT INTO accounts SELECT * FROM read_csv('{{DATA}}/accounts.csv', header = true);
INSERT INTO interactions SELECT * FROM read_csv('{{DATA}}/interactions.csv', header = true);
CHECKPOINT;
