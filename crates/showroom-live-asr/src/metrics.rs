//! Prometheus metrics of live transcription, named `showroom_asr_*`.

use prometheus::{Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

#[derive(Clone)]
pub struct AsrMetrics {
    pub queue_finals: IntGauge,
    pub queue_partials: IntGauge,
    /// How long the oldest queued final has waited: the lag a user sees.
    pub lag_seconds: Gauge,
    pub passes: IntCounterVec,
    pub real_time_factor: HistogramVec,
    pub partials_skipped: IntCounter,
    pub not_transcribed: IntCounter,
    /// Every utterance that reached its end: each becomes exactly one transcribed final or one
    /// not-transcribed record, so `finals_queued = finals_transcribed + not_transcribed` once idle.
    pub finals_queued: IntCounter,
    pub finals_transcribed: IntCounter,
}

impl AsrMetrics {
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let queue_finals = IntGauge::new("showroom_asr_queue_finals", "Utterances waiting for their final pass")?;
        let queue_partials = IntGauge::new("showroom_asr_queue_partials", "Streams waiting for a partial pass")?;
        let lag_seconds = Gauge::new("showroom_asr_lag_seconds", "Wait of the oldest queued final")?;
        let passes = IntCounterVec::new(Opts::new("showroom_asr_passes_total", "Recognition passes by model and kind"), &["model", "kind"])?;
        let real_time_factor = HistogramVec::new(
            HistogramOpts::new("showroom_asr_real_time_factor", "Processing seconds per second of audio, per pass")
                .buckets(vec![0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]),
            &["model"],
        )?;
        let partials_skipped = IntCounter::new("showroom_asr_partials_skipped_total", "Partial passes skipped or superseded to keep up")?;
        let not_transcribed = IntCounter::new("showroom_asr_not_transcribed_total", "Utterances recorded as not transcribed")?;
        let finals_queued = IntCounter::new("showroom_asr_finals_queued_total", "Utterances queued for their final pass")?;
        let finals_transcribed = IntCounter::new("showroom_asr_finals_transcribed_total", "Utterances delivered as transcribed finals")?;
        for c in [
            Box::new(queue_finals.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(queue_partials.clone()),
            Box::new(lag_seconds.clone()),
            Box::new(passes.clone()),
            Box::new(real_time_factor.clone()),
            Box::new(partials_skipped.clone()),
            Box::new(not_transcribed.clone()),
            Box::new(finals_queued.clone()),
            Box::new(finals_transcribed.clone()),
        ] {
            registry.register(c)?;
        }
        Ok(Self { queue_finals, queue_partials, lag_seconds, passes, real_time_factor, partials_skipped, not_transcribed, finals_queued, finals_transcribed })
    }

    pub fn unregistered() -> Self {
        Self::new(&Registry::new()).expect("fresh registry accepts every metric")
    }

    /// `kind`: final, pause (a final-to-be at a pause) or partial.
    pub(crate) fn observe_pass(&self, model: &str, kind: &str, audio_seconds: f64, seconds: f64) {
        self.passes.with_label_values(&[model, kind]).inc();
        if audio_seconds > 0.0 {
            self.real_time_factor.with_label_values(&[model]).observe(seconds / audio_seconds);
        }
    }
}
