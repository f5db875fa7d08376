SELECT id, active, capacity > 100 AS big, load >= capacity AS full,
       region IN ('EMEA', 'APAC') AS eastern, NOT active AS inactive
FROM managers_x ORDER BY id;
