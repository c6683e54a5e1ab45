//! The service's config sections and the composed top-level [`Config`].
//!
//! Precedence: built-in defaults < TOML file < `SHOWROOM_*` environment < command line (the
//! binary applies the last). Every environment variable is listed in [`ENV_VARS`].

use std::net::SocketAddr;
use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use showroom_sfu::SfuConfig;

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub http: HttpConfig,
    pub auth: AuthConfig,
    pub calls: CallsConfig,
    pub web: WebConfig,
    pub demo: DemoConfig,
    pub sfu: SfuConfig,
    pub asr: AsrConfig,
    pub store: showroom_store::StoreConfig,
    pub redaction: RedactionConfig,
    pub qa: QaConfig,
    pub recording: RecordingConfig,
    pub desk: crate::desk::DeskConfig,
    pub routing: showroom_routing::RoutingConfig,
}

/// Each party's audio recorded as Ogg/Opus from the RTP payloads, for reviewers.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RecordingConfig {
    pub enabled: bool,
    /// Empty: `<store.data_dir>/recordings`.
    pub dir: PathBuf,
    /// Recordings older than this are deleted (checked hourly); 0 keeps them forever.
    pub retention_days: u32,
}

impl Default for RecordingConfig {
    fn default() -> Self {
        Self { enabled: true, dir: PathBuf::new(), retention_days: 90 }
    }
}

impl RecordingConfig {
    pub fn dir(&self, store: &showroom_store::StoreConfig) -> PathBuf {
        if self.dir.as_os_str().is_empty() { store.data_dir.join("recordings") } else { self.dir.clone() }
    }
}

/// Scoring every call at its end (`showroom-qa`): the rubric file for everyone and per tenant.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct QaConfig {
    /// A rubric TOML file (crates/showroom-qa/RUBRIC.md). Empty: the built-in e-commerce
    /// support rubric.
    pub rubric: PathBuf,
    /// `[qa.tenants.<tenant>] rubric = "…"`: a team's own rubric.
    pub tenants: BTreeMap<String, QaTenantConfig>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct QaTenantConfig {
    pub rubric: PathBuf,
}

impl QaConfig {
    /// Loads every rubric: the default (under `""`) and each tenant's. A broken rubric file is an
    /// error at start-up, naming the file and the criterion.
    pub fn load(&self) -> Result<BTreeMap<String, showroom_qa::Rubric>, ConfigError> {
        let load = |p: &PathBuf| -> Result<showroom_qa::Rubric, ConfigError> {
            if p.as_os_str().is_empty() {
                return Ok(showroom_qa::Rubric::ecommerce_support());
            }
            showroom_qa::Rubric::from_path(p).map_err(|e| ConfigError::Parse(format!("rubric {}: {e}", p.display())))
        };
        let mut rubrics = BTreeMap::from([(String::new(), load(&self.rubric)?)]);
        for (tenant, t) in &self.tenants {
            rubrics.insert(tenant.clone(), load(&t.rubric)?);
        }
        Ok(rubrics)
    }
}

/// PII redaction of stored transcripts (`showroom-redact`): `[redaction.default]` for every
/// tenant, `[redaction.tenants.<tenant>]` to replace it for one (unset fields take the
/// built-in defaults, which mask everything).
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RedactionConfig {
    pub default: showroom_redact::Policy,
    pub tenants: BTreeMap<String, showroom_redact::Policy>,
}

impl RedactionConfig {
    pub fn policy(&self, tenant: &str) -> &showroom_redact::Policy {
        self.tenants.get(tenant).unwrap_or(&self.default)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AsrConfig {
    /// Transcribe every call's audio on this box. Without a model file the gateway still runs
    /// and says so in its log.
    pub enabled: bool,
    /// Model name as `showroom model fetch` installs it (`tiny.en`, `base`).
    pub model: String,
    /// A ggml file to use as is (e.g. an official whisper.cpp download); overrides `model`.
    pub model_path: Option<PathBuf>,
    /// Where `showroom model fetch` put its models. Empty: `$SHOWROOM_CACHE/models`, else
    /// `~/.cache/showroom/models`.
    pub models_dir: PathBuf,
    /// Recognizer threads; each runs one utterance at a time. Leave cores for media.
    pub workers: usize,
    /// Spoken language (ISO 639-1), or empty to detect it per utterance (multilingual models).
    pub language: String,
    /// Give the agent English text whatever the shopper speaks (multilingual models).
    pub translate: bool,
    /// Time between two partial hypotheses of one speaker while the recognizer keeps up.
    pub partial_interval_ms: u64,
    /// A final still queued after this long (overload) is recorded as not transcribed.
    pub max_final_wait_s: f64,
    /// Per-tenant overrides (`[asr.tenants.<tenant>]`): model, language, translate.
    pub tenants: BTreeMap<String, AsrTenantConfig>,
}

/// How one tenant's calls are transcribed; unset fields fall back to `[asr]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AsrTenantConfig {
    /// e.g. `base` (multilingual) for a shop whose shoppers speak Spanish and German.
    pub model: Option<String>,
    /// ISO 639-1, or "" to detect per utterance.
    pub language: Option<String>,
    pub translate: Option<bool>,
}

/// The transcription settings of one call, resolved from `[asr]`, its tenant and the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsrCallSettings {
    pub model: String,
    pub language: Option<String>,
    pub translate: bool,
}

impl Default for AsrConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            model: "tiny.en".into(),
            model_path: None,
            models_dir: PathBuf::new(),
            workers: 1,
            language: String::new(),
            translate: false,
            partial_interval_ms: 1000,
            max_final_wait_s: 120.0,
            tenants: BTreeMap::new(),
        }
    }
}

impl AsrConfig {
    /// The ggml file of the default model.
    pub fn model_file(&self) -> PathBuf {
        if let Some(p) = &self.model_path {
            return p.clone();
        }
        self.named_model_file(&self.model)
    }

    /// Every model some call may need: the default first, then tenants' others.
    pub fn models(&self) -> Vec<String> {
        let mut names = vec![self.model.clone()];
        for t in self.tenants.values() {
            if let Some(m) = &t.model
                && !names.contains(m)
            {
                names.push(m.clone());
            }
        }
        names
    }

    /// A call's settings: tenant overrides, then `[asr]`; with no language configured, the
    /// shopper's page language (`es-MX` → `es`) is the best guess before detection, and an
    /// English-only model (`*.en`) is always told English.
    pub fn for_call(&self, tenant: &str, page_language: Option<&str>) -> AsrCallSettings {
        let t = self.tenants.get(tenant);
        let model = t.and_then(|t| t.model.clone()).unwrap_or_else(|| self.model.clone());
        let configured = t.and_then(|t| t.language.clone()).unwrap_or_else(|| self.language.clone());
        let english_only = model.ends_with(".en");
        let language = if english_only {
            Some("en".to_owned())
        } else if !configured.is_empty() {
            Some(configured)
        } else {
            page_language.and_then(|l| l.split(['-', '_']).next()).map(str::to_lowercase).filter(|l| l.len() == 2)
        };
        let translate = !english_only && t.and_then(|t| t.translate).unwrap_or(self.translate);
        AsrCallSettings { model, language, translate }
    }

    /// The ggml file `showroom model fetch <name>` installs.
    pub fn named_model_file(&self, name: &str) -> PathBuf {
        let dir = if self.models_dir.as_os_str().is_empty() {
            std::env::var_os("SHOWROOM_CACHE")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/showroom")))
                .unwrap_or_default()
                .join("models")
        } else {
            self.models_dir.clone()
        };
        dir.join(format!("ggml-{name}.bin"))
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    pub bind: SocketAddr,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self { bind: SocketAddr::from(([0, 0, 0, 0], 8080)) }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// HS256 secret for access tokens. Empty: a random one per process (development only:
    /// tokens die with the process).
    pub token_secret: String,
    /// Lifetime of tokens the service mints for shoppers and answering agents.
    pub token_ttl_s: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self { token_secret: String::new(), token_ttl_s: 4 * 3600 }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CallsConfig {
    /// How long a participant whose connection dropped stays in the call awaiting a resume.
    pub resume_window_s: u32,
    /// Supervisors allowed in one call besides the customer and the agent.
    pub max_supervisors: usize,
    /// A waiting call nobody answered is dropped after this long.
    pub ring_timeout_s: u64,
}

impl Default for CallsConfig {
    fn default() -> Self {
        Self { resume_window_s: 15, max_supervisors: 2, ring_timeout_s: 600 }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// Directory of the built pages (`npm run build` in web-widget/).
    pub dir: PathBuf,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self { dir: PathBuf::from("web-widget/dist") }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DemoConfig {
    /// Serve `GET /v1/desk/token` so the sample agent page can sign in without a login system.
    /// Turn off in production.
    pub enabled: bool,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// Every environment variable the service reads, with the setting it overrides.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("SHOWROOM_HTTP_BIND", "http.bind"),
    ("SHOWROOM_TOKEN_SECRET", "auth.token_secret"),
    ("SHOWROOM_TOKEN_TTL_S", "auth.token_ttl_s"),
    ("SHOWROOM_RESUME_WINDOW_S", "calls.resume_window_s"),
    ("SHOWROOM_MAX_SUPERVISORS", "calls.max_supervisors"),
    ("SHOWROOM_RING_TIMEOUT_S", "calls.ring_timeout_s"),
    ("SHOWROOM_WEB_DIR", "web.dir"),
    ("SHOWROOM_DEMO", "demo.enabled"),
    ("SHOWROOM_UDP_BIND", "sfu.udp_bind"),
    ("SHOWROOM_PUBLIC_IP", "sfu.public_ip"),
    ("SHOWROOM_KEYFRAME_REQUEST_INTERVAL_MS", "sfu.keyframe_request_interval_ms"),
    ("SHOWROOM_INITIAL_BANDWIDTH_BPS", "sfu.initial_bandwidth_bps"),
    ("SHOWROOM_SOCKET_BUFFER_BYTES", "sfu.socket_buffer_bytes"),
    ("SHOWROOM_ASR_ENABLED", "asr.enabled"),
    ("SHOWROOM_ASR_MODEL", "asr.model"),
    ("SHOWROOM_ASR_MODEL_PATH", "asr.model_path"),
    ("SHOWROOM_MODELS_DIR", "asr.models_dir"),
    ("SHOWROOM_ASR_WORKERS", "asr.workers"),
    ("SHOWROOM_ASR_LANGUAGE", "asr.language"),
    ("SHOWROOM_ASR_TRANSLATE", "asr.translate"),
    ("SHOWROOM_ASR_PARTIAL_INTERVAL_MS", "asr.partial_interval_ms"),
    ("SHOWROOM_ASR_MAX_FINAL_WAIT_S", "asr.max_final_wait_s"),
    ("SHOWROOM_DATABASE_URL", "store.url"),
    ("SHOWROOM_DATA_DIR", "store.data_dir"),
    ("SHOWROOM_RECORDING_ENABLED", "recording.enabled"),
    ("SHOWROOM_RECORDING_RETENTION_DAYS", "recording.retention_days"),
    ("SHOWROOM_WRAP_UP_S", "desk.wrap_up_s"),
    ("SHOWROOM_OFFER_TIMEOUT_S", "routing.offer_timeout_s"),
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("invalid config: {0}")]
    Parse(String),
    #[error("invalid value for {var}: {message}")]
    Env { var: String, message: String },
}

impl Config {
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))
    }

    pub fn load(path: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let mut config = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read { path: p.to_owned(), source })?;
                Self::from_toml(&text)?
            }
            None => Self::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    /// Applies `SHOWROOM_*` overrides read through `get` (a function, so tests need no real env).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(var: &str, v: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            v.trim().parse().map_err(|e: T::Err| ConfigError::Env { var: var.to_owned(), message: e.to_string() })
        }
        for (var, _) in ENV_VARS {
            let Some(v) = get(var) else { continue };
            match *var {
                "SHOWROOM_HTTP_BIND" => self.http.bind = parse(var, &v)?,
                "SHOWROOM_TOKEN_SECRET" => self.auth.token_secret = v,
                "SHOWROOM_TOKEN_TTL_S" => self.auth.token_ttl_s = parse(var, &v)?,
                "SHOWROOM_RESUME_WINDOW_S" => self.calls.resume_window_s = parse(var, &v)?,
                "SHOWROOM_MAX_SUPERVISORS" => self.calls.max_supervisors = parse(var, &v)?,
                "SHOWROOM_RING_TIMEOUT_S" => self.calls.ring_timeout_s = parse(var, &v)?,
                "SHOWROOM_WEB_DIR" => self.web.dir = PathBuf::from(v),
                "SHOWROOM_DEMO" => self.demo.enabled = parse(var, &v)?,
                "SHOWROOM_UDP_BIND" => self.sfu.udp_bind = parse(var, &v)?,
                "SHOWROOM_PUBLIC_IP" => self.sfu.public_ip = Some(parse(var, &v)?),
                "SHOWROOM_KEYFRAME_REQUEST_INTERVAL_MS" => self.sfu.keyframe_request_interval_ms = parse(var, &v)?,
                "SHOWROOM_INITIAL_BANDWIDTH_BPS" => self.sfu.initial_bandwidth_bps = parse(var, &v)?,
                "SHOWROOM_SOCKET_BUFFER_BYTES" => self.sfu.socket_buffer_bytes = parse(var, &v)?,
                "SHOWROOM_ASR_ENABLED" => self.asr.enabled = parse(var, &v)?,
                "SHOWROOM_RECORDING_ENABLED" => self.recording.enabled = parse(var, &v)?,
                "SHOWROOM_RECORDING_RETENTION_DAYS" => self.recording.retention_days = parse(var, &v)?,
                "SHOWROOM_WRAP_UP_S" => self.desk.wrap_up_s = parse(var, &v)?,
                "SHOWROOM_OFFER_TIMEOUT_S" => self.routing.offer_timeout_s = parse(var, &v)?,
                "SHOWROOM_ASR_MODEL" => self.asr.model = v,
                "SHOWROOM_ASR_MODEL_PATH" => self.asr.model_path = Some(PathBuf::from(v)),
                "SHOWROOM_MODELS_DIR" => self.asr.models_dir = PathBuf::from(v),
                "SHOWROOM_ASR_WORKERS" => self.asr.workers = parse(var, &v)?,
                "SHOWROOM_ASR_LANGUAGE" => self.asr.language = v,
                "SHOWROOM_ASR_TRANSLATE" => self.asr.translate = parse(var, &v)?,
                "SHOWROOM_ASR_PARTIAL_INTERVAL_MS" => self.asr.partial_interval_ms = parse(var, &v)?,
                "SHOWROOM_ASR_MAX_FINAL_WAIT_S" => self.asr.max_final_wait_s = parse(var, &v)?,
                "SHOWROOM_DATABASE_URL" => self.store.url = v,
                "SHOWROOM_DATA_DIR" => self.store.data_dir = PathBuf::from(v),
                _ => unreachable!("every ENV_VARS entry is matched"),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_config_parses_and_matches_defaults_where_it_says_so() {
        let sample = include_str!("../../../showroom.toml");
        let cfg = Config::from_toml(sample).expect("sample config parses");
        assert_eq!(cfg.calls, CallsConfig::default());
        assert_eq!(cfg.desk, crate::desk::DeskConfig::default());
        assert_eq!(cfg.routing, showroom_routing::RoutingConfig::default());
        assert_eq!(cfg.sfu.keyframe_request_interval_ms, SfuConfig::default().keyframe_request_interval_ms);
    }

    #[test]
    fn env_overrides_file_and_rejects_garbage() {
        let mut cfg = Config::from_toml("[http]\nbind = \"127.0.0.1:1\"\n").unwrap();
        cfg.apply_env(|k| (k == "SHOWROOM_HTTP_BIND").then(|| "127.0.0.1:2".to_owned())).unwrap();
        assert_eq!(cfg.http.bind, "127.0.0.1:2".parse::<std::net::SocketAddr>().unwrap());
        let err = cfg.apply_env(|k| (k == "SHOWROOM_UDP_BIND").then(|| "nope".to_owned())).unwrap_err();
        assert!(err.to_string().contains("SHOWROOM_UDP_BIND"));
        assert!(Config::from_toml("[http]\nbogus = 1\n").is_err());
    }

    #[test]
    fn a_calls_transcription_settings_come_from_its_tenant_then_asr_then_the_page() {
        let cfg = Config::from_toml(
            "[asr]\nmodel = \"tiny.en\"\n[asr.tenants.eu-shop]\nmodel = \"base\"\ntranslate = true\n[asr.tenants.mx-shop]\nmodel = \"base\"\nlanguage = \"es\"\n",
        )
        .unwrap()
        .asr;
        assert_eq!(cfg.models(), vec!["tiny.en".to_owned(), "base".to_owned()]);
        let s = |model: &str, language: Option<&str>, translate| AsrCallSettings { model: model.into(), language: language.map(Into::into), translate };
        let cases = [
            ("default", None, s("tiny.en", Some("en"), false)),
            ("default", Some("de-DE"), s("tiny.en", Some("en"), false)), // an English model is told English
            ("eu-shop", Some("de-DE"), s("base", Some("de"), true)),
            ("eu-shop", None, s("base", None, true)), // detected per utterance
            ("eu-shop", Some("bogus-language"), s("base", None, true)),
            ("mx-shop", Some("en-US"), s("base", Some("es"), false)), // configured beats the page
        ];
        for (tenant, page, want) in cases {
            assert_eq!(cfg.for_call(tenant, page), want, "{tenant} {page:?}");
        }
    }
}
