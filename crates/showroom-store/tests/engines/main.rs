//! The store's test suite, run once on SQLite and once on a real PostgreSQL server.
//!
//! A custom harness (libtest-mimic, same output and flags as libtest) so that one PostgreSQL
//! server is started before the cases and stopped after them; libtest has no such hook. Trials
//! are named `<engine>::<case>`: `cargo test -p showroom-store --test engines -- postgres::`
//! runs one engine. Without the PostgreSQL binaries (and without `SHOWROOM_TEST_PG_URL`)
//! every PostgreSQL trial fails, saying to run scripts/deps.sh; none is skipped.

mod data;
mod desk_cases;
mod durability_cases;
mod fixture;
mod pg;
mod schema;
mod search_cases;
mod store_cases;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::Result;
use libtest_mimic::{Arguments, Failed, Trial};

use fixture::{Env, Pg, Target};

const SCHEMA_TRIAL: &str = "schema::engines_are_equivalent";

type Case = fn(Env) -> Pin<Box<dyn Future<Output = Result<()>>>>;

macro_rules! cases {
    ($($module:ident :: $name:ident),+ $(,)?) => {
        [$((stringify!($name), (|env| Box::pin($module::$name(env))) as Case)),+]
    };
}

fn main() {
    let args = Arguments::from_args();
    let cases = cases![
        store_cases::round_trip_every_table,
        store_cases::lifecycle_writes_are_idempotent,
        store_cases::append_segment_is_idempotent,
        store_cases::list_calls_filters_and_pages,
        store_cases::override_requires_a_comment,
        store_cases::rescore_replaces_the_score,
        durability_cases::outage_mid_call_loses_nothing,
        durability_cases::restart_replays_the_spool,
        durability_cases::driver_drains_the_spool,
        durability_cases::refused_records_are_set_aside,
        durability_cases::conclusion_during_an_outage_is_kept,
        search_cases::words_phrases_prefixes_and_booleans,
        search_cases::highlights_sit_on_the_matched_words,
        search_cases::filters_and_sorting,
        search_cases::bad_queries_are_errors_not_crashes,
        search_cases::reindexing_follows_new_segments,
        desk_cases::desk_records_round_trip,
    ];

    let mut names: Vec<String> = [Target::Sqlite, Target::Postgres]
        .iter()
        .flat_map(|t| {
            cases
                .iter()
                .map(move |(name, _)| format!("{}::{name}", t.name()))
        })
        .collect();
    names.push(SCHEMA_TRIAL.into());
    // Start PostgreSQL only when a trial that needs it is selected.
    let selected = |name: &str| match &args.filter {
        None => true,
        Some(f) if args.exact => name == f,
        Some(f) => name.contains(f.as_str()),
    };
    let wants_pg = names
        .iter()
        .any(|n| !n.starts_with("sqlite::") && selected(n));
    let pg = Arc::new(if wants_pg {
        Pg::start()
    } else {
        Pg::disabled()
    });
    if wants_pg {
        eprintln!("store tests: {}", pg.describe());
    }

    let mut trials = Vec::new();
    for target in [Target::Sqlite, Target::Postgres] {
        for (name, case) in cases {
            let pg = pg.clone();
            trials.push(Trial::test(
                format!("{}::{name}", target.name()),
                move || run(async move { case(Env::new(target, pg)?).await }),
            ));
        }
    }
    let pg_for_schema = pg.clone();
    trials.push(Trial::test(SCHEMA_TRIAL, move || {
        run(async move { schema::engines_are_equivalent(pg_for_schema).await })
    }));

    let conclusion = libtest_mimic::run(&args, trials);
    if let Err(e) = run(async { pg.drop_databases().await }) {
        eprintln!("store tests: could not drop the test databases: {e:?}");
    }
    drop(pg); // stops the throwaway server before exiting
    conclusion.exit();
}

fn run(case: impl Future<Output = Result<()>>) -> Result<(), Failed> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Failed::from)?;
    rt.block_on(case)
        .map_err(|e| Failed::from(format!("{e:#}")))
}
