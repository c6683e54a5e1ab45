-- The support desk (issue 6): what an agent records at wrap-up, the shopper's rating, callback
-- requests left when nobody could take a call, and agents' routing profiles. Keep it equivalent
-- to sqlite/0003_desk.sql.

CREATE TABLE call_wrap_ups (
    call_id     TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    agent_id    TEXT NOT NULL,
    disposition TEXT NOT NULL,
    notes       TEXT NOT NULL,
    saved_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE call_ratings (
    call_id  TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    stars    INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment  TEXT,
    rated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE callback_requests (
    id             TEXT NOT NULL PRIMARY KEY,
    tenant         TEXT NOT NULL,
    name           TEXT NOT NULL,
    contact        TEXT NOT NULL,
    language       TEXT,
    timezone       TEXT,
    preferred_time TEXT,
    note           TEXT,
    product_sku    TEXT,
    product_title  TEXT,
    product_url    TEXT,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX callback_requests_tenant_created ON callback_requests (tenant, created_at DESC);

-- languages and skills: JSON arrays of strings.
CREATE TABLE agent_profiles (
    id         TEXT NOT NULL PRIMARY KEY,
    tenant     TEXT NOT NULL,
    name       TEXT,
    languages  JSONB NOT NULL,
    skills     JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
