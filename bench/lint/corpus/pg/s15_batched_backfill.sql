-- one batch of a resumable backfill; the job repeats it with the next id range
UPDATE orders SET channel = 'web'
WHERE id >= 1 AND id < 10001 AND channel IS NULL;
