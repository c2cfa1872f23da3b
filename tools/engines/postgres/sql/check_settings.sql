-- The settings the checks read, in base units where they have one.
SELECT name, setting, unit, source, boot_val
FROM pg_settings
WHERE name IN ('shared_buffers', 'work_mem', 'maintenance_work_mem', 'effective_cache_size', 'max_connections',
               'superuser_reserved_connections', 'random_page_cost', 'autovacuum', 'log_min_duration_statement',
               'shared_preload_libraries', 'ssl', 'password_encryption', 'archive_mode', 'archive_command',
               'archive_library', 'wal_level', 'fsync', 'full_page_writes', 'max_wal_size', 'checkpoint_timeout',
               'track_io_timing', 'track_counts', 'autovacuum_freeze_max_age', 'server_version_num',
               'log_statement', 'max_parallel_workers_per_gather')
