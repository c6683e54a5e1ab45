//! The `[sfu]` config section.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SfuConfig {
    /// The one UDP address every peer connection uses.
    pub udp_bind: SocketAddr,
    /// IP put in ICE candidates, for hosts behind 1:1 NAT. Default: the bound IP, or the
    /// primary interface's address when bound to 0.0.0.0.
    pub public_ip: Option<IpAddr>,
    /// Minimum time between two keyframe requests for the same layer of a track.
    pub keyframe_request_interval_ms: u64,
    /// Bandwidth assumed for a subscriber before any feedback arrives.
    pub initial_bandwidth_bps: u64,
    /// Socket buffer sizes (send and receive); large, so bursts of keyframes are not dropped.
    pub socket_buffer_bytes: usize,
    /// A connection that heard nothing from its peer (STUN or media) this long is Disconnected.
    /// Browsers ping every ~2.5 s and give up after 30 s; 15 s leaves room for a stalled tab.
    pub ice_disconnected_after_ms: u64,
    /// ... and Failed (candidates dropped, the call must restart ICE) this much later.
    pub ice_failed_after_ms: u64,
}

impl Default for SfuConfig {
    fn default() -> Self {
        Self {
            udp_bind: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 7882)),
            public_ip: None,
            keyframe_request_interval_ms: 300,
            initial_bandwidth_bps: 2_500_000,
            socket_buffer_bytes: 4 << 20,
            ice_disconnected_after_ms: 15_000,
            ice_failed_after_ms: 15_000,
        }
    }
}

impl SfuConfig {
    /// The address to advertise for a socket bound at `bound`.
    pub fn advertised_addr(&self, bound: SocketAddr) -> SocketAddr {
        let ip = match self.public_ip {
            Some(ip) => ip,
            None if bound.ip().is_unspecified() => primary_ip().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            None => bound.ip(),
        };
        SocketAddr::new(ip, bound.port())
    }
}

/// The source address the kernel would pick for an outside destination. `connect` on a UDP
/// socket only consults the routing table; nothing is sent.
fn primary_ip() -> Option<IpAddr> {
    let probe = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    probe.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    probe.local_addr().ok().map(|a| a.ip()).filter(|ip| !ip.is_unspecified())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertised_address_prefers_public_ip() {
        let bound: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let cfg = SfuConfig::default();
        assert_eq!(cfg.advertised_addr(bound), bound);
        let cfg = SfuConfig { public_ip: Some("203.0.113.7".parse().unwrap()), ..SfuConfig::default() };
        assert_eq!(cfg.advertised_addr(bound), "203.0.113.7:5000".parse::<SocketAddr>().unwrap());
        let any: SocketAddr = "0.0.0.0:5000".parse().unwrap();
        assert!(!SfuConfig::default().advertised_addr(any).ip().is_unspecified());
    }
}
