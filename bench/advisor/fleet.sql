-- Fleet-telemetry workload (schema: fleet_setup.sql): what a device-monitoring application sends. Written before
-- dbsage was run on it. Lookups by serial, a serial search box, latest readings, windows relative to now(), alert
-- dashboards, maintenance planning.
SELECT d.device_id, d.serial, d.model, d.status, s.name FROM devices d JOIN sites s ON s.site_id = d.site_id WHERE d.serial = 'SN00004242-A';
SELECT device_id, serial, status FROM devices WHERE serial LIKE 'SN000042%' ORDER BY serial LIMIT 20;
SELECT recorded_at, metric, value FROM readings WHERE device_id = 4242 ORDER BY recorded_at DESC LIMIT 100;
SELECT recorded_at, value FROM readings WHERE device_id = 4242 AND metric = 'temperature' AND recorded_at > now() - interval '2 days' ORDER BY recorded_at;
SELECT date_trunc('hour', r.recorded_at) AS hour, avg(r.value) FROM readings r JOIN devices d ON d.device_id = r.device_id WHERE d.site_id = 17 AND r.metric = 'temperature' AND r.recorded_at > now() - interval '1 day' GROUP BY 1 ORDER BY 1;
SELECT device_id, count(*) FROM readings WHERE quality > 0 AND recorded_at > now() - interval '6 hours' GROUP BY device_id ORDER BY count(*) DESC LIMIT 20;
SELECT alert_id, device_id, severity, raised_at, code FROM alerts WHERE state = 'open' ORDER BY raised_at DESC LIMIT 50;
SELECT a.alert_id, d.serial, a.raised_at FROM alerts a JOIN devices d ON d.device_id = a.device_id WHERE d.site_id = 17 AND a.state = 'open' AND a.severity = 'critical';
SELECT alert_id, raised_at, severity, state FROM alerts WHERE device_id = 4242 ORDER BY raised_at DESC LIMIT 20;
SELECT count(*) FROM alerts WHERE code LIKE 'E42%' AND raised_at > now() - interval '7 days';
SELECT site_id, count(*) FROM devices WHERE status = 'faulty' GROUP BY site_id;
SELECT device_id, serial, last_seen FROM devices WHERE status = 'active' AND last_seen < now() - interval '1 day' ORDER BY last_seen LIMIT 100;
SELECT job_id, device_id, scheduled_for FROM maintenance WHERE technician = 'tech-042' AND done_at IS NULL ORDER BY scheduled_for;
SELECT job_id, scheduled_for, done_at, notes FROM maintenance WHERE device_id = 4242 ORDER BY scheduled_for DESC;
SELECT site_id, name FROM sites WHERE region = 'north' ORDER BY name;
SELECT firmware, count(*) FROM devices WHERE model = 'TX-200' GROUP BY firmware;
