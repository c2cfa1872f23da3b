-- Login roles and their attributes (pg_roles is readable by everyone).
SELECT rolname AS name, rolsuper AS superuser, rolcanlogin AS can_login, rolvaliduntil AS valid_until,
       rolname = current_user AS is_me, rolreplication AS replication, rolbypassrls AS bypass_rls
FROM pg_roles
WHERE rolname NOT LIKE 'pg\_%%'
