-- InnoDB persistent statistics: pages per index times the page size. Needs SELECT on mysql.innodb_index_stats.
SELECT st.database_name AS `schema`, st.table_name AS `table`, st.index_name AS name,
       st.stat_value * @@innodb_page_size AS size_bytes
FROM mysql.innodb_index_stats st
WHERE st.stat_name = 'size'
  AND st.database_name IN %(schemas)s
  AND (%(table)s IS NULL OR st.table_name = %(table)s)
