-- Which password hash each role has (pg_authid: superusers only; the check is skipped otherwise).
SELECT rolname AS name, rolpassword IS NOT NULL AS has_password, rolpassword LIKE 'md5%%' AS md5
FROM pg_authid WHERE rolcanlogin
