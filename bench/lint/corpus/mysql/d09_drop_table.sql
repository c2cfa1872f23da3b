DROP TABLE IF EXISTS order_archive;
