-- Who dbsage is here, how it is connected, and which migration tools left their history table.
SELECT current_user AS login, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       current_database() AS database, current_setting('server_version_num')::int AS version_num,
       inet_server_addr()::text AS server_addr,
       (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS my_ssl,
       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS pss_installed,
       ARRAY(SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND c.relname IN ('alembic_version', 'schema_migrations',
                   'flyway_schema_history', 'knex_migrations', '_prisma_migrations', 'django_migrations',
                   '__drizzle_migrations', 'goose_db_version', 'databasechangelog', 'migrations',
                   'ar_internal_metadata', 'typeorm_migrations', 'SequelizeMeta')) AS migration_tables
