-- 0001: the proposals queue and its audit trail, as the first release created them (IF NOT EXISTS: a store made
-- before numbered migrations existed takes this step without change).
CREATE TABLE IF NOT EXISTS proposals (
  id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, engine TEXT NOT NULL, target TEXT NOT NULL,
  up_sql TEXT NOT NULL, down_sql TEXT NOT NULL, estimated_benefit TEXT, size_bytes INTEGER, rationale TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', created_at TEXT NOT NULL, created_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  proposal_id INTEGER NOT NULL REFERENCES proposals(id), at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
  note TEXT);
