-- The fleet-telemetry schema for bench/advisor's third workload (fleet.sql): sites, devices, sensor readings,
-- alerts, maintenance jobs. Primary keys only. Deterministic data (no random()); timestamps relative to the load.
-- About 400 MB: readings 3 M rows, alerts 300 k, devices 60 k, maintenance 100 k, sites 2 k.
CREATE TABLE sites (site_id int PRIMARY KEY, name text NOT NULL, region text NOT NULL, timezone text NOT NULL);
CREATE TABLE devices (device_id int PRIMARY KEY, serial text NOT NULL, site_id int NOT NULL, model text NOT NULL,
  firmware text NOT NULL, status text NOT NULL, installed_on date NOT NULL, last_seen timestamptz);
CREATE TABLE readings (reading_id bigint PRIMARY KEY, device_id int NOT NULL, recorded_at timestamptz NOT NULL,
  metric text NOT NULL, value double precision NOT NULL, quality smallint NOT NULL);
CREATE TABLE alerts (alert_id bigint PRIMARY KEY, device_id int NOT NULL, raised_at timestamptz NOT NULL,
  severity text NOT NULL, state text NOT NULL, code text NOT NULL, acknowledged_by int, message text);
CREATE TABLE maintenance (job_id int PRIMARY KEY, device_id int NOT NULL, technician text NOT NULL,
  scheduled_for date NOT NULL, done_at timestamptz, notes text);

INSERT INTO sites SELECT g, 'site ' || g, (ARRAY['north','south','east','west','central'])[1 + g % 5],
  (ARRAY['Europe/Berlin','America/Chicago','Asia/Tokyo'])[1 + g % 3] FROM generate_series(1, 2000) g;
INSERT INTO devices SELECT g, 'SN' || lpad(g::text, 8, '0') || '-' || (ARRAY['A','B','C'])[1 + g % 3],
  1 + (g * 7) % 2000, (ARRAY['TX-100','TX-200','TX-300','RX-10'])[1 + g % 4], 'fw-' || (1 + g % 12),
  CASE WHEN g % 100 = 0 THEN 'faulty' WHEN g % 25 = 0 THEN 'retired' ELSE 'active' END,
  date '2020-01-01' + g % 1500, now() - ((g * 37) % 4000) * interval '1 minute'
  FROM generate_series(1, 60000) g;
INSERT INTO readings SELECT g, 1 + (g::bigint * 7919) % 60000, now() - (g % 2592000) * interval '1 second',
  (ARRAY['temperature','humidity','pressure','voltage','current','vibration'])[1 + g % 6],
  ((g::bigint * 31) % 1000) / 10.0, CASE WHEN g % 97 = 0 THEN 2 WHEN g % 53 = 0 THEN 1 ELSE 0 END
  FROM generate_series(1, 3000000) g;
INSERT INTO alerts SELECT g, 1 + (g::bigint * 104729) % 60000, now() - (g % 1296000) * interval '2 seconds',
  CASE WHEN g % 20 = 0 THEN 'critical' WHEN g % 4 = 0 THEN 'warning' ELSE 'info' END,
  CASE WHEN g % 50 = 0 THEN 'acked' WHEN g % 20 = 1 THEN 'open' ELSE 'closed' END,
  'E' || (100 + g % 900), CASE WHEN g % 3 = 0 THEN g % 400 END, 'threshold crossed on sensor ' || g % 8
  FROM generate_series(1, 300000) g;
INSERT INTO maintenance SELECT g, 1 + (g * 613) % 60000, 'tech-' || lpad((g % 400)::text, 3, '0'),
  current_date - 400 + g % 460, CASE WHEN g % 460 < 400 THEN now() - (g % 400) * interval '1 day' END,
  'routine check ' || g FROM generate_series(1, 100000) g;
