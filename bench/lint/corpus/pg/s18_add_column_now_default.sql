SET lock_timeout = '3s';

ALTER TABLE orders ADD COLUMN recorded_at timestamptz DEFAULT now();
