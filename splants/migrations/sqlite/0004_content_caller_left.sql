-- A piece whose provider call completed after its caller had gone away (stored in the
-- background; nobody received it). Rows written before this migration are not such pieces.
ALTER TABLE content ADD COLUMN caller_left INTEGER NOT NULL DEFAULT 0;
-- The library filter `caller_left = true` (few rows) walks this small index newest first. The
-- filter is written as the bare `caller_left` so both planners match it to the index predicate;
-- SQLite does not use an index led by `caller_left` for `ORDER BY created_at DESC, id DESC`.
CREATE INDEX IF NOT EXISTS idx_content_caller_left_created
    ON content (created_at DESC, id DESC) WHERE caller_left;
