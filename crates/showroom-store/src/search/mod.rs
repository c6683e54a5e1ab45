//! Transcript search: what a reviewer asks ([`SearchQuery`]) and gets back ([`SearchPage`]),
//! the query language ([`query`]) and the tokenizer shared by index, query and highlights
//! ([`text`]). The engine-specific SQL lives in `store::search`.

pub mod query;
pub mod text;

use serde::{Deserialize, Serialize};

pub use query::{Query, QueryError, Term};

use crate::{Call, ParticipantId, Role, SegmentId, TenantId, Ts};

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    /// Best match first (BM25 on SQLite, cover density on PostgreSQL); newest first when
    /// there are no words to rank by.
    #[default]
    Relevance,
    Newest,
    Oldest,
    /// Lowest score first: the calls most in need of review.
    ScoreAsc,
    ScoreDesc,
}

/// A reviewer's search: words (see [`query`]) and filters, one tenant at a time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchQuery {
    pub tenant: TenantId,
    /// The words; blank lists the calls that pass the filters.
    pub text: String,
    /// `from <= created_at < to`.
    pub from: Option<Ts>,
    pub to: Option<Ts>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub language: Option<String>,
    pub product_sku: Option<String>,
    /// Bounds on the call's score (its lowest under any rubric), inclusive.
    pub min_score: Option<f64>,
    pub max_score: Option<f64>,
    /// Calls where this criterion's verdict in force (a reviewer's override, else the
    /// scorer's) is `fail`.
    pub failed_criterion: Option<String>,
    /// `Some(true)`: only calls with an interruption; `Some(false)`: only calls without.
    pub has_interruptions: Option<bool>,
    pub sort: SearchSort,
    pub offset: u32,
    /// Calls per page, clamped to `1..=MAX_PAGE`.
    pub limit: u32,
    /// Highlighted segments returned per call, at most.
    pub snippets_per_call: u32,
}

impl SearchQuery {
    pub const MAX_PAGE: u32 = 100;
    pub const DEFAULT_PAGE: u32 = 20;
    pub const DEFAULT_SNIPPETS: u32 = 3;

    pub fn new(tenant: impl Into<String>, text: impl Into<String>) -> SearchQuery {
        SearchQuery {
            tenant: TenantId(tenant.into()),
            text: text.into(),
            limit: Self::DEFAULT_PAGE,
            snippets_per_call: Self::DEFAULT_SNIPPETS,
            ..SearchQuery::default()
        }
    }
}

/// A piece of a snippet's text; `hit` pieces are what matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fragment {
    pub text: String,
    pub hit: bool,
}

/// One matching segment, cut into plain and highlighted fragments (no offsets to get wrong in
/// a browser's UTF-16 strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snippet {
    pub segment: SegmentId,
    pub participant: ParticipantId,
    pub role: Role,
    pub start_s: f64,
    pub end_s: f64,
    pub fragments: Vec<Fragment>,
}

impl Snippet {
    /// The highlighted words, for tests and logs.
    pub fn hits(&self) -> Vec<&str> {
        self.fragments.iter().filter(|f| f.hit).map(|f| f.text.as_str()).collect()
    }
}

/// One call in the results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub call: Call,
    /// The call's lowest score under any rubric.
    pub score: Option<f64>,
    /// Higher is better; `None` without words.
    pub relevance: Option<f64>,
    /// Segments of the call where a searched word occurs.
    pub matching_segments: usize,
    /// The first of them in time order, at most `snippets_per_call`.
    pub snippets: Vec<Snippet>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    /// Calls matching in all (not only this page).
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    pub hits: Vec<SearchHit>,
}

/// Cuts `text` at the highlighted byte ranges.
pub(crate) fn fragments(text: &str, ranges: &[(usize, usize)]) -> Vec<Fragment> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(s, e) in ranges {
        if s > at {
            out.push(Fragment { text: text[at..s].to_owned(), hit: false });
        }
        out.push(Fragment { text: text[s..e].to_owned(), hit: true });
        at = e;
    }
    if at < text.len() {
        out.push(Fragment { text: text[at..].to_owned(), hit: false });
    }
    out
}
