-- splants schema for SQLite. Money is integer nano-dollars; times are integer microseconds
-- since the Unix epoch (UTC), so ordering and ranges are exact and index-friendly.

CREATE TABLE IF NOT EXISTS content (
    id            TEXT    NOT NULL PRIMARY KEY,
    owner         TEXT,
    content_type  TEXT    NOT NULL,
    platform      TEXT    NOT NULL,
    topic         TEXT    NOT NULL,
    content       TEXT    NOT NULL,
    -- Lower-cased copies (Rust's Unicode lower-casing) for the case-insensitive text filter.
    topic_lc      TEXT    NOT NULL,
    content_lc    TEXT    NOT NULL,
    quality_score REAL    NOT NULL,
    seo_score     REAL    NOT NULL,
    cost          INTEGER NOT NULL,
    provider      TEXT    NOT NULL,
    model         TEXT    NOT NULL,
    cached        INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    metadata      TEXT    NOT NULL,
    request       TEXT    NOT NULL,
    usage         TEXT    NOT NULL,
    template      TEXT
);
CREATE INDEX IF NOT EXISTS idx_content_created_at_desc ON content (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_content_user_topic ON content (owner, topic) WHERE owner IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_content_owner_created ON content (owner, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_content_type_created ON content (content_type, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_content_platform_created ON content (platform, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS api_usage (
    seq                     INTEGER PRIMARY KEY AUTOINCREMENT,
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
    created_at              INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_api_usage_created_at ON api_usage (created_at);
CREATE INDEX IF NOT EXISTS idx_api_usage_owner_created ON api_usage (owner, created_at);

CREATE TABLE IF NOT EXISTS api_keys (
    id                  TEXT    NOT NULL PRIMARY KEY,
    name                TEXT    NOT NULL,
    prefix              TEXT    NOT NULL,
    hash                TEXT    NOT NULL UNIQUE,
    role                TEXT    NOT NULL,
    tier                TEXT    NOT NULL,
    rate_limit_per_hour INTEGER,
    budget              INTEGER,
    tenant              TEXT,
    status              TEXT    NOT NULL,
    created_at          INTEGER NOT NULL,
    expires_at          INTEGER,
    last_used_at        INTEGER,
    rotated_to          TEXT
);
CREATE INDEX IF NOT EXISTS idx_api_keys_prefix ON api_keys (prefix);

CREATE TABLE IF NOT EXISTS analytics_events (
    id          TEXT    NOT NULL PRIMARY KEY,
    event_name  TEXT    NOT NULL,
    content_id  TEXT,
    platform    TEXT,
    count       INTEGER NOT NULL,
    value       INTEGER,
    owner       TEXT,
    occurred_at INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_analytics_event_name_date ON analytics_events (event_name, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_analytics_occurred_at ON analytics_events (occurred_at);

-- Scheduled publishing (used by the publishing work): one row per post of a piece on a platform.
CREATE TABLE IF NOT EXISTS social_posts (
    id             TEXT    NOT NULL PRIMARY KEY,
    content_id     TEXT    NOT NULL REFERENCES content (id) ON DELETE CASCADE,
    owner          TEXT,
    platform       TEXT    NOT NULL,
    scheduled_time INTEGER NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'scheduled'
                   CHECK (status IN ('scheduled', 'publishing', 'published', 'failed', 'cancelled')),
    retry_count    INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    external_id    TEXT,
    published_at   INTEGER,
    locked_until   INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_social_posts_due ON social_posts (status, scheduled_time);
CREATE INDEX IF NOT EXISTS idx_social_posts_content ON social_posts (content_id);

CREATE TABLE IF NOT EXISTS ab_tests (
    id         TEXT    NOT NULL PRIMARY KEY,
    owner      TEXT,
    name       TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'draft'
               CHECK (status IN ('draft', 'active', 'paused', 'completed')),
    metric     TEXT    NOT NULL DEFAULT 'engagement_rate',
    variants   TEXT    NOT NULL,
    winner     TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at   INTEGER
);
CREATE INDEX IF NOT EXISTS idx_ab_tests_active ON ab_tests (created_at DESC) WHERE status = 'active';

-- Budget ledger: spend per scope and period (kept as history), holds in flight, alerts sent.
CREATE TABLE IF NOT EXISTS budget_spend (
    scope           TEXT    NOT NULL,
    period_start    INTEGER NOT NULL,
    period_end      INTEGER NOT NULL,
    spent           INTEGER NOT NULL DEFAULT 0,
    reserved        INTEGER NOT NULL DEFAULT 0,
    in_flight       INTEGER NOT NULL DEFAULT 0,
    overshoot       INTEGER NOT NULL DEFAULT 0,
    overshoot_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, period_start, period_end)
);

CREATE TABLE IF NOT EXISTS budget_reservations (
    id           TEXT    NOT NULL PRIMARY KEY,
    -- JSON array of scope keys, in the order the request named them.
    scopes       TEXT    NOT NULL,
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    amount       INTEGER NOT NULL,
    lease_until  INTEGER NOT NULL,
    -- 'held' until settled or released (then deleted); 'lapsed' once its lease was reclaimed.
    state        TEXT    NOT NULL CHECK (state IN ('held', 'lapsed')),
    created_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_budget_reservations_lease ON budget_reservations (state, lease_until);

CREATE TABLE IF NOT EXISTS budget_alerts (
    scope        TEXT    NOT NULL,
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    threshold    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)),
    PRIMARY KEY (scope, period_start, period_end, threshold)
);
