//! Ogg/Opus from RTP payloads.

use std::io::Write;

use ogg::writing::{PacketWriteEndInfo, PacketWriter};

use crate::{RecordingError, OPUS_RATE};

/// Longest gap filled with "no data" packets (a longer one is a paused track: 10 minutes).
const MAX_GAP_SAMPLES: u64 = 10 * 60 * OPUS_RATE as u64;
/// Samples a player discards at the start: the usual libopus encoder look-ahead at 48 kHz
/// (6.5 ms), which the sender's encoder put in front of the audio. Granule positions include it.
pub const PRE_SKIP: u16 = 312;
/// Pages are flushed at least this often (in 48 kHz samples, 1 s) so a crash loses little.
const PAGE_SAMPLES: u64 = OPUS_RATE as u64;

/// One party's audio as an Ogg/Opus stream. RTP timestamps of Opus are on a 48 kHz clock
/// (RFC 7587), the same clock as Ogg granule positions, so positions are exact.
pub struct OggOpusWriter<W: Write> {
    out: PacketWriter<'static, W>,
    serial: u32,
    started: bool,
    /// RTP timestamp and stream position (48 kHz samples) of the last real packet's start.
    last_ts: u32,
    last_pos: u64,
    /// Stream position right after everything written.
    next_sample: u64,
    /// Held back one packet so the last one can carry the end-of-stream flag.
    pending: Option<(Vec<u8>, u64)>,
    last_page_at: u64,
    /// TOC byte of the last real packet, reused for gap fillers (same mode and frame size).
    last_toc: u8,
}

impl<W: Write> OggOpusWriter<W> {
    /// Starts a stream: writes the identification and comment headers (each on its own page).
    pub fn new(out: W, channels: u8, serial: u32, vendor: &str) -> Result<Self, RecordingError> {
        let mut out = PacketWriter::new(out);
        let mut head = Vec::with_capacity(19);
        head.extend_from_slice(b"OpusHead");
        head.push(1); // version
        head.push(channels);
        head.extend_from_slice(&PRE_SKIP.to_le_bytes());
        head.extend_from_slice(&OPUS_RATE.to_le_bytes()); // original input rate (informational)
        head.extend_from_slice(&0i16.to_le_bytes()); // output gain
        head.push(0); // channel mapping family 0: mono or stereo
        out.write_packet(head, serial, PacketWriteEndInfo::EndPage, 0)?;
        let mut tags = Vec::new();
        tags.extend_from_slice(b"OpusTags");
        tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
        tags.extend_from_slice(vendor.as_bytes());
        tags.extend_from_slice(&0u32.to_le_bytes()); // no user comments
        out.write_packet(tags, serial, PacketWriteEndInfo::EndPage, 0)?;
        Ok(Self { out, serial, started: false, last_ts: 0, last_pos: 0, next_sample: 0, pending: None, last_page_at: 0, last_toc: 0xF8 })
    }

    /// Appends one RTP payload with its RTP timestamp. Packets must come in order (after the
    /// jitter buffer); a packet older than what was written is ignored and `false` returned.
    pub fn push(&mut self, rtp_timestamp: u32, payload: &[u8]) -> Result<bool, RecordingError> {
        let Some(samples) = packet_samples(payload) else { return Ok(false) };
        let at = if self.started {
            // Serial-number arithmetic on the 32-bit timestamp (wraps every ~24 h at 48 kHz).
            let delta = rtp_timestamp.wrapping_sub(self.last_ts) as i32;
            if delta <= 0 {
                return Ok(false);
            }
            self.last_pos + delta as u64
        } else {
            self.started = true;
            0
        };
        if at < self.next_sample {
            return Ok(false); // overlaps what is written (duplicate or reordered)
        }
        self.fill_gap(at)?;
        self.last_ts = rtp_timestamp;
        self.last_pos = at;
        self.last_toc = payload[0];
        self.next_sample = at + samples;
        self.queue(payload.to_vec())?;
        Ok(true)
    }

    /// Samples (48 kHz) written so far, from the first packet's timestamp on.
    pub fn duration_samples(&self) -> u64 {
        self.next_sample
    }

    fn fill_gap(&mut self, until: u64) -> Result<(), RecordingError> {
        let gap = until.saturating_sub(self.next_sample);
        if gap == 0 {
            return Ok(());
        }
        if gap > MAX_GAP_SAMPLES {
            // A very long pause: jump the clock rather than write thousands of fillers.
            self.next_sample = until;
            return Ok(());
        }
        // 20 ms "no data" frames (TOC only, code 0: a zero-length frame is decoded as silence
        // or concealment), then one shorter frame size if the gap is not a multiple of 20 ms.
        let frame = 960u64;
        let toc20 = toc_with_duration(self.last_toc, 960);
        let mut left = gap;
        while left >= frame {
            self.queue(vec![toc20])?;
            self.next_sample += frame;
            left -= frame;
        }
        for size in [480u64, 240, 120] {
            if left >= size {
                self.queue(vec![toc_with_duration(self.last_toc, size as usize)])?;
                self.next_sample += size;
                left -= size;
            }
        }
        self.next_sample += left; // < 2.5 ms cannot be expressed; keep the clock right anyway
        Ok(())
    }

    fn queue(&mut self, packet: Vec<u8>) -> Result<(), RecordingError> {
        let end = self.next_sample + u64::from(PRE_SKIP);
        if let Some((previous, granule)) = self.pending.replace((packet, end)) {
            let info = if granule - self.last_page_at >= PAGE_SAMPLES {
                self.last_page_at = granule;
                PacketWriteEndInfo::EndPage
            } else {
                PacketWriteEndInfo::NormalPacket
            };
            self.out.write_packet(previous, self.serial, info, granule)?;
        }
        Ok(())
    }

    /// Ends the stream (the last packet carries the end-of-stream flag) and returns the output.
    pub fn finish(mut self) -> Result<W, RecordingError> {
        match self.pending.take() {
            Some((packet, granule)) => self.out.write_packet(packet, self.serial, PacketWriteEndInfo::EndStream, granule)?,
            // No audio at all: an empty stream still ends properly.
            None => self.out.write_packet(Vec::new(), self.serial, PacketWriteEndInfo::EndStream, u64::from(PRE_SKIP))?,
        }
        Ok(self.out.into_inner())
    }
}

/// 48 kHz samples in an Opus packet (TOC + frame count, RFC 6716 §3.1), or None if malformed.
pub(crate) fn packet_samples(payload: &[u8]) -> Option<u64> {
    if payload.is_empty() {
        return None;
    }
    opus::packet::get_nb_samples(payload, OPUS_RATE).ok().map(|n| n as u64).filter(|n| *n > 0 && *n <= 5760)
}

/// A TOC byte in the same mode and bandwidth as `toc`, code 0 (one frame), with a frame of
/// `samples` (48 kHz) where the mode allows it; falls back to CELT fullband which has 2.5–20 ms.
pub(crate) fn toc_with_duration(toc: u8, samples: usize) -> u8 {
    let config = toc >> 3;
    let stereo = toc & 0x04;
    let pick = |base: u8, sizes: &[usize]| sizes.iter().position(|s| *s == samples).map(|i| base + i as u8);
    let chosen = match config {
        0..=11 => pick(config & !3, &[480, 960, 1920, 2880]), // SILK: 10/20/40/60 ms
        12..=15 => pick(config & !1, &[480, 960]),            // hybrid: 10/20 ms
        _ => pick(config & !3, &[120, 240, 480, 960]),        // CELT: 2.5/5/10/20 ms
    };
    let config = chosen.or_else(|| pick(28, &[120, 240, 480, 960])).unwrap_or(31);
    (config << 3) | stereo
}

impl From<ogg::OggReadError> for RecordingError {
    fn from(e: ogg::OggReadError) -> Self {
        RecordingError::Ogg(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_toc_keeps_mode_and_says_the_asked_duration() {
        // SILK WB 20 ms mono (config 9), CELT FB 20 ms stereo (config 31), hybrid FB 20 ms (15).
        for toc in [9u8 << 3, (31u8 << 3) | 4, 15u8 << 3] {
            for samples in [960usize, 480, 240, 120] {
                let filler = toc_with_duration(toc, samples);
                assert_eq!(opus::packet::get_nb_samples(&[filler], OPUS_RATE).unwrap(), samples, "toc {toc:#x} → {filler:#x}");
                assert_eq!(filler & 4, toc & 4, "channel flag kept");
            }
        }
    }
}
