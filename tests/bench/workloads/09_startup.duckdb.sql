-- 9. startup: a trivial query; the whole process is timed.
SELECT count(*) AS count FROM managers;
