-- A hold remembers whether its call was sent (a lapsed in-flight hold counts as spent) and what
-- the reclaim counted for it (a late settle replaces that with the real cost).
ALTER TABLE budget_reservations ADD COLUMN IF NOT EXISTS in_flight BIGINT NOT NULL DEFAULT 0;
ALTER TABLE budget_reservations ADD COLUMN IF NOT EXISTS counted BIGINT NOT NULL DEFAULT 0;
-- Lapsed holds are forgotten once their period is over.
CREATE INDEX IF NOT EXISTS idx_budget_reservations_period ON budget_reservations (state, period_end);
