-- When this database was created: PG_VERSION's time (a restore into a new database starts its index counters at 0
-- on a server that has run for months). pg_stat_file is a superuser's unless granted, and EXECUTE is checked when
-- the statement starts, not when a CASE reaches the call: run this only after has_function_privilege says yes.
SELECT (pg_stat_file('base/' || d.oid || '/PG_VERSION', true)).modification AS created
FROM pg_database d WHERE d.datname = current_database()
