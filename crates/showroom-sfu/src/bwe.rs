//! A loss- and REMB-based bandwidth estimate per subscriber, used to pick simulcast layers.
//! Pure: reports and time go in, an estimate comes out.

/// Follows the loss-based half of GCC (draft-ietf-rmcat-gcc §6): back off in proportion to loss
/// above 10 %, grow 5 % per report below 2 %, hold in between. A receiver's REMB caps it.
#[derive(Debug, Clone)]
pub struct LossBasedEstimator {
    estimate_bps: f64,
    remb_cap_bps: Option<f64>,
    min_bps: f64,
    max_bps: f64,
}

impl LossBasedEstimator {
    pub fn new(initial_bps: u64) -> Self {
        Self { estimate_bps: initial_bps as f64, remb_cap_bps: None, min_bps: 50_000.0, max_bps: 20_000_000.0 }
    }

    /// A receiver report's fraction lost (0..=255 as in RTCP).
    pub fn on_fraction_lost(&mut self, fraction_lost: u8) {
        let loss = f64::from(fraction_lost) / 256.0;
        if loss > 0.10 {
            self.estimate_bps *= 1.0 - 0.5 * loss;
        } else if loss < 0.02 {
            self.estimate_bps *= 1.05;
        }
        self.estimate_bps = self.estimate_bps.clamp(self.min_bps, self.max_bps);
    }

    pub fn on_remb(&mut self, bitrate_bps: f64) {
        self.remb_cap_bps = Some(bitrate_bps.max(self.min_bps));
    }

    pub fn estimate_bps(&self) -> u64 {
        let e = match self.remb_cap_bps {
            Some(cap) => self.estimate_bps.min(cap),
            None => self.estimate_bps,
        };
        e as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_on_heavy_loss_and_recovers() {
        let mut e = LossBasedEstimator::new(1_000_000);
        e.on_fraction_lost(64); // 25 %
        assert_eq!(e.estimate_bps(), 875_000);
        e.on_fraction_lost(10); // ~4 %: hold
        assert_eq!(e.estimate_bps(), 875_000);
        for _ in 0..5 {
            e.on_fraction_lost(0);
        }
        assert!(e.estimate_bps() > 1_100_000);
    }

    #[test]
    fn remb_caps_and_bounds_hold() {
        let mut e = LossBasedEstimator::new(3_000_000);
        e.on_remb(400_000.0);
        assert_eq!(e.estimate_bps(), 400_000);
        for _ in 0..100 {
            e.on_fraction_lost(255);
        }
        assert_eq!(e.estimate_bps(), 50_000);
    }
}
