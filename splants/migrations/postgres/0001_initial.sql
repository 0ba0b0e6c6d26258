-- splants schema for PostgreSQL. Money is BIGINT nano-dollars; times are TIMESTAMPTZ
-- (microsecond precision). Keys that are ordered or compared use the "C" collation, so
-- ordering is by bytes, exactly as the in-memory backend orders them.

CREATE TABLE IF NOT EXISTS content (
    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    owner         TEXT COLLATE "C",
    content_type  TEXT COLLATE "C" NOT NULL,
    platform      TEXT COLLATE "C" NOT NULL,
    topic         TEXT             NOT NULL,
    content       TEXT             NOT NULL,
    -- Lower-cased copies (Rust's Unicode lower-casing) for the case-insensitive text filter.
    topic_lc      TEXT             NOT NULL,
    content_lc    TEXT             NOT NULL,
    quality_score DOUBLE PRECISION NOT NULL,
    seo_score     DOUBLE PRECISION NOT NULL,
    cost          BIGINT           NOT NULL,
    provider      TEXT             NOT NULL,
    model         TEXT             NOT NULL,
    cached        BOOLEAN          NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ      NOT NULL,
    metadata      JSONB            NOT NULL,
    request       JSONB            NOT NULL,
    usage         JSONB            NOT NULL,
    template      JSONB
);
CREATE INDEX IF NOT EXISTS idx_content_created_at_desc ON content (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_content_user_topic ON content (owner, topic) WHERE owner IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_content_owner_created ON content (owner, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_content_type_created ON content (content_type, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_content_platform_created ON content (platform, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS api_usage (
    seq                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                      TEXT COLLATE "C" NOT NULL UNIQUE,
    content_id              TEXT COLLATE "C",
    owner                   TEXT COLLATE "C",
    provider                TEXT        NOT NULL,
    model                   TEXT        NOT NULL,
    input_tokens            BIGINT      NOT NULL,
    output_tokens           BIGINT      NOT NULL,
    cached_tokens           BIGINT      NOT NULL,
    cache_write_tokens      BIGINT      NOT NULL,
    cache_write_long_tokens BIGINT      NOT NULL,
    reasoning_tokens        BIGINT      NOT NULL,
    cost                    BIGINT      NOT NULL,
    estimate                BIGINT      NOT NULL,
    latency_ms              BIGINT      NOT NULL,
    outcome                 TEXT        NOT NULL,
    error_code              TEXT,
    created_at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_api_usage_created_at ON api_usage (created_at);
CREATE INDEX IF NOT EXISTS idx_api_usage_owner_created ON api_usage (owner, created_at);

CREATE TABLE IF NOT EXISTS api_keys (
    id                  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name                TEXT        NOT NULL,
    prefix              TEXT COLLATE "C" NOT NULL,
    hash                TEXT COLLATE "C" NOT NULL UNIQUE,
    role                TEXT        NOT NULL,
    tier                TEXT        NOT NULL,
    rate_limit_per_hour BIGINT,
    budget              BIGINT,
    tenant              TEXT,
    status              TEXT        NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    expires_at          TIMESTAMPTZ,
    last_used_at        TIMESTAMPTZ,
    rotated_to          TEXT
);
CREATE INDEX IF NOT EXISTS idx_api_keys_prefix ON api_keys (prefix);

CREATE TABLE IF NOT EXISTS analytics_events (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    event_name  TEXT COLLATE "C" NOT NULL,
    content_id  TEXT COLLATE "C",
    platform    TEXT COLLATE "C",
    count       BIGINT      NOT NULL,
    value       BIGINT,
    owner       TEXT COLLATE "C",
    occurred_at TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_analytics_event_name_date ON analytics_events (event_name, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_analytics_occurred_at ON analytics_events (occurred_at);

-- Scheduled publishing (used by the publishing work): one row per post of a piece on a platform.
CREATE TABLE IF NOT EXISTS social_posts (
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    content_id     TEXT COLLATE "C" NOT NULL REFERENCES content (id) ON DELETE CASCADE,
    owner          TEXT COLLATE "C",
    platform       TEXT        NOT NULL,
    scheduled_time TIMESTAMPTZ NOT NULL,
    status         TEXT        NOT NULL DEFAULT 'scheduled'
                   CHECK (status IN ('scheduled', 'publishing', 'published', 'failed', 'cancelled')),
    retry_count    BIGINT      NOT NULL DEFAULT 0,
    last_error     TEXT,
    external_id    TEXT,
    published_at   TIMESTAMPTZ,
    locked_until   TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_social_posts_due ON social_posts (status, scheduled_time);
CREATE INDEX IF NOT EXISTS idx_social_posts_content ON social_posts (content_id);

CREATE TABLE IF NOT EXISTS ab_tests (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    owner      TEXT COLLATE "C",
    name       TEXT        NOT NULL,
    status     TEXT        NOT NULL DEFAULT 'draft'
               CHECK (status IN ('draft', 'active', 'paused', 'completed')),
    metric     TEXT        NOT NULL DEFAULT 'engagement_rate',
    variants   JSONB       NOT NULL,
    winner     TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    ended_at   TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS idx_ab_tests_active ON ab_tests (created_at DESC) WHERE status = 'active';

-- Budget ledger: spend per scope and period (kept as history), holds in flight, alerts sent.
CREATE TABLE IF NOT EXISTS budget_spend (
    scope           TEXT COLLATE "C" NOT NULL,
    period_start    TIMESTAMPTZ NOT NULL,
    period_end      TIMESTAMPTZ NOT NULL,
    spent           BIGINT      NOT NULL DEFAULT 0,
    reserved        BIGINT      NOT NULL DEFAULT 0,
    in_flight       BIGINT      NOT NULL DEFAULT 0,
    overshoot       BIGINT      NOT NULL DEFAULT 0,
    overshoot_count BIGINT      NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, period_start, period_end)
);

CREATE TABLE IF NOT EXISTS budget_reservations (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    -- JSON array of scope keys, in the order the request named them.
    scopes       TEXT        NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    period_end   TIMESTAMPTZ NOT NULL,
    amount       BIGINT      NOT NULL,
    lease_until  TIMESTAMPTZ NOT NULL,
    -- 'held' until settled or released (then deleted); 'lapsed' once its lease was reclaimed.
    state        TEXT        NOT NULL CHECK (state IN ('held', 'lapsed')),
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_budget_reservations_lease ON budget_reservations (state, lease_until);

CREATE TABLE IF NOT EXISTS budget_alerts (
    scope        TEXT COLLATE "C" NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    period_end   TIMESTAMPTZ NOT NULL,
    threshold    BIGINT      NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, period_start, period_end, threshold)
);
