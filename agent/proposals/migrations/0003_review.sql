-- 0003: proposals a person really approves. `review` is the JSON verdict every proposal gets when it is filed
-- (destructive, irreversible, no down, the locks it takes, the linter's findings: agent/proposals/review.py);
-- `fingerprint` identifies the same change for the same target, so an identical pending or decided proposal is not
-- filed twice; the audit's `via` records how a person decided (terminal prompt, --yes, slack, chat). Status may now
-- also be `withdrawn` (a text column: no schema change needed for it; nothing is ever deleted).
ALTER TABLE proposals ADD COLUMN review TEXT;
ALTER TABLE proposals ADD COLUMN fingerprint TEXT;
CREATE INDEX IF NOT EXISTS proposals_fingerprint ON proposals (fingerprint);
ALTER TABLE audit ADD COLUMN via TEXT;
