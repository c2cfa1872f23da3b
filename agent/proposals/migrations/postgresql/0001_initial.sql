-- 0001 as PostgreSQL spells it (the shared store, [state] dsn): the same tables and columns as the SQLite file's
-- 0001; the audit's `rowid` column gives it the order SQLite's implicit rowid gives. Later migrations are plain
-- ALTER TABLE / CREATE INDEX statements both databases read, so only this step has its own file here.
CREATE TABLE IF NOT EXISTS proposals (
  id BIGSERIAL PRIMARY KEY, title TEXT NOT NULL, engine TEXT NOT NULL, target TEXT NOT NULL,
  up_sql TEXT NOT NULL, down_sql TEXT NOT NULL, estimated_benefit TEXT, size_bytes BIGINT, rationale TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', created_at TEXT NOT NULL, created_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  rowid BIGSERIAL PRIMARY KEY,
  proposal_id BIGINT NOT NULL REFERENCES proposals(id), at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
  note TEXT);
