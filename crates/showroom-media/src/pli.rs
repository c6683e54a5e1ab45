//! Rate limiting of keyframe requests (RTCP PLI/FIR) towards a publisher.
//!
//! Every subscriber that joins, switches layer or loses packets wants a keyframe, and a keyframe
//! is expensive for the publisher's encoder and uplink. The SFU therefore sends at most one request
//! per layer per `min_interval`, no matter how many subscribers ask. Once a keyframe for a layer
//! has arrived, the throttle for that layer is reset so that the next loss can be repaired at once.

use std::time::{Duration, Instant};

/// Throttles keyframe requests (PLI/FIR) per layer: at most one per `min_interval`.
#[derive(Debug, Clone)]
pub struct KeyframeRequestThrottle {
    min_interval: Duration,
    /// Last request time per layer; simulcast has at most three layers, so a linear scan is cheap.
    last_sent: Vec<(u8, Instant)>,
}

impl KeyframeRequestThrottle {
    pub fn new(min_interval: Duration) -> Self {
        Self {
            min_interval,
            last_sent: Vec::new(),
        }
    }

    /// The configured minimum interval between two requests for the same layer.
    pub fn min_interval(&self) -> Duration {
        self.min_interval
    }

    /// True if a request for `layer` may be sent now (and records it as sent).
    pub fn try_request(&mut self, layer: u8, now: Instant) -> bool {
        match self.last_sent.iter_mut().find(|(l, _)| *l == layer) {
            Some((_, last)) => {
                // saturating: a `now` earlier than the last request counts as "too soon".
                if now.saturating_duration_since(*last) < self.min_interval {
                    return false;
                }
                *last = now;
            }
            None => self.last_sent.push((layer, now)),
        }
        true
    }

    /// Forget the last request time for `layer` (call when a keyframe for it arrived, so the next
    /// loss can ask at once).
    pub fn keyframe_received(&mut self, layer: u8) {
        self.last_sent.retain(|(l, _)| *l != layer);
    }

    /// Earliest instant at which a request for `layer` will be allowed again, or `None` if it is
    /// allowed right away. Lets a driver arm a timer instead of polling.
    pub fn next_allowed(&self, layer: u8) -> Option<Instant> {
        self.last_sent
            .iter()
            .find(|(l, _)| *l == layer)
            .map(|&(_, last)| last + self.min_interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_millis(500);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn throttles_within_interval_and_allows_after() {
        let base = Instant::now();
        let mut t = KeyframeRequestThrottle::new(INTERVAL);
        // (offset from base, expected result) for layer 0.
        let steps = [
            (0, true),
            (1, false),
            (499, false),
            (500, true), // exactly one interval after the first request
            (600, false),
            (999, false),
            (1000, true),
            (5000, true),
            (5001, false),
        ];
        for (at, want) in steps {
            assert_eq!(t.try_request(0, base + ms(at)), want, "at {at} ms");
        }
    }

    #[test]
    fn refused_requests_do_not_extend_the_interval() {
        let base = Instant::now();
        let mut t = KeyframeRequestThrottle::new(INTERVAL);
        assert!(t.try_request(1, base));
        for at in (10..500).step_by(10) {
            assert!(!t.try_request(1, base + ms(at)));
        }
        assert!(t.try_request(1, base + ms(500)));
    }

    #[test]
    fn layers_are_independent() {
        let base = Instant::now();
        let mut t = KeyframeRequestThrottle::new(INTERVAL);
        assert!(t.try_request(0, base));
        assert!(t.try_request(1, base + ms(1)));
        assert!(t.try_request(2, base + ms(2)));
        assert!(!t.try_request(0, base + ms(3)));
        assert!(!t.try_request(1, base + ms(3)));
        assert!(!t.try_request(2, base + ms(3)));
        assert!(t.try_request(0, base + ms(500)));
        assert!(!t.try_request(1, base + ms(500)));
        assert!(t.try_request(1, base + ms(501)));
    }

    #[test]
    fn keyframe_received_resets_only_that_layer() {
        let base = Instant::now();
        let mut t = KeyframeRequestThrottle::new(INTERVAL);
        assert!(t.try_request(0, base));
        assert!(t.try_request(2, base));
        t.keyframe_received(0);
        assert!(t.try_request(0, base + ms(10)));
        assert!(!t.try_request(2, base + ms(10)));
        // The reset request starts a new interval.
        assert!(!t.try_request(0, base + ms(20)));
        // Resetting a layer never requested is a no-op.
        t.keyframe_received(1);
        assert!(t.try_request(1, base + ms(20)));
    }

    #[test]
    fn next_allowed_reports_deadline() {
        let base = Instant::now();
        let mut t = KeyframeRequestThrottle::new(INTERVAL);
        assert_eq!(t.next_allowed(0), None);
        assert!(t.try_request(0, base + ms(100)));
        assert_eq!(t.next_allowed(0), Some(base + ms(600)));
        t.keyframe_received(0);
        assert_eq!(t.next_allowed(0), None);
        assert_eq!(t.min_interval(), INTERVAL);
    }

    #[test]
    fn time_going_backwards_is_throttled() {
        let base = Instant::now();
        let mut t = KeyframeRequestThrottle::new(INTERVAL);
        assert!(t.try_request(0, base + ms(1000)));
        assert!(!t.try_request(0, base));
    }

    #[test]
    fn zero_interval_never_throttles() {
        let base = Instant::now();
        let mut t = KeyframeRequestThrottle::new(Duration::ZERO);
        assert!(t.try_request(0, base));
        assert!(t.try_request(0, base));
    }
}
