//! RTP sequence/timestamp unwrapping and the reorder buffer (pure; time is an argument).
//!
//! Packets are held until the next expected sequence number is there, or until the oldest held
//! packet has waited `window` (the missing ones are then declared lost and the decoder conceals
//! them). Duplicates and packets arriving after they were declared lost are counted, never
//! decoded twice or out of order.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

/// Most packets held at once; beyond this the oldest gap is declared lost at once.
const MAX_HELD: usize = 256;
/// How many recently declared-lost sequence numbers are remembered to tell "late" from "duplicate".
const LOST_MEMORY: usize = 512;

/// Extends a wrapping counter (u16 sequence numbers, u32 timestamps) to 64 bits by choosing the
/// value closest to the last one seen.
#[derive(Debug, Default, Clone)]
pub(crate) struct Unwrapper<const BITS: u32> {
    last: Option<i64>,
}

impl<const BITS: u32> Unwrapper<BITS> {
    pub(crate) fn unwrap(&mut self, value: u64) -> i64 {
        let modulus = 1i64 << BITS;
        let value = (value as i64) & (modulus - 1);
        let ext = match self.last {
            None => value,
            Some(last) => {
                let mut delta = (value - last).rem_euclid(modulus);
                if delta >= modulus / 2 {
                    delta -= modulus;
                }
                last + delta
            }
        };
        // Only move forward: an old packet must not drag the reference back.
        if self.last.is_none_or(|last| ext > last) {
            self.last = Some(ext);
        }
        ext
    }
}

/// A packet released in order by the reorder buffer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Released {
    pub seq: u16,
    pub ext_seq: i64,
    pub ext_ts: i64,
    pub payload: Vec<u8>,
    pub arrival: Instant,
    /// Packets declared lost right before this one (sequence gap).
    pub lost_before: u64,
}

#[derive(Debug)]
struct Held {
    seq: u16,
    ext_ts: i64,
    payload: Vec<u8>,
    arrival: Instant,
}

/// What happened to one pushed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    Held,
    Duplicate,
    /// Arrived after it had been declared lost (its time was already concealed).
    Late,
}

#[derive(Debug)]
pub(crate) struct ReorderBuffer {
    window: Duration,
    seqs: Unwrapper<16>,
    stamps: Unwrapper<32>,
    held: BTreeMap<i64, Held>,
    /// Next sequence number to release; `None` before the first release.
    next: Option<i64>,
    recently_lost: VecDeque<i64>,
}

impl ReorderBuffer {
    pub(crate) fn new(window: Duration) -> Self {
        Self {
            window,
            seqs: Unwrapper::default(),
            stamps: Unwrapper::default(),
            held: BTreeMap::new(),
            next: None,
            recently_lost: VecDeque::new(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    pub(crate) fn push(
        &mut self,
        seq: u16,
        ts: u32,
        payload: &[u8],
        arrival: Instant,
    ) -> Admission {
        let ext_seq = self.seqs.unwrap(u64::from(seq));
        let ext_ts = self.stamps.unwrap(u64::from(ts));
        if self.held.contains_key(&ext_seq) {
            return Admission::Duplicate;
        }
        if let Some(next) = self.next
            && ext_seq < next
        {
            return if self.recently_lost.contains(&ext_seq) {
                self.recently_lost.retain(|&s| s != ext_seq);
                Admission::Late
            } else {
                Admission::Duplicate
            };
        }
        self.held.insert(
            ext_seq,
            Held {
                seq,
                ext_ts,
                payload: payload.to_vec(),
                arrival,
            },
        );
        Admission::Held
    }

    /// Releases every packet that may go to the decoder at `now`, in sequence order.
    pub(crate) fn release(&mut self, now: Instant) -> Vec<Released> {
        let mut out = Vec::new();
        while let Some((&lowest, _)) = self.held.first_key_value() {
            let in_order = self.next.is_none_or(|next| lowest == next);
            let first_ever_waited = self.next.is_none() && self.waited_enough(now);
            let gap_expired =
                self.next.is_some() && (self.waited_enough(now) || self.held.len() > MAX_HELD);
            if self.next.is_none() && !first_ever_waited && self.held.len() <= MAX_HELD {
                // The very first packet: wait the window so an earlier one arriving late is not lost.
                break;
            }
            if !(in_order || gap_expired || first_ever_waited) {
                break;
            }
            let held = self.held.remove(&lowest).expect("key seen above");
            let lost_before = match self.next {
                Some(next) if lowest > next => {
                    for s in next..lowest {
                        if self.recently_lost.len() == LOST_MEMORY {
                            self.recently_lost.pop_front();
                        }
                        self.recently_lost.push_back(s);
                    }
                    (lowest - next) as u64
                }
                _ => 0,
            };
            self.next = Some(lowest + 1);
            out.push(Released {
                seq: held.seq,
                ext_seq: lowest,
                ext_ts: held.ext_ts,
                payload: held.payload,
                arrival: held.arrival,
                lost_before,
            });
        }
        out
    }

    /// Everything held, in order, regardless of the window (end of stream).
    pub(crate) fn drain(&mut self) -> Vec<Released> {
        let far = self
            .held
            .values()
            .map(|h| h.arrival)
            .max()
            .map(|a| a + self.window + Duration::from_secs(1));
        match far {
            Some(t) => self.release(t),
            None => Vec::new(),
        }
    }

    /// Whether the packet that has waited longest has waited at least the window.
    fn waited_enough(&self, now: Instant) -> bool {
        self.held
            .values()
            .map(|h| h.arrival)
            .min()
            .is_some_and(|oldest| now.saturating_duration_since(oldest) >= self.window)
    }

    /// When `release` could next let something out without a new packet (for a driver's timer).
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.held
            .values()
            .map(|h| h.arrival)
            .min()
            .map(|a| a + self.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    fn seqs(r: &[Released]) -> Vec<u16> {
        r.iter().map(|p| p.seq).collect()
    }

    #[test]
    fn unwrap_sequence_across_wrap() {
        let mut u = Unwrapper::<16>::default();
        assert_eq!(u.unwrap(65534), 65534);
        assert_eq!(u.unwrap(65535), 65535);
        assert_eq!(u.unwrap(0), 65536);
        assert_eq!(u.unwrap(65535), 65535, "a late packet from before the wrap");
        assert_eq!(u.unwrap(1), 65537);
    }

    #[test]
    fn unwrap_timestamp_across_wrap() {
        let mut u = Unwrapper::<32>::default();
        assert_eq!(
            u.unwrap(u64::from(u32::MAX - 959)),
            i64::from(u32::MAX - 959)
        );
        assert_eq!(u.unwrap(0), 1i64 << 32);
    }

    #[test]
    fn in_order_packets_pass_after_the_first_waits() {
        let t0 = Instant::now();
        let mut rb = ReorderBuffer::new(Duration::from_millis(60));
        assert_eq!(rb.push(10, 0, b"a", t0), Admission::Held);
        assert!(
            rb.release(t0).is_empty(),
            "first packet waits for earlier ones"
        );
        rb.push(11, 960, b"b", ms(t0, 20));
        rb.push(12, 1920, b"c", ms(t0, 40));
        assert!(rb.release(ms(t0, 40)).is_empty());
        assert_eq!(seqs(&rb.release(ms(t0, 60))), [10, 11, 12]);
        rb.push(13, 2880, b"d", ms(t0, 60));
        assert_eq!(seqs(&rb.release(ms(t0, 60))), [13], "in order: no wait");
    }

    #[test]
    fn a_reordered_packet_is_released_in_order() {
        let t0 = Instant::now();
        let mut rb = ReorderBuffer::new(Duration::from_millis(60));
        rb.push(1, 0, b"a", t0);
        assert_eq!(seqs(&rb.release(ms(t0, 60))), [1]);
        rb.push(3, 1920, b"c", ms(t0, 61));
        assert!(rb.release(ms(t0, 70)).is_empty());
        rb.push(2, 960, b"b", ms(t0, 75));
        let out = rb.release(ms(t0, 75));
        assert_eq!(seqs(&out), [2, 3]);
        assert!(out.iter().all(|p| p.lost_before == 0));
    }

    #[test]
    fn a_missing_packet_is_declared_lost_after_the_window_and_a_late_copy_is_counted() {
        let t0 = Instant::now();
        let mut rb = ReorderBuffer::new(Duration::from_millis(60));
        rb.push(1, 0, b"a", t0);
        rb.release(ms(t0, 60));
        rb.push(4, 2880, b"d", ms(t0, 80));
        assert!(rb.release(ms(t0, 139)).is_empty());
        let out = rb.release(ms(t0, 140));
        assert_eq!(seqs(&out), [4]);
        assert_eq!(out[0].lost_before, 2);
        assert_eq!(rb.push(2, 960, b"b", ms(t0, 150)), Admission::Late);
        assert_eq!(rb.push(4, 2880, b"d", ms(t0, 150)), Admission::Duplicate);
        assert_eq!(rb.push(2, 960, b"b", ms(t0, 150)), Admission::Duplicate);
    }

    #[test]
    fn duplicates_while_held_are_ignored() {
        let t0 = Instant::now();
        let mut rb = ReorderBuffer::new(Duration::from_millis(60));
        rb.push(7, 0, b"a", t0);
        assert_eq!(rb.push(7, 0, b"a", t0), Admission::Duplicate);
        assert_eq!(rb.drain().len(), 1);
        assert!(rb.is_empty());
    }

    #[test]
    fn an_earlier_first_packet_arriving_second_is_not_lost() {
        let t0 = Instant::now();
        let mut rb = ReorderBuffer::new(Duration::from_millis(60));
        rb.push(6, 960, b"b", t0);
        rb.push(5, 0, b"a", ms(t0, 10));
        let out = rb.release(ms(t0, 60));
        assert_eq!(seqs(&out), [5, 6]);
        assert_eq!(out[0].ext_ts, 0);
        assert_eq!(rb.next_deadline(), None);
    }
}
