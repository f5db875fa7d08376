SELECT count(CASE WHEN tier IN (1, NULL) THEN 1 END) AS in_list,
       count(CASE WHEN tier NOT IN (1, NULL) THEN 1 END) AS not_in_list,
       count(CASE WHEN tier NOT IN (1, 2) THEN 1 END) AS not_in_12
FROM accounts;
