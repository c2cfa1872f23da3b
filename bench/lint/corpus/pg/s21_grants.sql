GRANT SELECT ON orders, customers TO reporting;
REVOKE INSERT ON audit_log FROM app_user;
