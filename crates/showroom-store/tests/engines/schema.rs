//! The two migration sets describe the same schema.

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::{Result, ensure};

use crate::fixture::{Env, Pg, Target};

/// (table, column, nullable) of every column, and the names of the secondary indexes.
type Shape = (BTreeSet<(String, String, bool)>, BTreeSet<String>);

pub async fn engines_are_equivalent(pg: Arc<Pg>) -> Result<()> {
    let (sqlite_env, postgres_env) = (
        Env::new(Target::Sqlite, pg.clone())?,
        Env::new(Target::Postgres, pg)?,
    );
    let mut sqlite = sqlite_shape(&migrated(&sqlite_env).await?).await?;
    let mut postgres = postgres_shape(&migrated(&postgres_env).await?).await?;
    // The full-text index is engine-specific by design (0002_search.sql): FTS5's virtual table
    // and its shadow tables on SQLite, a tsvector column with a GIN index on PostgreSQL.
    sqlite.0.retain(|(table, _, _)| !table.starts_with("search_fts"));
    ensure!(postgres.0.remove(&("search_docs".into(), "tsv".into(), false)), "search_docs.tsv missing");
    ensure!(postgres.1.remove("search_docs_tsv"), "GIN index search_docs_tsv missing");
    ensure!(sqlite.0.len() > 40, "too few columns read: {:?}", sqlite.0);
    let only = |a: &BTreeSet<_>, b: &BTreeSet<_>| a.difference(b).cloned().collect::<Vec<_>>();
    ensure!(
        sqlite.0 == postgres.0,
        "columns differ; only in SQLite: {:?}; only in PostgreSQL: {:?}",
        only(&sqlite.0, &postgres.0),
        only(&postgres.0, &sqlite.0)
    );
    ensure!(
        sqlite.1 == postgres.1,
        "indexes differ: SQLite {:?}, PostgreSQL {:?}",
        sqlite.1,
        postgres.1
    );
    Ok(())
}

/// The URL of a fresh database with the store's migrations applied.
async fn migrated(env: &Env) -> Result<String> {
    let url = env.fresh_url().await?;
    showroom_store::Store::open(&env.config(&url))
        .await?
        .close()
        .await;
    Ok(url)
}

async fn sqlite_shape(url: &str) -> Result<Shape> {
    let pool = sqlx::SqlitePool::connect(url).await?;
    let columns: Vec<(String, String, bool, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.\"notnull\", p.pk FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&pool)
    .await?;
    let indexes: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .fetch_all(&pool)
            .await?;
    pool.close().await;
    Ok((
        // A primary-key column cannot be NULL on either engine, whatever SQLite's pragma says.
        columns
            .into_iter()
            .map(|(t, c, notnull, pk)| (t, c, !(notnull || pk > 0)))
            .collect(),
        indexes.into_iter().map(|(i,)| i).collect(),
    ))
}

async fn postgres_shape(url: &str) -> Result<Shape> {
    let pool = sqlx::PgPool::connect(url).await?;
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&pool)
    .await?;
    // Secondary indexes only: not those behind PRIMARY KEY / UNIQUE constraints.
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT i.indexname::text FROM pg_indexes i WHERE i.schemaname = 'public' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
    )
    .fetch_all(&pool)
    .await?;
    pool.close().await;
    Ok((
        columns
            .into_iter()
            .map(|(t, c, nullable)| (t, c, nullable == "YES"))
            .collect(),
        indexes.into_iter().map(|(i,)| i).collect(),
    ))
}
