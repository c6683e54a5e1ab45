-- Full-text search, SQLite dialect (PostgreSQL: postgres/0002_search.sql).
--
-- One search document per call, not per segment: a reviewer's words match whole calls
-- ("refund" said in one utterance, "damaged" in another), and a posting list over ~10k calls
-- answers in milliseconds where one over ~1M segments would not. The document is built by the
-- store (search::text): folded tokens, segments separated by a break token so phrases stay
-- within one utterance. Highlights are computed from the segments themselves.

CREATE TABLE search_docs (
    id         INTEGER PRIMARY KEY,
    call_id    TEXT NOT NULL UNIQUE REFERENCES calls (id) ON DELETE CASCADE,
    segments   INTEGER NOT NULL,
    indexed_at TEXT NOT NULL
);

-- Contentless: the text lives in transcript_segments; rowid = search_docs.id.
CREATE VIRTUAL TABLE search_fts USING fts5(
    doc,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    -- Prefix indexes: "ref*" reads one entry instead of every term starting with "ref".
    prefix = '2 3 4'
);
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_fts WHERE rowid = old.id;
END;

-- Per-criterion verdicts of each score, for the "failed criterion" filter (the JSON in
-- scores.criteria stays the full record with evidence).
CREATE TABLE score_criteria (
    call_id   TEXT NOT NULL,
    rubric    TEXT NOT NULL,
    criterion TEXT NOT NULL,
    verdict   TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'not_applicable')),
    PRIMARY KEY (call_id, rubric, criterion),
    FOREIGN KEY (call_id, rubric) REFERENCES scores (call_id, rubric) ON DELETE CASCADE
);
CREATE INDEX score_criteria_failed ON score_criteria (criterion, verdict, call_id);

-- Filters of the search page.
CREATE INDEX calls_tenant_agent ON calls (tenant, agent_id);
CREATE INDEX calls_tenant_team ON calls (tenant, team);
CREATE INDEX calls_tenant_sku ON calls (tenant, product_sku);
