-- Showroom store, SQLite dialect. Keep it equivalent to postgres/0001_init.sql: the same
-- tables, columns, keys, checks and indexes; only the types differ (timestamps are TEXT in
-- sqlx's RFC 3339 UTC form, which sorts in time order; JSON is TEXT; booleans are 0/1).
-- A test compares the two schemas column by column.

-- calls.id compares bytewise (BINARY); PostgreSQL's is COLLATE "C" for the same order.
CREATE TABLE calls (
    id            TEXT NOT NULL PRIMARY KEY,
    tenant        TEXT NOT NULL,
    shopper_id    TEXT,
    shopper_name  TEXT,
    agent_id      TEXT,
    team          TEXT,
    product_sku   TEXT,
    product_title TEXT,
    product_url   TEXT,
    language      TEXT,
    node          TEXT,
    created_at    TEXT NOT NULL,
    answered_at   TEXT,
    ended_at      TEXT,
    status        TEXT NOT NULL CHECK (status IN ('ringing', 'answered', 'ended', 'missed'))
);
-- list_calls: one tenant, a date range, newest first, keyset paging on (created_at, id).
CREATE INDEX calls_tenant_created ON calls (tenant, created_at DESC, id DESC);

CREATE TABLE participants (
    call_id        TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'supervisor')),
    display_name   TEXT,
    joined_at      TEXT NOT NULL,
    left_at        TEXT,
    PRIMARY KEY (call_id, participant_id)
);

-- Final transcript segments, already redacted when `redacted` is set.
-- Full-text search comes in a later migration (0002_search.sql) and indexes `text` only:
-- SQLite an FTS5 external-content table (content='transcript_segments', content_rowid='id')
-- kept in step by triggers; PostgreSQL a tsvector column with a GIN index. `id` is the
-- rowid both point at, so it must stay an INTEGER PRIMARY KEY.
CREATE TABLE transcript_segments (
    id             INTEGER PRIMARY KEY,
    call_id        TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    utterance_key  TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'supervisor')),
    start_s        REAL NOT NULL,
    end_s          REAL NOT NULL,
    text           TEXT NOT NULL,
    language       TEXT,
    confidence     REAL,
    status         TEXT NOT NULL CHECK (status IN ('final', 'not_transcribed')),
    reason         TEXT,
    redacted       BOOLEAN NOT NULL,
    -- The idempotency key: a replayed or repeated write is stored once.
    UNIQUE (call_id, utterance_key),
    CHECK (end_s >= start_s),
    CHECK ((status = 'not_transcribed') = (reason IS NOT NULL))
);
CREATE INDEX transcript_segments_call ON transcript_segments (call_id, start_s);

CREATE TABLE insight_events (
    id         INTEGER PRIMARY KEY,
    call_id    TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    party      TEXT NOT NULL CHECK (party IN ('customer', 'agent', 'supervisor')),
    onset_s    REAL NOT NULL,
    duration_s REAL NOT NULL CHECK (duration_s >= 0),
    details    TEXT NOT NULL
);
CREATE INDEX insight_events_call ON insight_events (call_id, onset_s);
-- The search filter "has interruptions".
CREATE INDEX insight_events_kind ON insight_events (kind, call_id);

CREATE TABLE call_metrics (
    call_id TEXT NOT NULL PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    metrics TEXT NOT NULL
);

-- One scorecard per call and rubric; a rescore replaces the row.
CREATE TABLE scores (
    call_id        TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    rubric         TEXT NOT NULL,
    rubric_version TEXT NOT NULL,
    score          REAL NOT NULL,
    passed         BOOLEAN NOT NULL,
    criteria       TEXT NOT NULL,
    scored_at      TEXT NOT NULL,
    PRIMARY KEY (call_id, rubric)
);
-- The search filter on a score range.
CREATE INDEX scores_score ON scores (score);

-- History of reviewers' verdicts; the latest per (call, criterion) is in force.
CREATE TABLE reviewer_overrides (
    id          INTEGER PRIMARY KEY,
    call_id     TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    criterion   TEXT NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'not_applicable')),
    comment     TEXT NOT NULL CHECK (length(trim(comment)) > 0),
    reviewer_id TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX reviewer_overrides_call ON reviewer_overrides (call_id, at);

-- No foreign key on call_id: the trail outlives a call deleted by retention.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    call_id TEXT
);
CREATE INDEX audit_log_call ON audit_log (call_id, at);
