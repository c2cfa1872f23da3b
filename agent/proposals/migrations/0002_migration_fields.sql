-- 0002: proposals of kind `migration` (`dbsage migrate draft --propose`, the draft_migration tool). `kind` tells them
-- from index advice (every proposal before this is 'index'); `lint_verdict` is the JSON verdict dbsage's linter gave
-- the draft when it was filed; `migration_draft` is the draft itself as JSON (steps with their transaction needs,
-- phases, the application's steps), so that an approved one can be exported for a migration tool.
ALTER TABLE proposals ADD COLUMN kind TEXT NOT NULL DEFAULT 'index';
ALTER TABLE proposals ADD COLUMN lint_verdict TEXT;
ALTER TABLE proposals ADD COLUMN migration_draft TEXT;
