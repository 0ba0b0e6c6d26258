-- Fewer pages written per generation (issue 17). On SQLite the cost of a write is the pages it
-- dirties: each one is a 4 KiB frame in the write-ahead log and again at the checkpoint.
--
-- 1. Indexes in ascending order. New rows carry the newest `created_at`: in a descending index
--    they land on the B-tree's left edge, where SQLite splits pages in half and leaves them
--    half empty (1.7x the pages, and more of them dirtied per insert). An ascending index takes
--    them on its right edge, which SQLite fills to the brim, and it serves the library's
--    `ORDER BY created_at DESC, id DESC` by walking backwards, without a sort.
DROP INDEX IF EXISTS idx_content_created_at_desc;
DROP INDEX IF EXISTS idx_content_owner_created;
DROP INDEX IF EXISTS idx_content_type_created;
DROP INDEX IF EXISTS idx_content_platform_created;
DROP INDEX IF EXISTS idx_content_caller_left_created;
CREATE INDEX idx_content_created_at ON content (created_at, id);
CREATE INDEX idx_content_owner_created ON content (owner, created_at, id);
CREATE INDEX idx_content_type_created ON content (content_type, created_at, id);
CREATE INDEX idx_content_platform_created ON content (platform, created_at, id);
-- The filter is still written as the bare `caller_left` (see 0004).
CREATE INDEX idx_content_caller_left_created ON content (created_at, id) WHERE caller_left;
DROP INDEX IF EXISTS idx_analytics_event_name_date;
CREATE INDEX idx_analytics_event_name_date ON analytics_events (event_name, created_at);

-- 2. Holds: one B-tree keyed by their time-ordered id (a rowid table kept a second one for the
--    text primary key), and each state index holds only the rows it is searched for: held
--    rows by lease (the reclaim), lapsed rows by period (forgotten once it is over). A hold
--    that is reserved and settled no longer touches the period index at all.
CREATE TABLE budget_reservations_new (
    id           TEXT    NOT NULL PRIMARY KEY,
    -- JSON array of scope keys, in the order the request named them.
    scopes       TEXT    NOT NULL,
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    amount       INTEGER NOT NULL,
    lease_until  INTEGER NOT NULL,
    -- 'held' until settled or released (then deleted); 'lapsed' once its lease was reclaimed.
    state        TEXT    NOT NULL CHECK (state IN ('held', 'lapsed')),
    created_at   INTEGER NOT NULL,
    in_flight    INTEGER NOT NULL DEFAULT 0,
    counted      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO budget_reservations_new
    (id, scopes, period_start, period_end, amount, lease_until, state, created_at, in_flight, counted)
    SELECT id, scopes, period_start, period_end, amount, lease_until, state, created_at, in_flight, counted
    FROM budget_reservations;
DROP TABLE budget_reservations;
ALTER TABLE budget_reservations_new RENAME TO budget_reservations;
CREATE INDEX idx_budget_reservations_lease ON budget_reservations (lease_until) WHERE state = 'held';
CREATE INDEX idx_budget_reservations_period ON budget_reservations (period_end) WHERE state = 'lapsed';

-- 3. Usage rows without AUTOINCREMENT, which rewrote the `sqlite_sequence` page on every
--    insert. `seq` stays the rowid and keeps every existing value; a new row still takes the
--    largest plus one, so `ORDER BY created_at, seq` keeps insertion order (rows are never
--    deleted from the newest end).
CREATE TABLE api_usage_new (
    seq                     INTEGER PRIMARY KEY,
    id                      TEXT    NOT NULL UNIQUE,
    content_id              TEXT,
    owner                   TEXT,
    provider                TEXT    NOT NULL,
    model                   TEXT    NOT NULL,
    input_tokens            INTEGER NOT NULL,
    output_tokens           INTEGER NOT NULL,
    cached_tokens           INTEGER NOT NULL,
    cache_write_tokens      INTEGER NOT NULL,
    cache_write_long_tokens INTEGER NOT NULL,
    reasoning_tokens        INTEGER NOT NULL,
    cost                    INTEGER NOT NULL,
    estimate                INTEGER NOT NULL,
    latency_ms              INTEGER NOT NULL,
    outcome                 TEXT    NOT NULL,
    error_code              TEXT,
    created_at              INTEGER NOT NULL,
    usage_estimated         INTEGER NOT NULL DEFAULT 0
);
INSERT INTO api_usage_new
    (seq, id, content_id, owner, provider, model, input_tokens, output_tokens, cached_tokens,
     cache_write_tokens, cache_write_long_tokens, reasoning_tokens, cost, estimate, latency_ms,
     outcome, error_code, created_at, usage_estimated)
    SELECT seq, id, content_id, owner, provider, model, input_tokens, output_tokens, cached_tokens,
     cache_write_tokens, cache_write_long_tokens, reasoning_tokens, cost, estimate, latency_ms,
     outcome, error_code, created_at, usage_estimated
    FROM api_usage;
DROP TABLE api_usage;
ALTER TABLE api_usage_new RENAME TO api_usage;
CREATE INDEX idx_api_usage_created_at ON api_usage (created_at);
CREATE INDEX idx_api_usage_owner_created ON api_usage (owner, created_at);
