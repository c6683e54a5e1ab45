//! Prometheus metrics of the media path. Counters are bumped per packet, so they are plain
//! atomic increments; nothing here logs per packet.

use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

#[derive(Clone)]
pub struct SfuMetrics {
    pub calls: IntGauge,
    pub participants: IntGauge,
    pub tracks: IntGauge,
    pub forwarded_packets: IntCounterVec,
    pub forwarded_bytes: IntCounterVec,
    pub received_packets: IntCounterVec,
    pub nacks: IntCounter,
    pub plis_sent: IntCounter,
    pub plis_received: IntCounter,
    pub ice_failures: IntCounter,
    /// Liveness lost (ICE Disconnected): nothing heard from the peer for the disconnected timeout.
    pub ice_disconnects: IntCounter,
    pub dropped_datagrams: IntCounterVec,
    /// Time from reading a datagram to having sent everything it caused (forwarded copies,
    /// feedback): the latency the gateway adds.
    pub datagram_seconds: Histogram,
    /// Per-kind children resolved once (audio, video): label lookups cost a hash and a lock.
    pub forwarded_packets_by_kind: [IntCounter; 2],
    pub forwarded_bytes_by_kind: [IntCounter; 2],
    pub received_packets_by_kind: [IntCounter; 2],
}

impl SfuMetrics {
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let gauge = |name: &str, help: &str| -> Result<IntGauge, prometheus::Error> {
            let g = IntGauge::new(name, help)?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        let counter = |name: &str, help: &str| -> Result<IntCounter, prometheus::Error> {
            let c = IntCounter::new(name, help)?;
            registry.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let counter_vec = |name: &str, help: &str, label: &str| -> Result<IntCounterVec, prometheus::Error> {
            let c = IntCounterVec::new(Opts::new(name, help), &[label])?;
            registry.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let forwarded_packets = counter_vec("showroom_sfu_forwarded_packets_total", "RTP packets forwarded to subscribers", "kind")?;
        let forwarded_bytes = counter_vec("showroom_sfu_forwarded_bytes_total", "RTP payload bytes forwarded to subscribers", "kind")?;
        let received_packets = counter_vec("showroom_sfu_received_packets_total", "RTP packets received from publishers", "kind")?;
        let by_kind = |v: &IntCounterVec| [v.with_label_values(&["audio"]), v.with_label_values(&["video"])];
        let datagram_seconds = Histogram::with_opts(
            HistogramOpts::new("showroom_sfu_datagram_processing_seconds", "Time from reading a datagram to sending all it caused")
                .buckets(vec![10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3]),
        )?;
        registry.register(Box::new(datagram_seconds.clone()))?;
        Ok(Self {
            datagram_seconds,
            forwarded_packets_by_kind: by_kind(&forwarded_packets),
            forwarded_bytes_by_kind: by_kind(&forwarded_bytes),
            received_packets_by_kind: by_kind(&received_packets),
            forwarded_packets,
            forwarded_bytes,
            received_packets,
            calls: gauge("showroom_sfu_calls", "Calls with at least one participant in the SFU")?,
            participants: gauge("showroom_sfu_participants", "Participants held by the SFU")?,
            tracks: gauge("showroom_sfu_tracks", "Published tracks")?,
            nacks: counter("showroom_sfu_nacks_total", "NACK feedback packets received from subscribers")?,
            plis_sent: counter("showroom_sfu_plis_sent_total", "Keyframe requests (PLI) sent to publishers")?,
            plis_received: counter("showroom_sfu_plis_received_total", "Keyframe requests (PLI/FIR) received from subscribers")?,
            ice_failures: counter("showroom_sfu_ice_failures_total", "Peer connections whose ICE failed")?,
            ice_disconnects: counter("showroom_sfu_ice_disconnects_total", "Times a peer connection heard nothing from its peer for the ICE disconnected timeout")?,
            dropped_datagrams: counter_vec("showroom_sfu_dropped_datagrams_total", "Datagrams dropped before any peer connection took them", "reason")?,
        })
    }

    /// Metrics registered nowhere, for tests and tools.
    pub fn unregistered() -> Self {
        Self::new(&Registry::new()).expect("fresh registry accepts every metric")
    }
}
