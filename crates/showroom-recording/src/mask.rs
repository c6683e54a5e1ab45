//! Silencing spans of a finished recording (a card number read out): the Opus packets that
//! overlap a span are replaced by "no data" packets of the same duration, everything else is
//! copied byte for byte — still no decoding or re-encoding, and the file's clock is unchanged.

use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use ogg::reading::PacketReader;
use ogg::writing::{PacketWriteEndInfo, PacketWriter};

use crate::write::{packet_samples, toc_with_duration, PRE_SKIP};
use crate::{RecordingError, OPUS_RATE};

/// A packet that decodes to nothing (concealment fading to silence) lasting `samples`
/// (48 kHz): one zero-length frame, or several (RFC 6716 code 3) for 40/60 ms and longer.
fn silent_packet(toc: u8, samples: u64) -> Vec<u8> {
    for frame in [960u64, 480, 240, 120] {
        if samples % frame == 0 && samples / frame <= 48 {
            let single = toc_with_duration(toc, frame as usize);
            let count = (samples / frame) as u8;
            return if count == 1 { vec![single] } else { vec![single | 0x03, count] };
        }
    }
    vec![toc_with_duration(toc, 960)]
}

/// Replaces the audio of `spans` (seconds of media time, from the first sample a player plays)
/// with silence, in place (written to a temporary file, then renamed). Returns how many
/// packets were silenced.
pub fn silence_spans(path: &Path, spans: &[(f64, f64)]) -> Result<usize, RecordingError> {
    if spans.is_empty() {
        return Ok(0);
    }
    let to_samples = |s: f64| (s.max(0.0) * f64::from(OPUS_RATE)) as u64 + u64::from(PRE_SKIP);
    let spans: Vec<(u64, u64)> = spans.iter().map(|&(a, b)| (to_samples(a), to_samples(b))).collect();
    let tmp = path.with_extension("masking");
    let mut reader = PacketReader::new(BufReader::new(std::fs::File::open(path)?));
    let mut writer = PacketWriter::new(BufWriter::new(std::fs::File::create(&tmp)?));
    let (mut index, mut pos, mut silenced) = (0u64, 0u64, 0usize);
    while let Some(packet) = reader.read_packet()? {
        let info = if packet.last_in_stream() {
            PacketWriteEndInfo::EndStream
        } else if packet.last_in_page() {
            PacketWriteEndInfo::EndPage
        } else {
            PacketWriteEndInfo::NormalPacket
        };
        let (serial, granule) = (packet.stream_serial(), packet.absgp_page());
        let mut data = packet.data;
        // The two header packets (OpusHead, OpusTags) carry no audio.
        if index >= 2
            && let Some(n) = packet_samples(&data)
        {
            if spans.iter().any(|&(a, b)| pos < b && a < pos + n) {
                data = silent_packet(data[0], n);
                silenced += 1;
            }
            pos += n;
        }
        index += 1;
        writer.write_packet(data, serial, info, granule)?;
    }
    let mut out = writer.into_inner();
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(silenced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_ogg_opus, OggOpusWriter};

    fn energy(samples: &[f32]) -> f32 {
        samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32
    }

    #[test]
    fn spans_go_silent_and_the_rest_is_untouched() {
        // 4 s of real speech, Opus-encoded the way a browser sends it.
        let speech = showroom_testdata::jfk().unwrap().audio;
        let audio: Vec<f32> = speech[..16_000 * 4].to_vec();
        let mut enc = opus::Encoder::new(16_000, opus::Channels::Mono, opus::Application::Voip).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("party.ogg");
        let mut w = OggOpusWriter::new(std::fs::File::create(&path).unwrap(), 1, 9, "test").unwrap();
        for (i, frame) in audio.chunks(320).enumerate() {
            let packet = enc.encode_vec_float(frame, 1500).unwrap();
            w.push(i as u32 * 960, &packet).unwrap();
        }
        w.finish().unwrap();
        let before = read_ogg_opus(std::fs::File::open(&path).unwrap()).unwrap();

        let n = silence_spans(&path, &[(1.0, 2.0)]).unwrap();
        assert_eq!(n, 51, "1 s of 20 ms packets, plus the one straddling an edge");
        let after = read_ogg_opus(std::fs::File::open(&path).unwrap()).unwrap();
        let rate = after.sample_rate as usize;
        assert_eq!(after.channels[0].len(), before.channels[0].len(), "same length: the clock is kept");
        let part = |r: &crate::Recording, a: f64, b: f64| r.channels[0][(a * rate as f64) as usize..(b * rate as f64) as usize].to_vec();
        assert!(energy(&part(&before, 1.1, 1.9)) > 1e-3, "there was speech to silence");
        assert!(energy(&part(&after, 1.1, 1.9)) < 1e-6, "silenced: {}", energy(&part(&after, 1.1, 1.9)));
        // Outside the span the decoded audio is exactly as before (decoder state is per packet
        // history, so compare well away from the span).
        assert_eq!(part(&before, 0.0, 0.95), part(&after, 0.0, 0.95));
        assert!(energy(&part(&after, 2.5, 3.5)) > 1e-3);
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
