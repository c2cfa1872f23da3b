SET lock_timeout = '3s';

ALTER TABLE events ADD COLUMN seq bigserial;
