//! Ogg/Opus recordings written from RTP payloads: valid for other tools (opusinfo, opusdec),
//! read back sample-exact, on the call's clock across gaps, and robust to bad input.

use std::io::Cursor;
use std::process::Command;

use showroom_recording::{read_ogg_opus, read_recording, OggOpusWriter, RecordingError, OPUS_RATE, PRE_SKIP};

const SKIP: usize = PRE_SKIP as usize;

/// The JFK clip as 20 ms Opus packets (48 kHz RTP clock: +960 per packet), as a browser sends.
fn jfk_packets() -> Vec<(u32, Vec<u8>)> {
    let clip = showroom_testdata::jfk().expect("JFK clip");
    let mut enc = opus::Encoder::new(16_000, opus::Channels::Mono, opus::Application::Voip).unwrap();
    let pcm: Vec<i16> = clip.audio.iter().map(|s| (s * 32767.0) as i16).collect();
    let base = 3_000_000_000u32; // near the 32-bit wrap, so the clock wraps mid-recording
    pcm.chunks_exact(320)
        .enumerate()
        .map(|(i, frame)| (base.wrapping_add(960 * i as u32), enc.encode_vec(frame, 1500).unwrap()))
        .collect()
}

fn write(packets: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut w = OggOpusWriter::new(Vec::new(), 1, 0x5eed, "showroom-test").unwrap();
    for (ts, p) in packets {
        w.push(*ts, p).unwrap();
    }
    w.finish().unwrap()
}

/// What a plain decoder makes of the same packets (the reference for the round trip).
fn decode_directly(packets: &[(u32, Vec<u8>)]) -> Vec<f32> {
    let mut dec = opus::Decoder::new(OPUS_RATE, opus::Channels::Mono).unwrap();
    let mut out = Vec::new();
    let mut buf = vec![0f32; 5760];
    for (_, p) in packets {
        let n = dec.decode_float(p, &mut buf, false).unwrap();
        out.extend_from_slice(&buf[..n]);
    }
    out
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|s| s * s).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

#[test]
fn round_trip_is_sample_exact_and_other_tools_accept_the_file() {
    let packets = jfk_packets();
    let bytes = write(&packets);
    let rec = read_ogg_opus(Cursor::new(&bytes)).unwrap();
    assert_eq!(rec.sample_rate, OPUS_RATE);
    assert_eq!(rec.channels.len(), 1);
    let reference = decode_directly(&packets);
    assert_eq!(rec.channels[0].len(), packets.len() * 960 - SKIP);
    assert_eq!(rec.channels[0], reference[SKIP..], "same packets, same decoder: identical samples after the pre-skip");
    // Raw payloads, no transcoding: the file is not much bigger than the payloads themselves.
    let payload_bytes: usize = packets.iter().map(|(_, p)| p.len()).sum();
    assert!(bytes.len() < payload_bytes + payload_bytes / 10 + 1024, "{} bytes for {payload_bytes} of payload", bytes.len());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jfk.opus");
    std::fs::write(&path, &bytes).unwrap();
    let info = Command::new("opusinfo").arg(&path).output().expect("opusinfo (opus-tools, installed by scripts/deps.sh)");
    let text = String::from_utf8_lossy(&info.stdout).to_string() + &String::from_utf8_lossy(&info.stderr);
    assert!(info.status.success(), "opusinfo rejects the file:\n{text}");
    assert!(!text.contains("WARNING") && !text.contains("ERROR"), "opusinfo complains:\n{text}");
    let secs = (packets.len() * 960 - SKIP) as f64 / 48_000.0;
    assert!(text.contains(&format!("Playback length: 0m:{secs:06.3}s")), "{secs:.3} s expected:\n{text}");
    let wav = dir.path().join("jfk.wav");
    let dec = Command::new("opusdec").args(["--quiet", "--rate", "48000"]).arg(&path).arg(&wav).output().unwrap();
    assert!(dec.status.success(), "opusdec: {}", String::from_utf8_lossy(&dec.stderr));
    let theirs = read_recording(&wav).unwrap();
    assert_eq!(theirs.channels[0].len(), rec.channels[0].len(), "opusdec and we agree on the length");
}

#[test]
fn gaps_keep_the_call_clock_and_reordered_or_duplicate_packets_are_ignored() {
    let packets = jfk_packets();
    // One second lost in the middle (DTX or loss), a duplicate, and a late packet.
    let mut sent: Vec<(u32, Vec<u8>)> = packets.iter().enumerate().filter(|(i, _)| !(200..250).contains(i)).map(|(_, p)| p.clone()).collect();
    sent.insert(100, packets[99].clone());
    sent.insert(300, packets[120].clone());
    let mut w = OggOpusWriter::new(Vec::new(), 1, 1, "t").unwrap();
    let accepted: Vec<bool> = sent.iter().map(|(ts, p)| w.push(*ts, p).unwrap()).collect();
    assert_eq!(accepted.iter().filter(|a| !**a).count(), 2, "the duplicate and the late packet are refused");
    assert_eq!(w.duration_samples(), packets.len() as u64 * 960);
    let rec = read_ogg_opus(Cursor::new(w.finish().unwrap())).unwrap();
    let audio = &rec.channels[0];
    assert_eq!(audio.len(), packets.len() * 960 - SKIP, "the gap is kept as time");
    // The words after the gap are where they were: compare 20 ms energy envelopes with the
    // reference decode from 0.3 s after the gap (the decoder has settled by then).
    let reference = decode_directly(&packets);
    let env = |x: &[f32]| x.chunks(960).map(rms).collect::<Vec<_>>();
    let (a, b) = (env(&audio[265 * 960..]), env(&reference[265 * 960 + SKIP..]));
    let close = a.iter().zip(&b).filter(|(x, y)| (**x - **y).abs() <= 0.1 * y.max(0.002)).count();
    assert!(close * 10 >= a.len() * 9, "{close} of {} frames match after the gap", a.len());
    // The gap itself decodes as (near) silence: the speech there is lost, not shifted.
    assert!(rms(&audio[205 * 960..245 * 960]) < 0.3 * rms(&reference[205 * 960 + SKIP..245 * 960 + SKIP]));
}

#[test]
fn corrupt_and_truncated_files_give_errors_not_panics() {
    let bytes = write(&jfk_packets());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("garbage", b"OggS but then nothing sensible at all, just text".to_vec()),
        ("header only", bytes[..40].to_vec()),
        ("a bit flipped in the first page", {
            let mut b = bytes.clone();
            b[30] ^= 0x40;
            b
        }),
    ];
    for (name, data) in cases {
        let result = read_ogg_opus(Cursor::new(data));
        assert!(result.is_err(), "{name}: {result:?}");
    }
    // Cut mid-stream: what is there is returned (a recording interrupted by a crash is still
    // worth reviewing) or a clean error — never a panic.
    for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 7] {
        match read_ogg_opus(Cursor::new(&bytes[..cut])) {
            Ok(rec) => assert!(rec.channels[0].len() < jfk_packets().len() * 960),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    assert!(matches!(read_recording(&text), Err(RecordingError::UnknownFormat(_))));
}

#[test]
fn stereo_wav_and_ogg_give_two_channels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.wav");
    let spec = hound::WavSpec { channels: 2, sample_rate: 8_000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for i in 0..800 {
        w.write_sample(if i % 2 == 0 { 1000i16 } else { -2000 }).unwrap();
    }
    w.finalize().unwrap();
    let rec = read_recording(&path).unwrap();
    assert_eq!((rec.sample_rate, rec.channels.len(), rec.channels[0].len()), (8_000, 2, 400));
    assert!(rec.channels[0].iter().all(|s| (*s - 1000.0 / 32768.0).abs() < 1e-6));
    assert!(rec.channels[1].iter().all(|s| (*s + 2000.0 / 32768.0).abs() < 1e-6));

    // Stereo Opus: customer left, agent right.
    let mut enc = opus::Encoder::new(48_000, opus::Channels::Stereo, opus::Application::Voip).unwrap();
    let mut writer = OggOpusWriter::new(Vec::new(), 2, 7, "t").unwrap();
    for i in 0..50u32 {
        let frame: Vec<i16> = (0..960).flat_map(|n| {
            let left = ((n as f32 * 0.05).sin() * 8000.0) as i16;
            [left, 0]
        }).collect();
        writer.push(i * 960, &enc.encode_vec(&frame, 4000).unwrap()).unwrap();
    }
    let ogg = dir.path().join("two.ogg");
    std::fs::write(&ogg, writer.finish().unwrap()).unwrap();
    let rec = read_recording(&ogg).unwrap();
    assert_eq!(rec.channels.len(), 2);
    assert!(rms(&rec.channels[0][9600..]) > 0.05 && rms(&rec.channels[1][9600..]) < 0.01, "left has the tone, right is quiet");
}
