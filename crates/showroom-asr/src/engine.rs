//! The Whisper engine: one whisper.cpp context shared by a bounded pool of decoder states.

use std::collections::HashMap;
use std::ffi::c_int;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use tracing::{debug, info, warn};
use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use crate::cpu::CpuClock;
use crate::error::AsrError;
use crate::window::{FULL_WINDOW_FRAMES, sized_audio_ctx};

/// Input sample rate.
pub const SAMPLE_RATE: u32 = 16_000;
/// Audio shorter than this yields an empty transcript without running the model: there is no
/// word in it, and Whisper tends to invent one ("you", "Thank you.") for near-silence.
pub const MIN_AUDIO_SECONDS: f64 = 0.2;
/// Up to this, the full window holds the audio in one segment too.
const ONE_WINDOW_SECONDS: f64 = 30.0;
/// Silence run through the encoder to set a state's window before language detection.
const PRIME_SAMPLES: usize = 3_200;

/// How to load and run the model.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// A whisper.cpp ggml model (e.g. from [`showroom_asr_model::fetch`]).
    pub model_path: PathBuf,
    /// whisper.cpp threads per transcription, 1..=cores (more is clamped to the core count:
    /// whisper.cpp's worker threads spin, so oversubscribing cores costs a lot). Default 1.
    pub threads_per_job: usize,
    /// Decoder states, i.e. transcriptions that can run at once; further calls wait for a free
    /// one. States are created on first use (tens of MB each). Default: cores / threads_per_job.
    pub max_states: usize,
    /// whisper.cpp's flash attention. Default false: it was slower on the CPUs measured here.
    pub flash_attn: bool,
}

impl EngineConfig {
    /// Defaults: 1 thread per job, one state per core, no flash attention.
    pub fn new(model_path: impl Into<PathBuf>) -> Self {
        Self {
            model_path: model_path.into(),
            threads_per_job: 1,
            max_states: cores(),
            flash_attn: false,
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Which encoder window to run (see [`crate::window`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AudioWindow {
    /// Sized to the audio (plus a margin); the full window for audio longer than ~29 s.
    #[default]
    Sized,
    /// Whisper's padded 30 s window, always. Slower; for comparisons.
    Full,
    /// Exactly this many encoder frames (50 per second; values ≥ 1500 mean the full window).
    /// Audio beyond the window is not heard; for experiments.
    Frames(usize),
}

/// Set from another thread to stop a running transcription early (it then fails with
/// [`AsrError::Cancelled`]): a live partial pass gives way to a final that would wait for it.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(pub Arc<AtomicBool>);

impl CancelFlag {
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl PartialEq for CancelFlag {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for CancelFlag {}

/// whisper.cpp's abort callback: polled between graph nodes and decoder steps.
unsafe extern "C" fn abort_requested(flag: *mut std::ffi::c_void) -> bool {
    // SAFETY: the pointer is the `AtomicBool` of a `CancelFlag` that the running pass borrows.
    unsafe { (*(flag as *const AtomicBool)).load(Ordering::Relaxed) }
}

/// What to do with one utterance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// ISO 639-1 code ("en", "es", …). `None` (or `"auto"`) detects the language on a
    /// multilingual model; an English-only model always uses "en".
    pub language: Option<String>,
    /// Translate into English instead of transcribing (multilingual models only).
    pub translate: bool,
    /// Text that conditions the decoder (names, jargon, the previous sentence). Only its last
    /// 223 tokens are used.
    pub initial_prompt: Option<String>,
    pub audio_window: AudioWindow,
    pub cancel: Option<CancelFlag>,
}

impl DecodeOptions {
    /// Transcribe English.
    pub fn english() -> Self {
        Self {
            language: Some("en".into()),
            ..Self::default()
        }
    }
}

/// A time span of the transcript, in seconds from the start of the audio.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// The result of one transcription.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// Segment texts joined by single spaces, trimmed. Empty when nothing was said.
    pub text: String,
    /// The language decoded (requested or detected; "en" on English-only models). Empty when
    /// detection was requested but the audio was too short to run the model at all.
    pub language: String,
    /// One segment spanning the audio for utterances up to ~29 s; timestamped segments beyond.
    pub segments: Vec<Segment>,
    /// Mean probability of the text tokens (0 when there are none).
    pub confidence: f32,
    /// Whisper's probability that the audio holds no speech (highest over segments; 0 when the
    /// model did not run). A caller may drop transcripts above ~0.6 with low confidence.
    pub no_speech_probability: f32,
    pub audio_seconds: f64,
    /// CPU time of the transcription. With `threads_per_job == 1` whisper.cpp computes on the
    /// calling thread and this is that thread's CPU time, exact even with other jobs running;
    /// with more threads it is the process's CPU time during the call, which also counts
    /// whatever else the process did meanwhile.
    pub cpu_seconds: f64,
    /// Encoder frames of the final pass (50 per second of window; 1500 = the full 30 s window;
    /// 0 = the model did not run).
    pub audio_ctx: usize,
    /// The sized window produced degenerate output (a repetition loop) and the audio was
    /// decoded again with the full window; `cpu_seconds` counts both passes.
    pub window_fallback: bool,
    /// The sized window's output looped after the words and was cut at the loop instead.
    pub loop_trimmed: bool,
}

impl Transcript {
    fn empty(language: String, audio_seconds: f64) -> Self {
        Self {
            text: String::new(),
            language,
            segments: Vec::new(),
            confidence: 0.0,
            no_speech_probability: 0.0,
            audio_seconds,
            cpu_seconds: 0.0,
            audio_ctx: 0,
            window_fallback: false,
            loop_trimmed: false,
        }
    }
}

/// A loaded Whisper model. `Send + Sync`: share it (e.g. in an `Arc`) between worker threads.
pub struct WhisperEngine {
    ctx: WhisperContext,
    threads_per_job: usize,
    multilingual: bool,
    pool: StatePool,
    /// Parameters per language id (`None` = detect). Built once per language because
    /// whisper-rs leaks the C string of every `set_language` call.
    base_params: Mutex<HashMap<Option<c_int>, FullParams<'static, 'static>>>,
}

impl std::fmt::Debug for WhisperEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhisperEngine")
            .field("threads_per_job", &self.threads_per_job)
            .field("multilingual", &self.multilingual)
            .field("max_states", &self.pool.max_states)
            .finish_non_exhaustive()
    }
}

/// The language a request resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    Detect,
    Id(c_int),
}

impl WhisperEngine {
    /// Checks the file with [`showroom_asr_model::verify_ggml`] (for a specific error instead
    /// of whisper.cpp's generic failure), then loads it once.
    pub fn load(cfg: EngineConfig) -> Result<Self, AsrError> {
        if cfg.threads_per_job == 0 {
            return Err(AsrError::Config(
                "threads_per_job must be at least 1".into(),
            ));
        }
        if cfg.max_states == 0 {
            return Err(AsrError::Config("max_states must be at least 1".into()));
        }
        let threads_per_job = cfg.threads_per_job.min(cores());
        if threads_per_job < cfg.threads_per_job {
            warn!(
                requested = cfg.threads_per_job,
                cores = threads_per_job,
                "asr threads per job clamped to the core count"
            );
        }
        whisper_rs::install_logging_hooks();
        let path = cfg.model_path.clone();
        let summary =
            showroom_asr_model::verify_ggml(&path).map_err(|source| AsrError::BadModel {
                path: path.clone(),
                source,
            })?;
        let mut params = WhisperContextParameters::default();
        params.use_gpu(false).flash_attn(cfg.flash_attn);
        let ctx = WhisperContext::new_with_params(&path, params).map_err(|source| {
            AsrError::ModelLoad {
                path: path.clone(),
                source,
            }
        })?;
        let multilingual = ctx.is_multilingual();
        info!(
            model = %path.display(),
            n_vocab = summary.hparams.n_vocab,
            multilingual,
            threads_per_job,
            max_states = cfg.max_states,
            flash_attn = cfg.flash_attn,
            "asr model loaded"
        );
        Ok(Self {
            ctx,
            threads_per_job,
            multilingual,
            pool: StatePool::new(cfg.max_states),
            base_params: Mutex::new(HashMap::new()),
        })
    }

    pub fn is_multilingual(&self) -> bool {
        self.multilingual
    }

    /// Transcribes (or translates) 16 kHz mono samples in [-1, 1].
    ///
    /// Blocking: call from a worker thread, never from an async runtime. Waits for a free
    /// decoder state when `max_states` transcriptions are already running.
    pub fn transcribe(
        &self,
        audio_16k: &[f32],
        opts: &DecodeOptions,
    ) -> Result<Transcript, AsrError> {
        let audio_seconds = audio_16k.len() as f64 / f64::from(SAMPLE_RATE);
        if let Some(i) = audio_16k.iter().position(|s| !s.is_finite()) {
            return Err(AsrError::InvalidAudio(format!(
                "sample {i} is {}",
                audio_16k[i]
            )));
        }
        let language = self.resolve_language(opts)?;
        let prompt = self.prompt_tokens(opts.initial_prompt.as_deref())?;
        if audio_seconds < MIN_AUDIO_SECONDS {
            let language = match language {
                Language::Detect => String::new(),
                Language::Id(id) => lang_code(id),
            };
            return Ok(Transcript::empty(language, audio_seconds));
        }

        let audio_ctx = match opts.audio_window {
            AudioWindow::Sized => sized_audio_ctx(audio_16k.len()),
            AudioWindow::Full => None,
            AudioWindow::Frames(n) => Some(n.max(1)).filter(|&n| n < FULL_WINDOW_FRAMES),
        };
        let clock = if self.threads_per_job == 1 {
            CpuClock::Thread
        } else {
            CpuClock::Process
        };
        let mut lease = self.pool.lease(&self.ctx)?;
        let cpu_start = clock.now();
        let pass = Pass {
            audio: audio_16k,
            language,
            translate: opts.translate,
            prompt: &prompt,
            audio_ctx,
            cancel: opts.cancel.as_ref(),
        };
        let (mut transcript, tokens) = self.decode(&mut lease, &pass)?;
        let looped = audio_ctx.is_some() && degenerate(&tokens, max_tokens(audio_seconds));
        let trimmed = if looped { self.trim_loop(&tokens, audio_seconds) } else { None };
        if let Some(text) = trimmed {
            // The usual loop: the whole utterance, then no end-of-text but the same sentence
            // again. The first copy is the transcript — ten times cheaper than the full window.
            debug!(audio_seconds, audio_ctx, %text, "asr output looped after the words; kept the first copy");
            transcript.segments = vec![Segment { start: 0.0, end: audio_seconds, text: text.clone() }];
            transcript.text = text;
            transcript.loop_trimmed = true;
        } else if looped {
            // A shortened window sometimes sends the greedy decoder into a loop ("y-y-y-…", the
            // sentence over and over). The full window is what Whisper was trained on: decode
            // again with it, in the language already found.
            debug!(audio_seconds, audio_ctx, text = %transcript.text, "asr output degenerate, retrying with the full window");
            let language = match transcript.language.as_str() {
                "" => language,
                code => whisper_rs::get_lang_id(code).map_or(language, Language::Id),
            };
            let retry = Pass {
                language,
                audio_ctx: None,
                ..pass
            };
            transcript = self.decode(&mut lease, &retry)?.0;
            transcript.window_fallback = true;
        }
        transcript.cpu_seconds = clock.now() - cpu_start;
        drop(lease);
        debug!(
            audio_seconds,
            cpu_seconds = transcript.cpu_seconds,
            audio_ctx = transcript.audio_ctx,
            window_fallback = transcript.window_fallback,
            loop_trimmed = transcript.loop_trimmed,
            language = %transcript.language,
            n_chars = transcript.text.len(),
            "asr transcribed"
        );
        Ok(transcript)
    }

    /// One whisper.cpp run; the transcript and its text token ids.
    fn decode(
        &self,
        lease: &mut Lease<'_>,
        pass: &Pass<'_>,
    ) -> Result<(Transcript, Vec<c_int>), AsrError> {
        let audio_seconds = pass.audio.len() as f64 / f64::from(SAMPLE_RATE);
        let window_frames = pass.audio_ctx.unwrap_or(FULL_WINDOW_FRAMES);
        let mut params: FullParams<'static, '_> = self.base_params(pass.language);
        params.set_n_threads(self.threads_per_job as c_int);
        params.set_audio_ctx(pass.audio_ctx.unwrap_or(0) as c_int);
        params.set_translate(pass.translate);
        params.set_tokens(pass.prompt);
        // Up to ~29 s the audio fits one window: one segment, no timestamp tokens to decode.
        let one_window = pass.audio_ctx.is_some() || audio_seconds <= ONE_WINDOW_SECONDS;
        params.set_no_timestamps(one_window);
        params.set_single_segment(one_window);
        params.set_max_tokens(max_tokens(audio_seconds.min(30.0)) as c_int);

        if pass.language == Language::Detect && lease.window_frames != window_frames {
            // whisper.cpp detects the language with the window of the state's previous call
            // (it sets the new one only after detection); run it once on silence so detection
            // sees this call's window, whatever the state did before.
            self.prime(lease, pass.audio_ctx)?;
        }
        lease.window_frames = window_frames;
        if let Some(flag) = pass.cancel {
            if flag.is_set() {
                return Err(AsrError::Cancelled);
            }
            // SAFETY: `abort_requested` only reads the AtomicBool, which `pass` keeps alive
            // for the whole `full` call below.
            unsafe {
                params.set_abort_callback(Some(abort_requested));
                params.set_abort_callback_user_data(Arc::as_ptr(&flag.0) as *mut std::ffi::c_void);
            }
        }
        let ran = lease.state.full(params, pass.audio);
        if pass.cancel.is_some_and(CancelFlag::is_set) {
            return Err(AsrError::Cancelled);
        }
        ran.map_err(AsrError::whisper("transcribing"))?;
        let (mut transcript, tokens) = self.collect(&lease.state, audio_seconds, one_window)?;
        transcript.audio_ctx = window_frames;
        Ok((transcript, tokens))
    }

    /// The text before a decoding loop, when it plausibly covers the utterance.
    fn trim_loop(&self, tokens: &[c_int], audio_seconds: f64) -> Option<String> {
        let cut = loop_cut(tokens)?;
        if (cut as f64) < (audio_seconds * MIN_TOKENS_PER_SECOND).max(2.0) {
            return None;
        }
        let mut bytes = Vec::new();
        for &t in &tokens[..cut] {
            bytes.extend_from_slice(self.ctx.token_to_bytes(t).ok()?);
        }
        let text = String::from_utf8_lossy(&bytes).trim().to_owned();
        (!text.is_empty()).then_some(text)
    }

    fn resolve_language(&self, opts: &DecodeOptions) -> Result<Language, AsrError> {
        if opts.translate && !self.multilingual {
            return Err(AsrError::EnglishOnlyModel("translate"));
        }
        let code = opts.language.as_deref().map(str::trim).unwrap_or("");
        if code.contains('\0') {
            return Err(AsrError::InvalidOption {
                option: "language",
                why: "contains a NUL byte".into(),
            });
        }
        let code = code.to_ascii_lowercase();
        if code.is_empty() || code == "auto" {
            return Ok(if self.multilingual {
                Language::Detect
            } else {
                Language::Id(english_id())
            });
        }
        let id = whisper_rs::get_lang_id(&code)
            .ok_or_else(|| AsrError::UnknownLanguage(code.clone()))?;
        if !self.multilingual && id != english_id() {
            return Err(AsrError::EnglishOnlyModel(
                "transcribe languages other than English",
            ));
        }
        Ok(Language::Id(id))
    }

    /// The initial prompt as tokens (at most the last 223: half the text context, minus one).
    fn prompt_tokens(&self, prompt: Option<&str>) -> Result<Vec<c_int>, AsrError> {
        let Some(prompt) = prompt.filter(|p| !p.trim().is_empty()) else {
            return Ok(Vec::new());
        };
        if prompt.contains('\0') {
            return Err(AsrError::InvalidOption {
                option: "initial_prompt",
                why: "contains a NUL byte".into(),
            });
        }
        // Every BPE token covers at least one byte, so this capacity always suffices (whisper-rs
        // mishandles whisper.cpp's "buffer too small" answer).
        let tokens =
            self.ctx
                .tokenize(prompt, prompt.len() + 1)
                .map_err(|e| AsrError::InvalidOption {
                    option: "initial_prompt",
                    why: e.to_string(),
                })?;
        let max = usize::try_from(self.ctx.n_text_ctx() / 2 - 1).unwrap_or(0);
        Ok(tokens[tokens.len().saturating_sub(max)..].to_vec())
    }

    fn base_params(&self, language: Language) -> FullParams<'static, 'static> {
        let key = match language {
            Language::Detect => None,
            Language::Id(id) => Some(id),
        };
        let mut cache = self
            .base_params
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        cache
            .entry(key)
            .or_insert_with(|| {
                let mut p = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
                // Default language is "en" (a static string in whisper.cpp).
                match key {
                    None => p.set_language(None),
                    Some(id) if id != english_id() => p.set_language(whisper_rs::get_lang_str(id)),
                    Some(_) => {}
                }
                p.set_no_context(true);
                p.set_temperature(0.0);
                p.set_temperature_inc(0.0); // no fallback: one greedy pass
                p.set_suppress_blank(true);
                p.set_suppress_nst(true);
                p.set_print_special(false);
                p.set_print_progress(false);
                p.set_print_realtime(false);
                p.set_print_timestamps(false);
                p
            })
            .clone()
    }

    /// Runs the encoder once on silence with `audio_ctx`, which leaves it as the state's window.
    fn prime(&self, lease: &mut Lease<'_>, audio_ctx: Option<usize>) -> Result<(), AsrError> {
        let mut p = self.base_params(Language::Id(english_id()));
        p.set_n_threads(self.threads_per_job as c_int);
        p.set_audio_ctx(audio_ctx.unwrap_or(0) as c_int);
        p.set_no_timestamps(true);
        p.set_single_segment(true);
        p.set_max_tokens(1);
        lease
            .state
            .full(p, &[0.0; PRIME_SAMPLES])
            .map_err(AsrError::whisper("setting the encoder window"))
    }

    fn collect(
        &self,
        state: &WhisperState,
        audio_seconds: f64,
        one_window: bool,
    ) -> Result<(Transcript, Vec<c_int>), AsrError> {
        let eot = self.ctx.token_eot();
        let language = if self.multilingual {
            lang_code(state.full_lang_id_from_state())
        } else {
            "en".to_owned()
        };
        let mut transcript = Transcript::empty(language, audio_seconds);
        let mut text_tokens = Vec::new();
        let mut p_sum = 0.0f64;
        for segment in state.as_iter() {
            let text = segment
                .to_str_lossy()
                .map_err(AsrError::whisper("reading a segment"))?
                .trim()
                .to_owned();
            for i in 0..segment.n_tokens() {
                let Some(token) = segment.get_token(i) else {
                    continue;
                };
                if token.token_id() < eot {
                    p_sum += f64::from(token.token_probability());
                    text_tokens.push(token.token_id());
                }
            }
            transcript.no_speech_probability = transcript
                .no_speech_probability
                .max(segment.no_speech_probability());
            if text.is_empty() {
                continue;
            }
            let (start, end) = if one_window {
                (0.0, audio_seconds)
            } else {
                let cs = |t: i64| (t as f64 / 100.0).clamp(0.0, audio_seconds);
                (cs(segment.start_timestamp()), cs(segment.end_timestamp()))
            };
            transcript.segments.push(Segment { start, end, text });
        }
        transcript.text = transcript
            .segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        if !text_tokens.is_empty() {
            transcript.confidence = (p_sum / text_tokens.len() as f64) as f32;
        }
        Ok((transcript, text_tokens))
    }
}

/// The inputs of one decoding pass.
#[derive(Clone, Copy)]
struct Pass<'a> {
    cancel: Option<&'a CancelFlag>,
    audio: &'a [f32],
    language: Language,
    translate: bool,
    prompt: &'a [c_int],
    /// `None`: the full window.
    audio_ctx: Option<usize>,
}

/// Decoder steps allowed per segment: far above speech (2–6 tokens/s), so only loops hit it.
fn max_tokens(audio_seconds: f64) -> usize {
    (audio_seconds * 10.0).ceil() as usize + 16
}

/// Whether decoded text tokens look like a greedy-decoding loop: the step limit was hit, or a
/// run of at least [`MIN_LOOP_TOKENS`] tokens is immediately repeated.
fn degenerate(tokens: &[c_int], max_tokens: usize) -> bool {
    if tokens.len() >= max_tokens {
        return true;
    }
    let n = tokens.len();
    (MIN_LOOP_TOKENS..=n / 2)
        .any(|len| (0..=n - 2 * len).any(|i| tokens[i..i + len] == tokens[i + len..i + 2 * len]))
}

/// Where the first immediate repeat of a run of at least [`MIN_LOOP_TOKENS`] tokens ends its
/// first copy: `tokens[..cut]` is what came before the loop.
fn loop_cut(tokens: &[c_int]) -> Option<usize> {
    let n = tokens.len();
    let (i, len) = (0..n).find_map(|i| (MIN_LOOP_TOKENS..=(n - i) / 2).find(|&len| tokens[i..i + len] == tokens[i + len..i + 2 * len]).map(|len| (i, len)))?;
    // The repeated run may itself be a shorter phrase said twice ("Is not. Is not."): keep one.
    let run = &tokens[i..i + len];
    let period = (1..len).find(|&p| len % p == 0 && run.chunks(p).all(|c| c == &run[..p])).unwrap_or(len);
    Some(i + period)
}

/// Fewest text tokens per second of audio for a loop's first copy to count as the whole
/// utterance (speech runs at ~2.5–4 tokens/s; a copy much shorter than that missed words).
const MIN_TOKENS_PER_SECOND: f64 = 1.5;

/// Shortest repeated token run counted as a loop (shorter repeats are speech: "no, no").
const MIN_LOOP_TOKENS: usize = 4;

fn english_id() -> c_int {
    0 // whisper.cpp's language table starts with "en"
}

fn lang_code(id: c_int) -> String {
    whisper_rs::get_lang_str(id).unwrap_or("").to_owned()
}

/// Decoder states, created on demand up to `max_states`, handed out one per transcription.
struct StatePool {
    max_states: usize,
    inner: Mutex<PoolInner>,
    returned: Condvar,
}

struct PoolInner {
    idle: Vec<PooledState>,
    created: usize,
}

struct PooledState {
    state: WhisperState,
    /// The encoder window whisper.cpp will use for this state's next language detection.
    window_frames: usize,
}

/// A state on loan; goes back to the pool when dropped (also after an error).
struct Lease<'p> {
    pool: &'p StatePool,
    pooled: Option<PooledState>,
}

impl std::ops::Deref for Lease<'_> {
    type Target = PooledState;
    fn deref(&self) -> &PooledState {
        self.pooled.as_ref().expect("leased until dropped")
    }
}

impl std::ops::DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut PooledState {
        self.pooled.as_mut().expect("leased until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(pooled) = self.pooled.take() {
            self.pool.lock().idle.push(pooled);
            self.pool.returned.notify_one();
        }
    }
}

impl StatePool {
    fn new(max_states: usize) -> Self {
        Self {
            max_states,
            inner: Mutex::new(PoolInner {
                idle: Vec::new(),
                created: 0,
            }),
            returned: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lease(&self, ctx: &WhisperContext) -> Result<Lease<'_>, AsrError> {
        let mut inner = self.lock();
        loop {
            if let Some(pooled) = inner.idle.pop() {
                return Ok(Lease {
                    pool: self,
                    pooled: Some(pooled),
                });
            }
            if inner.created < self.max_states {
                inner.created += 1;
                drop(inner);
                return match ctx.create_state() {
                    Ok(state) => Ok(Lease {
                        pool: self,
                        pooled: Some(PooledState {
                            state,
                            window_frames: FULL_WINDOW_FRAMES,
                        }),
                    }),
                    Err(source) => {
                        self.lock().created -= 1;
                        self.returned.notify_one();
                        Err(AsrError::Whisper {
                            during: "creating a decoder state",
                            source,
                        })
                    }
                };
            }
            inner = self
                .returned
                .wait(inner)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_are_recognised() {
        let cases: &[(&[c_int], usize, bool)] = &[
            (&[], 46, false),
            (&[1, 2, 3, 4, 5, 6, 7, 8], 46, false),
            // "no, no, no": short repeats are speech.
            (&[9, 9, 9, 9, 9, 9], 46, false),
            (&[1, 2, 7, 8, 7, 8, 7, 8, 3], 46, false),
            // A sentence said twice.
            (&[1, 2, 3, 4, 5, 1, 2, 3, 4, 5], 46, true),
            (&[0, 1, 2, 3, 4, 1, 2, 3, 4, 6], 46, true),
            // The step limit.
            (&[1, 2, 3, 4, 5, 6, 7, 8], 8, true),
        ];
        for &(tokens, max, expected) in cases {
            assert_eq!(degenerate(tokens, max), expected, "{tokens:?} max {max}");
        }
    }

    #[test]
    fn a_loop_is_cut_after_its_first_copy() {
        let cases: &[(&[c_int], Option<usize>)] = &[
            (&[1, 2, 3, 4, 5, 6], None),
            (&[9, 9, 9, 9, 9, 9], None), // runs shorter than MIN_LOOP_TOKENS are speech
            (&[1, 2, 3, 4, 1, 2, 3, 4, 1, 2], Some(4)),
            // Words, then the last phrase over and over: keep up to its first copy.
            (&[7, 8, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3], Some(6)),
            (&[0, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5], Some(6)),
            // A three-token phrase looping: one copy.
            (&[5, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3], Some(4)),
        ];
        for &(tokens, expected) in cases {
            assert_eq!(loop_cut(tokens), expected, "{tokens:?}");
        }
    }

    #[test]
    fn token_limit_leaves_room_for_fast_speech() {
        assert_eq!(max_tokens(0.2), 18);
        assert_eq!(max_tokens(3.0), 46);
        assert_eq!(max_tokens(30.0), 316);
    }
}
