//! A party's distribution of voiced-frame levels, forgetting old speech slowly.

/// Lowest level kept, dBFS; quieter frames land in the first bin.
const LO_DB: f64 = -100.0;
const BIN_DB: f64 = 0.25;
const BINS: usize = 400;

/// Histogram of levels with exponential forgetting (newer frames weigh more).
#[derive(Debug, Clone)]
pub(crate) struct LevelHistogram {
    bins: Vec<f64>,
    total: f64,
    /// Weight of the next frame; grows instead of decaying every bin.
    weight: f64,
    /// Voiced speech added, seconds.
    pub(crate) seconds: f64,
}

impl Default for LevelHistogram {
    fn default() -> Self {
        Self {
            bins: vec![0.0; BINS],
            total: 0.0,
            weight: 1.0,
            seconds: 0.0,
        }
    }
}

impl LevelHistogram {
    /// Adds one frame of `frame_s`; old frames fade with time constant `tau_s` of added speech.
    pub(crate) fn add(&mut self, level_db: f64, frame_s: f64, tau_s: f64) {
        let bin = (((level_db - LO_DB) / BIN_DB).floor().max(0.0) as usize).min(BINS - 1);
        self.bins[bin] += self.weight;
        self.total += self.weight;
        self.seconds += frame_s;
        self.weight *= 1.0 + frame_s / tau_s;
        if self.weight > 1e9 {
            for b in &mut self.bins {
                *b /= self.weight;
            }
            self.total /= self.weight;
            self.weight = 1.0;
        }
    }

    /// The level under which `p` percent of the (weighted) frames lie.
    pub(crate) fn percentile(&self, p: f64) -> Option<f64> {
        if self.total <= 0.0 {
            return None;
        }
        let target = self.total * p / 100.0;
        let mut acc = 0.0;
        for (i, b) in self.bins.iter().enumerate() {
            acc += b;
            if acc >= target {
                return Some(LO_DB + (i as f64 + 0.5) * BIN_DB);
            }
        }
        Some(LO_DB + BINS as f64 * BIN_DB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_the_distribution_and_forget_old_levels() {
        let mut h = LevelHistogram::default();
        assert_eq!(h.percentile(50.0), None);
        for i in 0..100 {
            h.add(-40.0 + f64::from(i) * 0.1, 0.01, 1e6);
        }
        let p50 = h.percentile(50.0).unwrap();
        assert!((p50 - -35.0).abs() < 0.3, "{p50}");
        // 20 s of louder speech with a 5 s memory: the old level is gone.
        for _ in 0..2000 {
            h.add(-20.0, 0.01, 5.0);
        }
        let p10 = h.percentile(10.0).unwrap();
        assert!((p10 - -20.0).abs() < 0.3, "{p10}");
    }
}
