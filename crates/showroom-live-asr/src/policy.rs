//! How the ASR pool degrades under overload — a pure function of the queue's state.
//!
//! In order: fewer partials, then finals only, then a queue whose lag is visible (a metric), and
//! a final that waited too long is recorded as not transcribed rather than dropped silently.
//! Media forwarding is never involved: the pool only ever loses its own work.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    /// Partials at the configured cadence.
    Normal,
    /// Partials at a slower cadence.
    FewerPartials,
    /// No partials; every final is still transcribed.
    FinalsOnly,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolicyConfig {
    /// Partial cadence in normal mode (issue: at least every second while someone speaks).
    pub partial_interval: Duration,
    /// Partial cadence when the pool starts to fall behind.
    pub slow_partial_interval: Duration,
    /// A final still queued after this long is recorded as not transcribed.
    pub max_final_wait: Duration,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            partial_interval: Duration::from_secs(1),
            slow_partial_interval: Duration::from_secs(3),
            max_final_wait: Duration::from_secs(120),
        }
    }
}

/// Share of the workers' time (over the last few seconds) above which partials slow down before
/// any final has to queue: a final arriving at a pool busier than this would likely wait.
pub const BUSY_FOR_FEWER_PARTIALS: f64 = 0.7;

/// The mode for `finals_waiting` queued finals on a pool of `workers`, given the oldest final's
/// wait and how busy the workers were lately (0–1). Queue thresholds are in units of pool size:
/// one queued final per worker means the pool is exactly busy with finals; partials then only
/// add lag.
pub fn mode(finals_waiting: usize, workers: usize, oldest_final_wait: Duration, busy: f64) -> Mode {
    let workers = workers.max(1);
    if finals_waiting >= 2 * workers || oldest_final_wait >= Duration::from_secs(3) {
        Mode::FinalsOnly
    } else if finals_waiting >= workers || oldest_final_wait >= Duration::from_secs(1) || busy >= BUSY_FOR_FEWER_PARTIALS {
        Mode::FewerPartials
    } else {
        Mode::Normal
    }
}

impl PolicyConfig {
    /// Minimum time between two partial passes of one stream in `mode` (None: no partials).
    pub fn partial_spacing(&self, mode: Mode) -> Option<Duration> {
        match mode {
            Mode::Normal => Some(self.partial_interval),
            Mode::FewerPartials => Some(self.slow_partial_interval),
            Mode::FinalsOnly => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrades_in_order_as_the_queue_grows() {
        let ms = Duration::from_millis;
        let cases = [
            (0, 2, ms(0), 0.0, Mode::Normal),
            (1, 2, ms(200), 0.5, Mode::Normal),
            (0, 2, ms(0), 0.75, Mode::FewerPartials), // busy workers: slow partials before finals queue
            (2, 2, ms(200), 0.0, Mode::FewerPartials),
            (1, 2, ms(1500), 0.0, Mode::FewerPartials),
            (3, 2, ms(500), 0.0, Mode::FewerPartials),
            (4, 2, ms(500), 0.0, Mode::FinalsOnly),
            (1, 2, ms(3000), 0.0, Mode::FinalsOnly),
            (0, 2, ms(0), 1.0, Mode::FewerPartials), // busy alone never stops partials
            (1, 0, ms(0), 0.0, Mode::FewerPartials), // a pool of zero is treated as one
        ];
        for (waiting, workers, wait, busy, want) in cases {
            assert_eq!(mode(waiting, workers, wait, busy), want, "{waiting} waiting on {workers} workers, oldest {wait:?}, busy {busy}");
        }
    }

    #[test]
    fn partial_spacing_per_mode() {
        let cfg = PolicyConfig::default();
        assert_eq!(cfg.partial_spacing(Mode::Normal), Some(Duration::from_secs(1)));
        assert_eq!(cfg.partial_spacing(Mode::FewerPartials), Some(Duration::from_secs(3)));
        assert_eq!(cfg.partial_spacing(Mode::FinalsOnly), None);
    }
}
