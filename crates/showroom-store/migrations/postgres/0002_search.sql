-- Full-text search, PostgreSQL dialect (SQLite: sqlite/0002_search.sql, which explains the
-- design). The document is indexed as a tsvector of the 'simple' configuration: the store has
-- already folded and split it, so no stemming or stop words change what a reviewer typed.

CREATE TABLE search_docs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id    TEXT NOT NULL UNIQUE REFERENCES calls (id) ON DELETE CASCADE,
    segments   BIGINT NOT NULL,
    indexed_at TIMESTAMPTZ NOT NULL,
    -- PostgreSQL only: SQLite keeps the index in the search_fts virtual table.
    tsv        TSVECTOR NOT NULL
);
CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv);

CREATE TABLE score_criteria (
    call_id   TEXT NOT NULL,
    rubric    TEXT NOT NULL,
    criterion TEXT NOT NULL,
    verdict   TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'not_applicable')),
    PRIMARY KEY (call_id, rubric, criterion),
    FOREIGN KEY (call_id, rubric) REFERENCES scores (call_id, rubric) ON DELETE CASCADE
);
CREATE INDEX score_criteria_failed ON score_criteria (criterion, verdict, call_id);

CREATE INDEX calls_tenant_agent ON calls (tenant, agent_id);
CREATE INDEX calls_tenant_team ON calls (tenant, team);
CREATE INDEX calls_tenant_sku ON calls (tenant, product_sku);
