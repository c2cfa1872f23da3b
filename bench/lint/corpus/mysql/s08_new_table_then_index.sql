CREATE TABLE audit_events (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    actor VARCHAR(64) NOT NULL,
    happened_at DATETIME NOT NULL
);
ALTER TABLE audit_events ADD INDEX idx_audit_actor (actor);
CREATE INDEX idx_audit_time ON audit_events (happened_at);
