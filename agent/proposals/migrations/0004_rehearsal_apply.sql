-- 0004: what happened to a proposal before and on its way to the database. `rehearsal` is the JSON result of the
-- latest `dbsage migrate rehearse` of it (up, down, up again on a scratch copy: times, locks, rewrites, the catalog
-- difference after down); `apply_outcome` is the JSON record of the latest `dbsage proposals apply` (which steps
-- ran, which did not, the down for those that ran, who and when). The audit keeps every attempt.
ALTER TABLE proposals ADD COLUMN rehearsal TEXT;
ALTER TABLE proposals ADD COLUMN apply_outcome TEXT;
