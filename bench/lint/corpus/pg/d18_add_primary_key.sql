SET lock_timeout = '3s';

ALTER TABLE audit_log ADD PRIMARY KEY (id);
