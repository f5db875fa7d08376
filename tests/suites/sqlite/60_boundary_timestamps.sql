SELECT i.account, i.at, i.kind,
       date(i.at) BETWEEN '2024-07-01' AND '2024-09-30' AS q3,
       date(i.at) BETWEEN '2024-02-01' AND '2024-02-29' AS feb,
       i.at >= '2024-07-01 00:00:00' AS from_july,
       i.at > a.closed || ' 00:00:00' AS after_close,
       -- ISO week 2024-W01 is 2024-01-01 .. 2024-01-07
       date(i.at) BETWEEN '2024-01-01' AND '2024-01-07' AS w1,
       i.note
FROM interactions i JOIN accounts a ON a.id = i.account
WHERE i.account >= 'Z'
ORDER BY i.at, i.account;
