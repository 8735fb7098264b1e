-- Telltale's tables. One set for SQLite and PostgreSQL: only types both read alike (TEXT,
-- BIGINT, DOUBLE PRECISION; flags as BIGINT 0/1; times as ms since the epoch), no
-- engine-specific defaults. The README lists every column and how long it is kept.

-- Server-wide settings every replica shares (the token-signing secret when none is configured).
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Login sessions: one per token issued by POST /v1/sessions.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,          -- 128 random bits, hex (the token's subject)
    user_id     TEXT NOT NULL,             -- pseudonymous id given by the portal
    created_ms  BIGINT NOT NULL,
    expires_ms  BIGINT NOT NULL,
    revoked     BIGINT NOT NULL,           -- 0 or 1
    trust       TEXT NOT NULL,             -- telltale_core::SessionTrust, JSON
    flags       TEXT NOT NULL,             -- JSON array of flag names
    worst       TEXT,                      -- the lowest-similarity server score, JSON
    min_similarity DOUBLE PRECISION,
    status      TEXT NOT NULL,             -- none | open | resolved
    flagged_ms  BIGINT,
    verdict     TEXT,                      -- genuine | impostor | automation
    note        TEXT,                      -- the reviewer's note
    resolved_ms BIGINT,
    version     BIGINT NOT NULL            -- optimistic concurrency: bumped by every write
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_status ON sessions (status, flagged_ms);

-- Summaries as received, with the server's score.
CREATE TABLE summaries (
    session_id  TEXT NOT NULL,
    page        TEXT NOT NULL,             -- the collector instance's random id
    seq         BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    body        TEXT NOT NULL,             -- the summary, JSON (aggregates only: see the README)
    digest      TEXT NOT NULL,             -- SHA-256 of body: a resend is a duplicate, other content a conflict
    content     TEXT NOT NULL,             -- SHA-256 of the behaviour alone (no token, page, seq, score): replays
    score       TEXT NOT NULL,             -- the server's score, JSON
    similarity  DOUBLE PRECISION,
    band        TEXT NOT NULL,
    automation  DOUBLE PRECISION NOT NULL,
    page_match  BIGINT,                    -- the browser's score matched a profile it was given (1), did not (0), none sent (NULL)
    learned     BIGINT NOT NULL,           -- 1 once the profile learned from it
    PRIMARY KEY (session_id, page, seq)
);
CREATE INDEX summaries_received ON summaries (received_ms);
CREATE INDEX summaries_user_content ON summaries (user_id, content);
CREATE INDEX summaries_session_received ON summaries (session_id, received_ms);

-- One profile per user.
CREATE TABLE profiles (
    user_id    TEXT PRIMARY KEY,
    body       TEXT NOT NULL,              -- telltale_core::Profile, JSON
    revision   BIGINT NOT NULL,            -- bumped by every update (optimistic concurrency)
    updated_ms BIGINT NOT NULL
);

-- The scorers handed to each session's pages (GET /v1/profile), so that a browser score made
-- against an older revision is not taken for a forgery.
CREATE TABLE handed (
    session_id TEXT NOT NULL,
    revision   BIGINT NOT NULL,
    scorer     TEXT NOT NULL,              -- telltale_core::Packed, JSON
    handed_ms  BIGINT NOT NULL,
    PRIMARY KEY (session_id, revision)
);
