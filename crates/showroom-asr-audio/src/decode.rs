//! Opus decoding on the RTP timeline: each released packet lands at its RTP timestamp, so the
//! decoded 48 kHz stream stays aligned with the call clock.
//!
//! Before a packet, the gap between where the stream is and the packet's timestamp is filled:
//! - packets were lost (sequence gap, or a payload that failed to decode): up to the lost
//!   packets' duration is concealed with Opus PLC, the last frame of it with the in-band FEC
//!   (LBRR) carried by the packet that follows, when it has one (libopus falls back to PLC when
//!   it has not); any remainder is silence. The concealed duration is reported as lost.
//! - no packet was lost (DTX / silence suppression): the gap is silence.

use crate::error::AudioError;
use crate::rtp::Released;

/// RTP clock and decode rate of Opus (RFC 7587).
pub(crate) const OPUS_HZ: u32 = 48_000;
/// 120 ms, the longest Opus packet.
const MAX_PACKET_SAMPLES: usize = 5_760;
/// Assumed packet duration before any packet was decoded (browsers send 20 ms).
const DEFAULT_PACKET_SAMPLES: i64 = 960;
/// Gaps longer than this are taken as a timestamp jump (stream restart), not silence: the stream
/// continues from the packet without filling. Ten minutes.
const MAX_GAP_SAMPLES: i64 = 10 * 60 * OPUS_HZ as i64;
/// PLC is asked for at most this much at a time (a multiple of 2.5 ms).
const PLC_CHUNK: usize = 960;

/// A piece of the decoded 48 kHz stream.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    Audio(Vec<f32>),
    /// Concealed (PLC/FEC) audio standing in for lost packets.
    Concealed(Vec<f32>),
    /// Silence for a timestamp gap with no loss (DTX), or the unconcealable part of a loss gap.
    Silence(usize),
}

/// Per-packet outcome counters, added up by the front-end.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecodeCounts {
    pub lost_packets: u64,
    pub concealed_samples: u64,
    pub silence_samples: u64,
    pub timestamp_anomalies: u64,
}

pub(crate) struct OpusTimeline {
    decoder: opus::Decoder,
    /// Extended RTP timestamp where the next sample belongs; `None` before the first packet.
    next_ts: Option<i64>,
    last_packet_samples: i64,
    /// Packets whose payload failed to decode since the last good one (their time is a gap).
    undecodable: u64,
    scratch: Vec<f32>,
}

impl OpusTimeline {
    pub(crate) fn new() -> Result<Self, AudioError> {
        let decoder =
            opus::Decoder::new(OPUS_HZ, opus::Channels::Mono).map_err(AudioError::DecoderInit)?;
        Ok(Self {
            decoder,
            next_ts: None,
            last_packet_samples: DEFAULT_PACKET_SAMPLES,
            undecodable: 0,
            scratch: vec![0.0; MAX_PACKET_SAMPLES],
        })
    }

    /// Decodes one in-order packet, filling the gap before it. A payload that does not decode
    /// yields an error and no audio; its time is concealed when the next good packet comes.
    pub(crate) fn decode(
        &mut self,
        pkt: &Released,
        out: &mut Vec<Piece>,
        counts: &mut DecodeCounts,
    ) -> Result<(), AudioError> {
        counts.lost_packets += pkt.lost_before;
        if pkt.payload.is_empty() {
            self.undecodable += 1;
            return Err(AudioError::EmptyPayload { seq: pkt.seq });
        }
        let n_samples = match self.decoder.get_nb_samples(&pkt.payload) {
            Ok(n) if n > 0 && n <= MAX_PACKET_SAMPLES => n,
            Ok(_) => {
                self.undecodable += 1;
                return Err(AudioError::BadPacketDuration { seq: pkt.seq });
            }
            Err(source) => {
                self.undecodable += 1;
                return Err(AudioError::InvalidOpus {
                    seq: pkt.seq,
                    len: pkt.payload.len(),
                    source,
                });
            }
        };
        let mut skip = 0usize;
        match self.next_ts {
            None => {}
            Some(next) => {
                let gap = pkt.ext_ts - next;
                let lost = pkt.lost_before + self.undecodable;
                if gap > MAX_GAP_SAMPLES {
                    counts.timestamp_anomalies += 1;
                } else if gap > 0 {
                    self.fill_gap(gap, lost, &pkt.payload, n_samples, out, counts)?;
                } else if gap < 0 {
                    counts.timestamp_anomalies += 1;
                    // Overlaps what was already decoded: keep only the part after it.
                    skip = usize::try_from(-gap).unwrap_or(usize::MAX);
                } else if lost > 0 {
                    // Lost packets but no time for them (timestamps did not advance): nothing to fill.
                    counts.timestamp_anomalies += 1;
                }
            }
        }
        let n = self
            .decoder
            .decode_float(&pkt.payload, &mut self.scratch[..MAX_PACKET_SAMPLES], false)
            .map_err(|source| {
                self.undecodable += 1;
                AudioError::InvalidOpus {
                    seq: pkt.seq,
                    len: pkt.payload.len(),
                    source,
                }
            })?;
        self.undecodable = 0;
        self.last_packet_samples = n as i64;
        let packet_end = pkt.ext_ts + n as i64;
        self.next_ts = Some(self.next_ts.map_or(packet_end, |next| next.max(packet_end)));
        if skip < n {
            out.push(Piece::Audio(self.scratch[skip..n].to_vec()));
        }
        Ok(())
    }

    fn fill_gap(
        &mut self,
        gap: i64,
        lost: u64,
        next_payload: &[u8],
        next_samples: usize,
        out: &mut Vec<Piece>,
        counts: &mut DecodeCounts,
    ) -> Result<(), AudioError> {
        let gap = gap as usize;
        if lost == 0 {
            counts.silence_samples += gap as u64;
            out.push(Piece::Silence(gap));
            return Ok(());
        }
        let lost_span = (lost as i64 * self.last_packet_samples.max(120)) as usize;
        let conceal = round_down_to_2_5ms(gap.min(lost_span));
        let fec = if conceal >= next_samples {
            next_samples
        } else {
            0
        };
        let mut plc_left = conceal - fec;
        let mut concealed = Vec::with_capacity(conceal);
        while plc_left > 0 {
            let n = plc_left.min(PLC_CHUNK);
            let got = self
                .decoder
                .decode_float(&[], &mut self.scratch[..n], false)
                .map_err(AudioError::Concealment)?;
            concealed.extend_from_slice(&self.scratch[..got.min(n)]);
            concealed.resize(concealed.len() + (n - got.min(n)), 0.0);
            plc_left -= n;
        }
        let silence = gap - conceal;
        if silence > 0 {
            // Silence sits between PLC (which continues the audio before) and FEC (which leads
            // into the packet after).
            if !concealed.is_empty() {
                out.push(Piece::Concealed(std::mem::take(&mut concealed)));
            }
            out.push(Piece::Silence(silence));
            counts.silence_samples += silence as u64;
        }
        if fec > 0 {
            let got = self
                .decoder
                .decode_float(next_payload, &mut self.scratch[..fec], true)
                .map_err(AudioError::Concealment)?;
            concealed.extend_from_slice(&self.scratch[..got.min(fec)]);
            concealed.resize(concealed.len() + (fec - got.min(fec)), 0.0);
        }
        if !concealed.is_empty() {
            out.push(Piece::Concealed(concealed));
        }
        counts.concealed_samples += conceal as u64;
        Ok(())
    }
}

fn round_down_to_2_5ms(samples: usize) -> usize {
    samples / 120 * 120
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn encoder() -> opus::Encoder {
        let mut enc =
            opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::Voip).unwrap();
        enc.set_inband_fec(true).unwrap();
        enc.set_packet_loss_perc(10).unwrap();
        enc
    }

    fn packet(enc: &mut opus::Encoder, seq: u16, ts: i64) -> Released {
        let frame: Vec<f32> = (0..960)
            .map(|i| 0.3 * ((ts + i) as f32 * 2.0 * std::f32::consts::PI * 300.0 / 48_000.0).sin())
            .collect();
        Released {
            seq,
            ext_seq: i64::from(seq),
            ext_ts: ts,
            payload: enc.encode_vec_float(&frame, 4000).unwrap(),
            arrival: Instant::now(),
            lost_before: 0,
        }
    }

    fn total(pieces: &[Piece]) -> usize {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Audio(a) | Piece::Concealed(a) => a.len(),
                Piece::Silence(n) => *n,
            })
            .sum()
    }

    #[test]
    fn dtx_gap_becomes_silence_and_loss_gap_is_concealed() {
        let mut enc = encoder();
        let mut tl = OpusTimeline::new().unwrap();
        let mut out = Vec::new();
        let mut counts = DecodeCounts::default();
        tl.decode(&packet(&mut enc, 0, 0), &mut out, &mut counts)
            .unwrap();
        // seq 1 follows after 400 ms of DTX.
        tl.decode(&packet(&mut enc, 1, 960 + 19_200), &mut out, &mut counts)
            .unwrap();
        assert_eq!(counts.silence_samples, 19_200);
        // seq 2 and 3 lost.
        let mut p = packet(&mut enc, 4, 960 + 19_200 + 3 * 960);
        p.lost_before = 2;
        tl.decode(&p, &mut out, &mut counts).unwrap();
        assert_eq!(counts.lost_packets, 2);
        assert_eq!(counts.concealed_samples, 1920);
        assert_eq!(total(&out), 960 + 19_200 + 4 * 960);
        assert!(out.iter().any(|p| matches!(p, Piece::Concealed(_))));
    }

    #[test]
    fn garbage_payload_is_an_error_and_its_time_is_concealed() {
        let mut enc = encoder();
        let mut tl = OpusTimeline::new().unwrap();
        let mut out = Vec::new();
        let mut counts = DecodeCounts::default();
        tl.decode(&packet(&mut enc, 0, 0), &mut out, &mut counts)
            .unwrap();
        let mut bad = packet(&mut enc, 1, 960);
        bad.payload = vec![0xff, 0xff, 0xff];
        assert!(matches!(
            tl.decode(&bad, &mut out, &mut counts),
            Err(AudioError::InvalidOpus { seq: 1, .. })
        ));
        bad.payload.clear();
        assert!(matches!(
            tl.decode(&bad, &mut out, &mut counts),
            Err(AudioError::EmptyPayload { seq: 1 })
        ));
        tl.decode(&packet(&mut enc, 2, 1920), &mut out, &mut counts)
            .unwrap();
        assert_eq!(counts.concealed_samples, 960);
        assert_eq!(total(&out), 3 * 960);
    }

    #[test]
    fn overlapping_timestamps_are_trimmed_not_duplicated() {
        let mut enc = encoder();
        let mut tl = OpusTimeline::new().unwrap();
        let mut out = Vec::new();
        let mut counts = DecodeCounts::default();
        tl.decode(&packet(&mut enc, 0, 0), &mut out, &mut counts)
            .unwrap();
        tl.decode(&packet(&mut enc, 1, 480), &mut out, &mut counts)
            .unwrap();
        assert_eq!(counts.timestamp_anomalies, 1);
        assert_eq!(total(&out), 960 + 480);
    }
}
