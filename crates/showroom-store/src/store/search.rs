//! Search over calls: the per-call index (`index_call`) and the query (`search`), with the
//! SQL that differs between FTS5 and PostgreSQL's tsvector kept side by side here.

use std::collections::HashMap;

use sqlx::FromRow;

use super::calls::{CALL_COLUMNS, CallRow};
use super::{Pool, Store, with_pool};
use crate::model::truncate_ts;
use crate::search::query::{highlight, parse};
use crate::search::text::call_document;
use crate::search::{SearchHit, SearchPage, SearchQuery, SearchSort, Snippet, fragments};
use crate::{Call, CallId, ParticipantId, SegmentId, SegmentStatus, StoreError, Ts};

/// A value bound to one `$n` of a query built at run time.
enum Bind {
    Text(String),
    Real(f64),
    Time(Ts),
    Int(i64),
}

/// Binds every value in order; expands once per engine inside `with_pool!`.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Real(x) => q.bind(*x),
                Bind::Time(t) => q.bind(*t),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}

#[derive(FromRow)]
struct HitRow {
    #[sqlx(flatten)]
    call: CallRow,
    score: Option<f64>,
    rank: Option<f64>,
    total: i64,
}

/// A segment as the result page needs it: (id, participant, role, start, end, text).
type PageSegment = (i64, String, String, f64, f64, String);

/// The call's score in results and filters: its lowest under any rubric.
const SCORE_EXPR: &str = "(SELECT MIN(s.score) FROM scores s WHERE s.call_id = c.id)";

impl Store {
    /// Rebuilds a call's search document from its stored segments. Called when a call ends,
    /// after an import and after late segments; idempotent.
    pub async fn index_call(&self, call: &CallId, now: Ts) -> Result<(), StoreError> {
        let segments = self.list_segments(call).await?;
        let texts: Vec<&str> = segments
            .iter()
            .filter(|s| s.segment.status == SegmentStatus::Final)
            .map(|s| s.segment.text.as_str())
            .collect();
        let doc = call_document(texts.iter().copied());
        let count = texts.len() as i64;
        let now = truncate_ts(now);
        const UPSERT: &str = "INSERT INTO search_docs (call_id, segments, indexed_at{extra}) VALUES ($1, $2, $3{extra_value}) \
             ON CONFLICT (call_id) DO UPDATE SET segments = excluded.segments, indexed_at = excluded.indexed_at{extra_set} \
             RETURNING id";
        match &self.pool {
            Pool::Sqlite(p) => {
                let sql = UPSERT.replace("{extra}", "").replace("{extra_value}", "").replace("{extra_set}", "");
                let mut tx = p.begin().await?;
                let (id,): (i64,) = sqlx::query_as(&sql)
                    .bind(&call.0)
                    .bind(count)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| super::missing_call(e, call))?;
                sqlx::query("DELETE FROM search_fts WHERE rowid = $1").bind(id).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO search_fts (rowid, doc) VALUES ($1, $2)")
                    .bind(id)
                    .bind(&doc)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Pool::Postgres(p) => {
                let sql = UPSERT
                    .replace("{extra}", ", tsv")
                    .replace("{extra_value}", ", to_tsvector('simple', $4)")
                    .replace("{extra_set}", ", tsv = excluded.tsv");
                sqlx::query_as::<_, (i64,)>(&sql)
                    .bind(&call.0)
                    .bind(count)
                    .bind(now)
                    .bind(&doc)
                    .fetch_one(p)
                    .await
                    .map_err(|e| super::missing_call(e, call))?;
            }
        }
        Ok(())
    }

    /// Calls matching a reviewer's words and filters, one page, with highlighted snippets.
    pub async fn search(&self, q: &SearchQuery) -> Result<SearchPage, StoreError> {
        let query = parse(&q.text)?;
        let limit = q.limit.clamp(1, SearchQuery::MAX_PAGE);
        let sqlite = matches!(self.pool, Pool::Sqlite(_));

        let mut binds = vec![Bind::Text(q.tenant.0.clone())];
        let mut from = String::from("calls c");
        let mut filter = String::from("c.tenant = $1");
        let mut rank = String::from("NULL");
        if let Some(query) = &query {
            let n = binds.len() + 1;
            if sqlite {
                // CROSS JOIN fixes SQLite's join order: the full-text match drives, then one
                // primary-key lookup per matching call (not one MATCH per call of the tenant).
                from = "search_fts CROSS JOIN search_docs d ON d.id = search_fts.rowid CROSS JOIN calls c ON c.id = d.call_id".into();
                filter += &format!(" AND search_fts MATCH ${n}");
                // bm25: lower is better; negated so that higher is better on both engines.
                rank = "-bm25(search_fts)".into();
                binds.push(Bind::Text(query.to_fts5()));
            } else {
                from += " JOIN search_docs d ON d.call_id = c.id";
                filter += &format!(" AND d.tsv @@ to_tsquery('simple', ${n})");
                rank = format!("ts_rank_cd(d.tsv, to_tsquery('simple', ${n}))::float8");
                binds.push(Bind::Text(query.to_tsquery()));
            }
        }
        let mut push = |sql: String, b: Bind, binds: &mut Vec<Bind>| {
            filter += &sql.replace("$?", &format!("${}", binds.len() + 1));
            binds.push(b);
        };
        if let Some(t) = q.from {
            push(" AND c.created_at >= $?".into(), Bind::Time(truncate_ts(t)), &mut binds);
        }
        if let Some(t) = q.to {
            push(" AND c.created_at < $?".into(), Bind::Time(truncate_ts(t)), &mut binds);
        }
        for (column, value) in [
            ("agent_id", &q.agent),
            ("team", &q.team),
            ("language", &q.language),
            ("product_sku", &q.product_sku),
        ] {
            if let Some(v) = value {
                push(format!(" AND c.{column} = $?"), Bind::Text(v.clone()), &mut binds);
            }
        }
        if let Some(min) = q.min_score {
            push(format!(" AND {SCORE_EXPR} >= $?"), Bind::Real(min), &mut binds);
        }
        if let Some(max) = q.max_score {
            push(format!(" AND {SCORE_EXPR} <= $?"), Bind::Real(max), &mut binds);
        }
        if let Some(criterion) = &q.failed_criterion {
            // The verdict in force: the latest override, else the scorer's.
            push(
                // IN (not EXISTS): the few calls scored on this criterion drive, not every call.
                " AND c.id IN (SELECT sc.call_id FROM score_criteria sc WHERE sc.criterion = $? \
                 AND COALESCE((SELECT o.verdict FROM reviewer_overrides o WHERE o.call_id = sc.call_id \
                 AND o.criterion = sc.criterion ORDER BY o.at DESC, o.id DESC LIMIT 1), sc.verdict) = 'fail')"
                    .into(),
                Bind::Text(criterion.clone()),
                &mut binds,
            );
        }
        if let Some(has) = q.has_interruptions {
            filter += &format!(
                " AND c.id {}IN (SELECT e.call_id FROM insight_events e WHERE e.kind = 'interruption')",
                if has { "" } else { "NOT " }
            );
        }
        let order = match (q.sort, &query) {
            (SearchSort::Relevance, Some(_)) => "rank DESC, created_at DESC, id DESC",
            (SearchSort::Relevance | SearchSort::Newest, _) => "created_at DESC, id DESC",
            (SearchSort::Oldest, _) => "created_at ASC, id ASC",
            (SearchSort::ScoreAsc, _) => "score ASC NULLS LAST, created_at DESC, id DESC",
            (SearchSort::ScoreDesc, _) => "score DESC NULLS LAST, created_at DESC, id DESC",
        };
        let columns: Vec<String> = CALL_COLUMNS.split(',').map(|c| format!("c.{}", c.trim())).collect();
        let (l, o) = (binds.len() + 1, binds.len() + 2);
        // One pass over the matches: the innermost query keeps only what ordering needs (id,
        // date, rank, and the score when sorting by it); the middle one orders, counts them all
        // (a window before LIMIT: no separate count query) and cuts the page; the outer one
        // fetches the page's calls. (SQLite refuses bm25() beside a window function, hence the
        // nesting.)
        let by_score = matches!(q.sort, SearchSort::ScoreAsc | SearchSort::ScoreDesc);
        let sort_score = if by_score { SCORE_EXPR } else { "NULL" };
        let page_sql = format!(
            "SELECT {}, {SCORE_EXPR} AS score, m.rank AS rank, m.total AS total FROM \
             (SELECT id, created_at, rank, score, COUNT(*) OVER () AS total FROM \
              (SELECT c.id AS id, c.created_at AS created_at, {rank} AS rank, {sort_score} AS score FROM {from} WHERE {filter}) i \
              ORDER BY {order} LIMIT ${l} OFFSET ${o}) m \
             JOIN calls c ON c.id = m.id ORDER BY {outer_order}",
            columns.join(", "),
            outer_order = order.replace("created_at", "c.created_at").replace("id DESC", "c.id DESC").replace("id ASC", "c.id ASC").replace("rank", "m.rank"),
        );
        let mut page_binds = binds;
        page_binds.push(Bind::Int(i64::from(limit)));
        page_binds.push(Bind::Int(i64::from(q.offset)));
        let rows: Vec<HitRow> = with_pool!(self, p => bind_all!(sqlx::query_as(&page_sql), &page_binds).fetch_all(p).await?);
        let total = match rows.first() {
            Some(r) => r.total,
            // Past the last page (or nothing matches): count on its own.
            None => {
                let count_sql = format!("SELECT COUNT(*) FROM {from} WHERE {filter}");
                page_binds.truncate(page_binds.len() - 2);
                let (n,): (i64,) = with_pool!(self, p => bind_all!(sqlx::query_as(&count_sql), &page_binds).fetch_one(p).await?);
                n
            }
        };

        let ids: Vec<CallId> = rows.iter().map(|r| CallId(r.call.id.clone())).collect();
        let mut segments = if query.is_some() { self.segments_of(&ids).await? } else { HashMap::new() };
        let terms = query.as_ref().map(|q| q.positive_terms()).unwrap_or_default();
        let mut hits = Vec::with_capacity(rows.len());
        for row in rows {
            let call = Call::try_from(row.call)?;
            let mut matching = 0;
            let mut snippets = Vec::new();
            for (id, participant, role, start_s, end_s, text) in segments.remove(&call.id).unwrap_or_default() {
                let ranges = highlight(&text, &terms);
                if ranges.is_empty() {
                    continue;
                }
                matching += 1;
                if snippets.len() < q.snippets_per_call as usize {
                    snippets.push(Snippet {
                        segment: SegmentId(id),
                        participant: ParticipantId(participant),
                        role: role.parse()?,
                        start_s,
                        end_s,
                        fragments: fragments(&text, &ranges),
                    });
                }
            }
            hits.push(SearchHit { call, score: row.score, relevance: row.rank, matching_segments: matching, snippets });
        }
        Ok(SearchPage { total: total as u64, offset: q.offset, limit, hits })
    }

    /// Final segments of several calls, by call, in time order: one row per call with its
    /// segments as a JSON array (a row per segment costs more in the driver than the search).
    async fn segments_of(&self, calls: &[CallId]) -> Result<HashMap<CallId, Vec<PageSegment>>, StoreError> {
        let mut out = HashMap::new();
        if calls.is_empty() {
            return Ok(out);
        }
        let marks: Vec<String> = (1..=calls.len()).map(|i| format!("${i}")).collect();
        let aggregate = match self.pool {
            Pool::Sqlite(_) => "json_group_array(json_array(id, participant_id, role, start_s, end_s, text) ORDER BY start_s, id)",
            Pool::Postgres(_) => "json_agg(json_build_array(id, participant_id, role, start_s, end_s, text) ORDER BY start_s, id)::text",
        };
        let sql = format!(
            "SELECT call_id, {aggregate} FROM transcript_segments WHERE status = 'final' AND call_id IN ({}) GROUP BY call_id",
            marks.join(", ")
        );
        let binds: Vec<Bind> = calls.iter().map(|c| Bind::Text(c.0.clone())).collect();
        let rows: Vec<(String, String)> = with_pool!(self, p => bind_all!(sqlx::query_as(&sql), &binds).fetch_all(p).await?);
        for (call, json) in rows {
            let segments: Vec<PageSegment> = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt { column: "transcript_segments", value: e.to_string() })?;
            out.insert(CallId(call), segments);
        }
        Ok(out)
    }
}
