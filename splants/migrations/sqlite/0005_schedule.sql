-- The publishing schedule. `social_posts` was created by 0001 and never written; it is rebuilt
-- with what a schedule entry holds (its status may now be `unknown`, which 0001's CHECK refused).
-- Deleting a piece deletes its entries (the engine cancels pending ones first).
DROP TABLE IF EXISTS social_posts;
CREATE TABLE social_posts (
    id              TEXT    NOT NULL PRIMARY KEY,
    content_id      TEXT    NOT NULL REFERENCES content (id) ON DELETE CASCADE,
    owner           TEXT,
    account         TEXT    NOT NULL,
    platform        TEXT    NOT NULL,
    parts           TEXT    NOT NULL,
    scheduled_time  INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled', 'publishing', 'published', 'failed', 'unknown', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    post_id         TEXT,
    post_url        TEXT,
    posted          TEXT    NOT NULL DEFAULT '[]',
    idempotent      INTEGER NOT NULL,
    published_at    INTEGER,
    lease_owner     TEXT,
    lease_until     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
-- Workers: due entries (scheduled, by next attempt) and lapsed claims (publishing, by lease).
CREATE INDEX idx_social_posts_due ON social_posts (status, next_attempt_at, id);
CREATE INDEX idx_social_posts_lease ON social_posts (status, lease_until);
-- The schedule, earliest first.
CREATE INDEX idx_social_posts_time ON social_posts (scheduled_time, id);
CREATE INDEX idx_social_posts_owner ON social_posts (owner, scheduled_time, id);
CREATE INDEX idx_social_posts_content ON social_posts (content_id);
