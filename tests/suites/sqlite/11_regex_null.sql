SELECT count(*) AS n,
       count(CASE WHEN website GLOB '*.io' THEN 1 END) AS io,
       count(CASE WHEN website NOT GLOB '*.com' THEN 1 END) AS not_com
FROM accounts;
