//! Showroom's durable store: calls, participants, final transcript segments, insight events,
//! talk metrics, scores, reviewers' overrides and the audit log, on an embedded SQLite file by
//! default or on PostgreSQL when several nodes share one database — one interface ([`Store`]),
//! chosen by the URL in [`StoreConfig`], with migrations per engine kept equivalent and run on
//! open. In front of it, [`LiveSink`] is what the live path writes through: when the database
//! is unreachable, writes wait in a local fsync'd [`spool`] and are replayed in order when it
//! returns, with idempotent keys so nothing is lost and nothing is stored twice.
//!
//! **API boundary:** typed records in, typed records out; it knows nothing of HTTP, tokens,
//! audio or how segments are recognised, redacted or scored (text arrives already redacted).
//! Search ([`search`]) indexes one document per call (FTS5 on SQLite, a tsvector with a GIN
//! index on PostgreSQL), built by [`Store::index_call`] from the call's segments with one
//! tokenizer shared by index, query and highlights; recordings and the REST API live elsewhere.
//!
//! Time is an input: every timestamp comes from the caller; the only timer is the
//! [`LiveSink::spawn_driver`] task that retries the spool.

mod config;
mod error;
mod model;
pub mod search;
mod sink;
pub mod spool;
mod store;

pub use config::StoreConfig;
pub use error::StoreError;
pub use model::*;
pub use search::{Fragment, SearchHit, SearchPage, SearchQuery, SearchSort, Snippet};
pub use sink::{FlushReport, LiveSink, LiveWrite, SinkStatus, Written};
pub use store::{Engine, Store};
