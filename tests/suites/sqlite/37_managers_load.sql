SELECT id, name, region, load, capacity, capacity - load AS spare,
       load_revenue, active
FROM managers_x ORDER BY id;
