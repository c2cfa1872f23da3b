-- Version, instrumentation and logging settings and the login in one round trip.
SELECT VERSION() AS version, @@version_comment AS version_comment, CURRENT_USER() AS login, DATABASE() AS db,
       @@performance_schema AS performance_schema,
       @@slow_query_log AS slow_query_log, @@long_query_time AS long_query_time, @@log_output AS log_output,
       EXISTS (SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'sys') AS sys_schema,
       EXISTS (SELECT 1 FROM information_schema.TABLES
               WHERE TABLE_SCHEMA = 'performance_schema'
                 AND TABLE_NAME = 'events_statements_summary_by_digest') AS digest_table
