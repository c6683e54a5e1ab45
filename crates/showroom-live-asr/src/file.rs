//! Recordings through the live pipeline: one front-end per channel (channel 0 the customer,
//! channel 1 the agent), the same pool and the same stabilisation as a call. With `realtime`
//! the audio is paced as it would arrive live; otherwise it goes as fast as the pool takes it.

use std::time::{Duration, Instant};

use showroom_asr_audio::{AudioFrontEnd, FrontEndConfig};

use crate::{AsrPool, Hints, StreamKey};

/// One party of a recording.
pub struct Channel {
    pub role: String,
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

/// Feeds `channels` (20 ms at a time, interleaved in time) into `pool`. Returns once every
/// utterance has been submitted; results arrive through the pool's callback.
pub fn transcribe_channels(pool: &AsrPool, call: &str, channels: Vec<Channel>, hints: Hints, realtime: bool) -> Result<(), showroom_asr_audio::AudioError> {
    let mut parties = Vec::new();
    for (i, ch) in channels.into_iter().enumerate() {
        let stream = StreamKey { call: call.to_owned(), participant: format!("channel-{i}"), role: ch.role.clone() };
        parties.push((AudioFrontEnd::new(FrontEndConfig::default())?, stream, ch));
    }
    let started = Instant::now();
    let longest = parties.iter().map(|(_, _, c)| c.samples.len() as f64 / f64::from(c.sample_rate.max(1))).fold(0.0, f64::max);
    let steps = (longest / 0.02).ceil() as usize;
    for step in 0..steps {
        if realtime {
            let due = started + Duration::from_millis(20 * step as u64);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
        for (front_end, stream, ch) in &mut parties {
            let per_step = (ch.sample_rate / 50) as usize;
            let from = (step * per_step).min(ch.samples.len());
            let to = (from + per_step).min(ch.samples.len());
            if from == to {
                continue;
            }
            let events = front_end.push_pcm(&ch.samples[from..to], ch.sample_rate);
            submit_all(pool, stream, &hints, events);
        }
    }
    for (front_end, stream, _) in &mut parties {
        let events = front_end.finish();
        submit_all(pool, stream, &hints, events);
    }
    Ok(())
}

fn submit_all(pool: &AsrPool, stream: &StreamKey, hints: &Hints, events: Vec<showroom_asr_audio::SpeechEvent>) {
    let now = Instant::now();
    for e in events {
        crate::submit_speech(pool, stream, hints, e, now);
    }
}
