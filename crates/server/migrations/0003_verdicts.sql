-- Every verdict given, in order (the review's audit trail): a session's verdict can be changed
-- (within the rules of docs/server.md), and a change must not erase what was decided before,
-- nor its note. Deleted with its session (retention, erasure). `session_version` is the
-- session row's version the verdict wrote (every write bumps it): the order, whatever the
-- clocks of the replicas that stamped `given_ms`.
CREATE TABLE verdicts (
    session_id      TEXT NOT NULL,
    session_version BIGINT NOT NULL,
    verdict         TEXT NOT NULL,
    note            TEXT,
    given_ms        BIGINT NOT NULL
);
CREATE INDEX verdicts_session ON verdicts (session_id, session_version);
-- The verdicts given before this table: each session's last one.
INSERT INTO verdicts (session_id, session_version, verdict, note, given_ms)
    SELECT id, version, verdict, note, COALESCE(resolved_ms, flagged_ms, created_ms)
    FROM sessions WHERE verdict IS NOT NULL;
