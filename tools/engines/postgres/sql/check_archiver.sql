SELECT archived_count, failed_count, last_archived_time, last_failed_time, last_archived_wal, last_failed_wal
FROM pg_stat_archiver
