-- MariaDB accounts: whether each has a password, its host pattern, SUPER, whether it must use TLS. The password hash
-- itself is never read out, only whether it is empty. Roles and the locked system account are left out.
SELECT u.User AS user, u.Host AS host, u.plugin AS plugin,
       (COALESCE(u.authentication_string, '') = '' AND u.plugin IN ('', 'mysql_native_password')) AS no_password,
       u.Super_priv = 'Y' AS super, u.ssl_type AS ssl_type
FROM mysql.user u
WHERE u.is_role = 'N' AND u.User NOT IN ('mariadb.sys', '')
ORDER BY u.User, u.Host
