-- MySQL accounts: as check_accounts_mariadb.sql; locked accounts (the mysql.* system accounts) are left out.
SELECT u.User AS user, u.Host AS host, u.plugin AS plugin,
       (COALESCE(u.authentication_string, '') = ''
        AND u.plugin IN ('', 'mysql_native_password', 'caching_sha2_password')) AS no_password,
       u.Super_priv = 'Y' AS super, u.ssl_type AS ssl_type
FROM mysql.user u
WHERE u.account_locked = 'N'
ORDER BY u.User, u.Host
