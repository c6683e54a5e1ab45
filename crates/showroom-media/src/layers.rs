//! Simulcast layer selection and per-layer bitrate measurement.
//!
//! [`select_layer`] is a pure function: given the publisher's layers (measured bitrate and
//! whether packets are flowing), the subscriber's bandwidth estimate, the layer it receives now
//! and an optional cap (e.g. from the size of its video element), it picks the layer to receive.
//!
//! Rules:
//! * Only **active** layers `<= max_layer` are candidates.
//! * The **current** layer is kept while `estimate >= bitrate * downgrade_margin`.
//! * A layer **above** the current one (or any layer when there is no current one) is chosen only
//!   if `estimate >= bitrate * upgrade_headroom`. The gap between the two thresholds is the
//!   hysteresis that prevents flapping when the estimate hovers around a layer's bitrate.
//! * A layer **below** the current one fits when `estimate >= bitrate`.
//! * The highest fitting candidate wins; if none fits, the lowest candidate is used. If the cap
//!   excludes every active layer, the lowest active layer is used (something beats nothing).
//!   `None` only when no layer is active at all.
//!
//! [`BitrateMeter`] measures one layer's bitrate over a sliding window with a fixed number of
//! buckets (O(1) memory) and remembers when the last packet arrived, which tells whether the
//! layer is active.

use std::time::{Duration, Instant};

/// What the SFU knows about one simulcast layer of a published track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerStats {
    pub layer: u8,
    pub bitrate_bps: u64,
    pub active: bool,
}

/// Hysteresis parameters of [`select_layer`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerSelectorConfig {
    /// Move UP only if estimate >= layer bitrate * headroom (default 1.3).
    pub upgrade_headroom: f64,
    /// Stay on the current layer while estimate >= its bitrate * margin (default 1.0).
    pub downgrade_margin: f64,
}

impl Default for LayerSelectorConfig {
    fn default() -> Self {
        Self {
            upgrade_headroom: 1.3,
            downgrade_margin: 1.0,
        }
    }
}

/// Pure choice of the simulcast layer for one subscriber. Picks the highest ACTIVE layer <=
/// max_layer whose bitrate fits the estimate, with hysteresis (current layer kept while it fits by
/// downgrade_margin; higher layers need upgrade_headroom). If nothing fits, the lowest active
/// layer. None only when no layer is active.
pub fn select_layer(
    layers: &[LayerStats],
    estimate_bps: u64,
    current: Option<u8>,
    max_layer: Option<u8>,
    cfg: &LayerSelectorConfig,
) -> Option<u8> {
    let lowest_active = layers.iter().filter(|l| l.active).map(|l| l.layer).min()?;
    let under_cap = |l: &&LayerStats| max_layer.is_none_or(|max| l.layer <= max);
    let estimate = estimate_bps as f64;
    let fits = |l: &LayerStats| {
        let factor = match current {
            Some(cur) if l.layer == cur => cfg.downgrade_margin,
            Some(cur) if l.layer < cur => 1.0,
            _ => cfg.upgrade_headroom,
        };
        estimate >= l.bitrate_bps as f64 * factor
    };
    let candidates = || layers.iter().filter(|l| l.active).filter(under_cap);
    candidates()
        .filter(|l| fits(l))
        .map(|l| l.layer)
        .max()
        .or_else(|| candidates().map(|l| l.layer).min())
        .or(Some(lowest_active))
}

/// Number of buckets the window is split into: the rate is exact to within one bucket.
const BUCKETS: usize = 10;

/// Sliding-window bitrate meter (bucketed, O(1) memory). A layer is "active" if it received a
/// packet within the last `active_timeout` (see [`BitrateMeter::is_active`]).
#[derive(Debug, Clone)]
pub struct BitrateMeter {
    bucket_len: Duration,
    /// Time origin for bucket indices; set by the first `record`.
    origin: Option<Instant>,
    /// `(absolute bucket index, bytes)`; a slot is stale when its index is out of the window.
    buckets: [(u64, u64); BUCKETS],
    newest_bucket: u64,
    last_packet: Option<Instant>,
}

impl BitrateMeter {
    pub fn new(window: Duration) -> Self {
        // A zero window would divide by zero; one nanosecond per bucket is the floor.
        let bucket_len = (window / BUCKETS as u32).max(Duration::from_nanos(1));
        Self {
            bucket_len,
            origin: None,
            buckets: [(0, 0); BUCKETS],
            newest_bucket: 0,
            last_packet: None,
        }
    }

    /// The measurement window (rounded down to a whole number of buckets).
    pub fn window(&self) -> Duration {
        self.bucket_len * BUCKETS as u32
    }

    fn bucket_index(&self, origin: Instant, now: Instant) -> u64 {
        let nanos = now.saturating_duration_since(origin).as_nanos() / self.bucket_len.as_nanos();
        u64::try_from(nanos).unwrap_or(u64::MAX)
    }

    pub fn record(&mut self, bytes: usize, now: Instant) {
        let origin = *self.origin.get_or_insert(now);
        let idx = self.bucket_index(origin, now);
        self.last_packet = Some(self.last_packet.map_or(now, |last| last.max(now)));
        if idx.saturating_add(BUCKETS as u64) <= self.newest_bucket {
            return; // older than the window: must not clobber a newer bucket in its slot
        }
        self.newest_bucket = self.newest_bucket.max(idx);
        let slot = &mut self.buckets[(idx % BUCKETS as u64) as usize];
        if slot.0 != idx {
            *slot = (idx, 0);
        }
        slot.1 = slot.1.saturating_add(bytes as u64);
    }

    pub fn bitrate_bps(&self, now: Instant) -> u64 {
        let Some(origin) = self.origin else {
            return 0;
        };
        let current = self.bucket_index(origin, now);
        let oldest = current.saturating_sub(BUCKETS as u64 - 1);
        let bytes: u64 = self
            .buckets
            .iter()
            .filter(|(idx, _)| (oldest..=current).contains(idx))
            .map(|&(_, bytes)| bytes)
            .sum();
        if bytes == 0 {
            return 0;
        }
        // Divide by the time the summed buckets actually cover: the current bucket is only partly
        // elapsed and a young meter hasn't seen a whole window yet. At least one bucket, so the
        // very first packet doesn't read as a huge spike.
        let since_origin = now.saturating_duration_since(origin).as_nanos();
        let span = since_origin
            .saturating_sub(u128::from(oldest) * self.bucket_len.as_nanos())
            .max(self.bucket_len.as_nanos());
        let bits = u128::from(bytes) * 8 * 1_000_000_000;
        u64::try_from(bits / span).unwrap_or(u64::MAX)
    }

    pub fn last_packet(&self) -> Option<Instant> {
        self.last_packet
    }

    /// True if a packet was recorded within `timeout` before `now`.
    pub fn is_active(&self, now: Instant, timeout: Duration) -> bool {
        self.last_packet
            .is_some_and(|last| now.saturating_duration_since(last) <= timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const L0: u64 = 150_000;
    const L1: u64 = 500_000;
    const L2: u64 = 1_500_000;

    fn stats(active: [bool; 3]) -> Vec<LayerStats> {
        [L0, L1, L2]
            .iter()
            .zip(active)
            .enumerate()
            .map(|(i, (&bitrate_bps, active))| LayerStats {
                layer: i as u8,
                bitrate_bps,
                active,
            })
            .collect()
    }

    const ALL: [bool; 3] = [true, true, true];

    #[test]
    fn default_config() {
        let cfg = LayerSelectorConfig::default();
        assert_eq!(cfg.upgrade_headroom, 1.3);
        assert_eq!(cfg.downgrade_margin, 1.0);
    }

    #[test]
    fn selection_table() {
        // (name, active, estimate, current, max_layer, expected)
        type Case = (
            &'static str,
            [bool; 3],
            u64,
            Option<u8>,
            Option<u8>,
            Option<u8>,
        );
        let cases: &[Case] = &[
            // Fresh subscriber: every layer needs the upgrade headroom.
            ("nothing fits: lowest", ALL, 100_000, None, None, Some(0)),
            ("zero estimate: lowest", ALL, 0, None, None, Some(0)),
            ("l0 with headroom", ALL, 196_000, None, None, Some(0)),
            ("l1 without headroom", ALL, 600_000, None, None, Some(0)),
            ("l1 with headroom", ALL, 651_000, None, None, Some(1)),
            ("l2 without headroom", ALL, 1_900_000, None, None, Some(1)),
            ("l2 with headroom", ALL, 1_951_000, None, None, Some(2)),
            ("plenty", ALL, 50_000_000, None, None, Some(2)),
            // Bandwidth goes up: upgrade only with headroom.
            ("up 0->1 refused", ALL, 640_000, Some(0), None, Some(0)),
            ("up 0->1", ALL, 651_000, Some(0), None, Some(1)),
            ("up 0->2 directly", ALL, 2_000_000, Some(0), None, Some(2)),
            ("up 1->2 refused", ALL, 1_900_000, Some(1), None, Some(1)),
            ("up 1->2", ALL, 1_951_000, Some(1), None, Some(2)),
            // Bandwidth goes down: keep the current layer while it fits by the margin.
            (
                "keep l2 at its bitrate",
                ALL,
                1_500_000,
                Some(2),
                None,
                Some(2),
            ),
            ("down 2->1", ALL, 1_499_999, Some(2), None, Some(1)),
            (
                "keep l1 below headroom",
                ALL,
                510_000,
                Some(1),
                None,
                Some(1),
            ),
            ("down 1->0", ALL, 499_999, Some(1), None, Some(0)),
            ("down 2->0", ALL, 300_000, Some(2), None, Some(0)),
            (
                "down 2->0 nothing fits",
                ALL,
                10_000,
                Some(2),
                None,
                Some(0),
            ),
            // Lower layers need no headroom when stepping down.
            ("down 2->1 exact fit", ALL, 500_000, Some(2), None, Some(1)),
            // Inactive layers are skipped.
            (
                "l2 inactive",
                [true, true, false],
                5_000_000,
                Some(2),
                None,
                Some(1),
            ),
            (
                "l1 inactive",
                [true, false, true],
                1_000_000,
                Some(1),
                None,
                Some(0),
            ),
            (
                "l1 inactive, l2 fits",
                [true, false, true],
                2_000_000,
                Some(0),
                None,
                Some(2),
            ),
            (
                "l0 inactive, nothing fits",
                [false, true, true],
                1_000,
                None,
                None,
                Some(1),
            ),
            (
                "only l2 active, nothing fits",
                [false, false, true],
                1_000,
                Some(0),
                None,
                Some(2),
            ),
            // max_layer caps the choice.
            ("cap 1", ALL, 5_000_000, None, Some(1), Some(1)),
            ("cap 0", ALL, 5_000_000, Some(2), Some(0), Some(0)),
            (
                "current above cap",
                ALL,
                5_000_000,
                Some(2),
                Some(1),
                Some(1),
            ),
            ("cap above layers", ALL, 5_000_000, None, Some(7), Some(2)),
            (
                "cap excludes every active layer",
                [false, true, true],
                5_000_000,
                None,
                Some(0),
                Some(1),
            ),
            // Nothing active.
            (
                "no active layers",
                [false, false, false],
                5_000_000,
                Some(1),
                None,
                None,
            ),
        ];
        let cfg = LayerSelectorConfig::default();
        for &(name, active, estimate, current, max, want) in cases {
            let got = select_layer(&stats(active), estimate, current, max, &cfg);
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn empty_and_unsorted_inputs() {
        let cfg = LayerSelectorConfig::default();
        assert_eq!(select_layer(&[], 1_000_000, None, None, &cfg), None);
        let mut layers = stats(ALL);
        layers.reverse();
        assert_eq!(select_layer(&layers, 700_000, None, None, &cfg), Some(1));
        assert_eq!(select_layer(&layers, 1_000, None, None, &cfg), Some(0));
        // A single non-simulcast layer.
        let single = [LayerStats {
            layer: 0,
            bitrate_bps: 2_000_000,
            active: true,
        }];
        assert_eq!(select_layer(&single, 1_000, None, None, &cfg), Some(0));
    }

    #[test]
    fn custom_margins() {
        let cfg = LayerSelectorConfig {
            upgrade_headroom: 1.0,
            downgrade_margin: 0.8,
        };
        let layers = stats(ALL);
        assert_eq!(select_layer(&layers, 500_000, Some(0), None, &cfg), Some(1));
        assert_eq!(select_layer(&layers, 400_000, Some(1), None, &cfg), Some(1));
        assert_eq!(select_layer(&layers, 399_999, Some(1), None, &cfg), Some(0));
    }

    /// Feeds an estimate series through the selector the way the driver would, returning the
    /// number of layer changes.
    fn run(
        estimates: impl IntoIterator<Item = u64>,
        mut current: Option<u8>,
    ) -> (usize, Option<u8>) {
        let cfg = LayerSelectorConfig::default();
        let layers = stats(ALL);
        let mut changes = 0;
        for estimate in estimates {
            let next = select_layer(&layers, estimate, current, None, &cfg);
            if next != current {
                changes += 1;
            }
            current = next;
        }
        (changes, current)
    }

    #[test]
    fn no_flapping_around_a_threshold() {
        // Oscillate ±60 kb/s around L1's bitrate (and below its upgrade threshold of 650 kb/s).
        let wobble = || (0..200).map(|i| if i % 2 == 0 { L1 + 60_000 } else { L1 + 10_000 });
        assert_eq!(run(wobble(), Some(0)), (0, Some(0)));
        assert_eq!(run(wobble(), Some(1)), (0, Some(1)));
        // Oscillating around L1 * headroom: one upgrade, then it stays.
        let around_upgrade = (0..200).map(|i| if i % 2 == 0 { 660_000 } else { 640_000 });
        assert_eq!(run(around_upgrade, Some(0)), (1, Some(1)));
        // Oscillating around L1 itself while on L1: one downgrade, then it stays down.
        let around_downgrade = (0..200).map(|i| if i % 2 == 0 { 490_000 } else { 520_000 });
        assert_eq!(run(around_downgrade, Some(1)), (1, Some(0)));
    }

    #[test]
    fn ramp_up_then_down() {
        let up: Vec<u64> = (0..=40).map(|i| i * 50_000).collect();
        let (changes, end) = run(up.iter().copied(), None);
        assert_eq!((changes, end), (3, Some(2))); // None->0, 0->1, 1->2
        let (changes, end) = run(up.iter().rev().copied(), Some(2));
        assert_eq!((changes, end), (2, Some(0))); // 2->1, 1->0
    }

    proptest! {
        #[test]
        fn selection_is_always_a_valid_layer(
            bitrates in proptest::array::uniform3(0u64..3_000_000),
            active in proptest::array::uniform3(any::<bool>()),
            estimate in 0u64..5_000_000,
            current in proptest::option::of(0u8..3),
            max_layer in proptest::option::of(0u8..3),
        ) {
            let layers: Vec<LayerStats> = (0..3)
                .map(|i| LayerStats { layer: i as u8, bitrate_bps: bitrates[i], active: active[i] })
                .collect();
            let got = select_layer(&layers, estimate, current, max_layer, &LayerSelectorConfig::default());
            match got {
                None => prop_assert!(active.iter().all(|a| !a)),
                Some(l) => {
                    prop_assert!(active[l as usize]);
                    let capped_exists = (0..3).any(|i| active[i] && max_layer.is_none_or(|m| i as u8 <= m));
                    if capped_exists {
                        prop_assert!(max_layer.is_none_or(|m| l <= m));
                    }
                }
            }
            // Hysteresis: staying on a layer is never harder than moving to it.
            if let Some(l) = got {
                let again = select_layer(&layers, estimate, Some(l), max_layer, &LayerSelectorConfig::default());
                prop_assert_eq!(again, Some(l));
            }
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Records `bytes` every 10 ms in `[from, to)` ms.
    fn feed(meter: &mut BitrateMeter, base: Instant, from: u64, to: u64, bytes: usize) {
        for t in (from..to).step_by(10) {
            meter.record(bytes, base + ms(t));
        }
    }

    fn assert_close(got: u64, want: u64, tolerance: f64) {
        let err = (got as f64 - want as f64).abs() / want as f64;
        assert!(err <= tolerance, "got {got}, want {want} ± {tolerance}");
    }

    #[test]
    fn meter_constant_rate() {
        let base = Instant::now();
        let mut m = BitrateMeter::new(Duration::from_secs(1));
        assert_eq!(m.window(), Duration::from_secs(1));
        // 1250 bytes every 10 ms = 1 Mb/s; query at every ms between packets, across bucket
        // boundaries.
        for t in 0..3000 {
            if t % 10 == 0 {
                m.record(1250, base + ms(t));
            }
            if t >= 1000 {
                assert_close(m.bitrate_bps(base + ms(t)), 1_000_000, 0.02);
            }
        }
    }

    #[test]
    fn meter_young_window_is_not_underestimated() {
        let base = Instant::now();
        let mut m = BitrateMeter::new(Duration::from_secs(1));
        feed(&mut m, base, 0, 300, 1250);
        assert_close(m.bitrate_bps(base + ms(300)), 1_000_000, 0.05);
    }

    #[test]
    fn meter_tracks_rate_changes_and_decays_to_zero() {
        let base = Instant::now();
        let mut m = BitrateMeter::new(Duration::from_secs(1));
        feed(&mut m, base, 0, 2000, 1250); // 1 Mb/s
        feed(&mut m, base, 2000, 4000, 250); // 200 kb/s
        assert_close(m.bitrate_bps(base + ms(4000)), 200_000, 0.05);
        // Halfway through the silence, half the window still holds traffic.
        assert_close(m.bitrate_bps(base + ms(4500)), 100_000, 0.15);
        assert_eq!(m.bitrate_bps(base + ms(5100)), 0);
        assert_eq!(m.bitrate_bps(base + ms(60_000)), 0);
    }

    #[test]
    fn meter_activity_and_last_packet() {
        let base = Instant::now();
        let mut m = BitrateMeter::new(Duration::from_secs(1));
        assert_eq!(m.last_packet(), None);
        assert_eq!(m.bitrate_bps(base), 0);
        assert!(!m.is_active(base, Duration::from_secs(1)));
        m.record(100, base + ms(50));
        assert_eq!(m.last_packet(), Some(base + ms(50)));
        assert!(m.is_active(base + ms(1050), Duration::from_secs(1)));
        assert!(!m.is_active(base + ms(1051), Duration::from_secs(1)));
        // An out-of-order record doesn't move last_packet backwards.
        m.record(100, base + ms(20));
        assert_eq!(m.last_packet(), Some(base + ms(50)));
    }

    #[test]
    fn meter_ignores_records_older_than_the_window() {
        let base = Instant::now();
        let mut m = BitrateMeter::new(Duration::from_secs(1));
        m.record(0, base);
        feed(&mut m, base, 5000, 6000, 1250);
        let before = m.bitrate_bps(base + ms(6000));
        m.record(1_000_000, base + ms(1000)); // 5 s late: would share a slot with a live bucket
        assert_eq!(m.bitrate_bps(base + ms(6000)), before);
        // Slightly late (inside the window) still counts.
        m.record(1250, base + ms(5500));
        assert!(m.bitrate_bps(base + ms(6000)) > before);
    }

    #[test]
    fn meter_first_packet_is_not_a_spike() {
        let base = Instant::now();
        let mut m = BitrateMeter::new(Duration::from_secs(1));
        m.record(1250, base);
        // One packet spread over one 100 ms bucket.
        assert_eq!(m.bitrate_bps(base), 100_000);
    }

    #[test]
    fn meter_zero_window_does_not_panic() {
        let base = Instant::now();
        let mut m = BitrateMeter::new(Duration::ZERO);
        m.record(1000, base);
        m.record(1000, base + ms(1));
        let _ = m.bitrate_bps(base + ms(1));
        assert_eq!(m.bitrate_bps(base + ms(2)), 0);
    }
}
