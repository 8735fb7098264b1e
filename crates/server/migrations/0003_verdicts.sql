-- Every verdict given, in order (the review's audit trail): a session's verdict can be changed
-- (within the rules of docs/server.md), and a change must not erase what was decided before,
-- nor its note. Deleted with its session (retention, erasure).
CREATE TABLE verdicts (
    session_id TEXT NOT NULL,
    verdict    TEXT NOT NULL,
    note       TEXT,
    given_ms   BIGINT NOT NULL
);
CREATE INDEX verdicts_session ON verdicts (session_id, given_ms);
