//! Recordings read back as PCM.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use ogg::reading::PacketReader;

use crate::{RecordingError, OPUS_RATE};

/// Decoded audio, one vector per channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub sample_rate: u32,
    pub channels: Vec<Vec<f32>>,
}

impl Recording {
    pub fn duration_s(&self) -> f64 {
        self.channels.first().map_or(0.0, |c| c.len() as f64 / f64::from(self.sample_rate.max(1)))
    }
}

/// Reads an Ogg/Opus or WAV file (told apart by content, not by name).
pub fn read_recording(path: &Path) -> Result<Recording, RecordingError> {
    let mut file = BufReader::new(File::open(path)?);
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic)?;
    file.rewind()?;
    let recording = match &magic[..n] {
        b"OggS" => read_ogg_opus(file)?,
        b"RIFF" | b"RF64" => read_wav(file)?,
        _ => return Err(RecordingError::UnknownFormat(path.display().to_string())),
    };
    if !(1..=2).contains(&recording.channels.len()) {
        return Err(RecordingError::Channels(recording.channels.len()));
    }
    Ok(recording)
}

/// WAV, integer (8–32 bit) or float samples, any rate.
pub fn read_wav(input: impl Read) -> Result<Recording, RecordingError> {
    let mut reader = hound::WavReader::new(input)?;
    let spec = reader.spec();
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>()?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader.samples::<i32>().map(|s| s.map(|v| v as f32 * scale)).collect::<Result<_, _>>()?
        }
    };
    Ok(Recording { sample_rate: spec.sample_rate, channels: deinterleave(&interleaved, usize::from(spec.channels)) })
}

fn deinterleave(interleaved: &[f32], n: usize) -> Vec<Vec<f32>> {
    (0..n).map(|c| interleaved.iter().skip(c).step_by(n).copied().collect()).collect()
}

struct OpusHead {
    channels: usize,
    pre_skip: usize,
    gain_db: f32,
}

fn parse_head(packet: &[u8]) -> Result<OpusHead, RecordingError> {
    let bad = |why: &str| Err(RecordingError::Header(why.to_owned()));
    if packet.len() < 19 || &packet[..8] != b"OpusHead" {
        return bad("the first packet is not an OpusHead (not an Ogg/Opus file)");
    }
    if packet[8] >> 4 != 0 {
        return bad("unsupported OpusHead version");
    }
    let channels = usize::from(packet[9]);
    let pre_skip = usize::from(u16::from_le_bytes([packet[10], packet[11]]));
    let gain_q8 = i16::from_le_bytes([packet[16], packet[17]]);
    let family = packet[18];
    if channels == 0 || (family == 0 && channels > 2) {
        return bad("invalid channel count");
    }
    if family != 0 && !(family == 1 && channels <= 2) {
        return Err(RecordingError::Channels(channels));
    }
    Ok(OpusHead { channels, pre_skip, gain_db: f32::from(gain_q8) / 256.0 })
}

/// Ogg/Opus (RFC 7845), mono or stereo, decoded at 48 kHz with pre-skip and end trimming.
pub fn read_ogg_opus(input: impl Read + Seek) -> Result<Recording, RecordingError> {
    let mut packets = PacketReader::new(input);
    let head_packet = packets.read_packet()?.ok_or_else(|| RecordingError::Header("empty file".into()))?;
    let head = parse_head(&head_packet.data)?;
    let serial = head_packet.stream_serial();
    let tags = packets.read_packet()?.ok_or_else(|| RecordingError::Header("no OpusTags packet".into()))?;
    if !tags.data.starts_with(b"OpusTags") {
        return Err(RecordingError::Header("the second packet is not OpusTags".into()));
    }
    let channels = if head.channels == 1 { opus::Channels::Mono } else { opus::Channels::Stereo };
    let mut decoder = opus::Decoder::new(OPUS_RATE, channels)?;
    let mut pcm: Vec<f32> = Vec::new();
    let mut frame = vec![0f32; 5760 * head.channels];
    let mut last_granule = None;
    while let Some(packet) = packets.read_packet()? {
        if packet.stream_serial() != serial {
            continue; // another logical stream (chained/multiplexed): not ours
        }
        if !packet.data.is_empty() {
            // A packet that fails to decode is concealed rather than aborting the whole file.
            let n = match decoder.decode_float(&packet.data, &mut frame, false) {
                Ok(n) => n,
                Err(_) => decoder.decode_float(&[], &mut frame, false)?,
            };
            pcm.extend_from_slice(&frame[..n * head.channels]);
        }
        if packet.last_in_page() {
            last_granule = Some(packet.absgp_page());
        }
        if packet.last_in_stream() {
            break;
        }
    }
    // The last page's granule position says where the audio ends (RFC 7845 §4: end trimming).
    if let Some(end) = last_granule {
        let end = end as usize * head.channels;
        if end >= head.pre_skip * head.channels && end < pcm.len() {
            pcm.truncate(end);
        }
    }
    let skip = (head.pre_skip * head.channels).min(pcm.len());
    pcm.drain(..skip);
    if head.gain_db != 0.0 {
        let g = 10f32.powf(head.gain_db / 20.0);
        pcm.iter_mut().for_each(|s| *s *= g);
    }
    Ok(Recording { sample_rate: OPUS_RATE, channels: deinterleave(&pcm, head.channels) })
}
