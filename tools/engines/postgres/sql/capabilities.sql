-- Version, extensions, settings and the login's role attributes in one round trip.
SELECT current_setting('server_version') AS version,
       current_setting('server_version_num')::int AS version_num,
       -- pg_settings hides shared_preload_libraries from a login without pg_read_all_settings (NULL: unknown),
       -- where current_setting() would fail the whole report
       (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') AS preload,
       current_setting('track_io_timing') AS track_io_timing,
       current_user, current_database() AS database,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS pss_installed,
       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'hypopg') AS hypopg_installed,
       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg') AS hypopg_available,
       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_qualstats') AS qualstats_installed,
       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_qualstats') AS qualstats_available,
       ARRAY(SELECT nspname FROM pg_namespace
             WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_%'
             ORDER BY nspname) AS schemas
