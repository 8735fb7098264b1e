-- The replay memory (issue 23): the replay fingerprint of every stored summary (core
-- automation.rs `AutomationReport::fingerprint`: hashes of runs of five movements' or eight key
-- presses' coarse timing bins; no key, character or coordinate), one row per hash, so that a new
-- window's hashes are found by index. Kept as long as the summary it came from (retention and
-- erasure delete both).
CREATE TABLE fingerprints (
    user_id     TEXT NOT NULL,
    hash        BIGINT NOT NULL,           -- a u32
    session_id  TEXT NOT NULL,
    page        TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    received_ms BIGINT NOT NULL
);
CREATE INDEX fingerprints_user_hash ON fingerprints (user_id, hash);
CREATE INDEX fingerprints_received ON fingerprints (received_ms);
