-- The publishing schedule. `social_posts` was created by 0001 and never written; it is rebuilt
-- with what a schedule entry holds (its status may now be `unknown`, which 0001's CHECK refused).
-- Deleting a piece deletes its entries (the engine cancels pending ones first).
DROP TABLE IF EXISTS social_posts CASCADE;
CREATE TABLE social_posts (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    content_id      TEXT COLLATE "C" NOT NULL REFERENCES content (id) ON DELETE CASCADE,
    owner           TEXT COLLATE "C",
    account         TEXT    NOT NULL,
    platform        TEXT    NOT NULL,
    parts           JSONB   NOT NULL,
    scheduled_time  TIMESTAMPTZ NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled', 'publishing', 'published', 'failed', 'unknown', 'cancelled')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT,
    post_id         TEXT,
    post_url        TEXT,
    posted          JSONB   NOT NULL DEFAULT '[]',
    idempotent      BOOLEAN NOT NULL,
    published_at    TIMESTAMPTZ,
    lease_owner     TEXT,
    lease_until     TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
-- Workers: due entries (scheduled, by next attempt) and lapsed claims (publishing, by lease).
CREATE INDEX idx_social_posts_due ON social_posts (status, next_attempt_at, id);
CREATE INDEX idx_social_posts_lease ON social_posts (status, lease_until);
-- The schedule, earliest first.
CREATE INDEX idx_social_posts_time ON social_posts (scheduled_time, id);
CREATE INDEX idx_social_posts_owner ON social_posts (owner, scheduled_time, id);
CREATE INDEX idx_social_posts_content ON social_posts (content_id);
