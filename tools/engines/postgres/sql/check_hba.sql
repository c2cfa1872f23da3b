-- pg_hba.conf lines as the server reads them (superuser or an explicit grant; skipped otherwise).
SELECT line_number, type, database, user_name, address, auth_method, error FROM pg_hba_file_rules
