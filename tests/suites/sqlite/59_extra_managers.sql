SELECT id, name, active, load, load_revenue, capacity - load AS spare
FROM managers_x
WHERE load = 0 OR id = 'm01' OR NOT active
ORDER BY id;
