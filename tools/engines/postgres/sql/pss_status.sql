-- Is pg_stat_statements usable here: created in this database, and loaded at server start? `preloaded` is NULL
-- when this login may not read shared_preload_libraries (superuser or pg_read_all_settings): then dbsage probes.
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed,
       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements') AS available,
       CASE WHEN pg_has_role(current_user, 'pg_read_all_settings', 'USAGE')
                 OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
            THEN current_setting('shared_preload_libraries') LIKE '%%pg_stat_statements%%' END AS preloaded,
       current_setting('server_version_num')::int AS version_num,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS reads_all_stats
