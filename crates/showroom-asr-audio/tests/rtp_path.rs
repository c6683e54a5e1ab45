//! Real speech → Opus RTP → (simulated network) → front-end: utterance boundaries, partial
//! cadence, and the same answer through reordering, loss, duplicates, DTX, wrap-around and
//! garbage payloads.

mod common;

use common::*;
use showroom_asr_audio::{FrontEndConfig, SpeechEvent};

const TOL: f64 = 0.3;

fn clean() -> Network {
    Network {
        latency: 0.03,
        ..Network::default()
    }
}

#[test]
fn two_sentences_over_clean_rtp_give_two_finals_at_the_true_times() -> anyhow::Result<()> {
    let (signal, truth) = two_sentences()?;
    let packets = opus_rtp(&signal, SenderOptions::default());
    let (events, fe) = run_rtp(FrontEndConfig::default(), &deliver(&packets, clean()));
    let finals = finals(&untimed(&events));
    assert_matches_truth(&finals, &truth, TOL);
    assert!(finals.iter().all(|f| f.2 == 0), "nothing lost: {finals:?}");
    let stats = fe.stats();
    assert_eq!(stats.packets_received as usize, packets.len());
    assert_eq!(
        (
            stats.lost_packets,
            stats.decode_errors,
            stats.duplicate_packets
        ),
        (0, 0, 0)
    );
    // Each Final's audio is exactly its span at 16 kHz.
    for e in untimed(&events) {
        let (start, end) = e.span();
        assert_eq!(e.audio().len(), ((end - start) * 16_000.0).round() as usize);
    }
    Ok(())
}

#[test]
fn jfk_pauses_split_it_into_phrases_and_partials_come_every_second() -> anyhow::Result<()> {
    // "And so my fellow Americans | ask not | what your country can do for you | ask what you
    // can do for your country": pauses of ~1 s between the phrases.
    let signal = jfk()?;
    let packets = opus_rtp(&signal, SenderOptions::default());
    let cfg = FrontEndConfig::default();
    let (events, _) = run_rtp(cfg.clone(), &deliver(&packets, clean()));
    let finals = finals(&untimed(&events));
    assert_eq!(finals.len(), 4, "{finals:?}");
    let spoken: f64 = finals.iter().map(|f| f.1 - f.0).sum();
    assert!(
        spoken > 7.0 && spoken < 10.5,
        "{spoken} s of speech in {finals:?}"
    );

    // Cadence: within each utterance, consecutive events (from its first voiced moment, i.e.
    // its start, to its Final) are at most partial_interval apart, in stream time and in the
    // simulated time at which they were returned.
    let interval = cfg.partial_interval.as_secs_f64();
    let slack = cfg.reorder_window.as_secs_f64() + 0.03;
    let mut n_partials = 0;
    for (id, f) in finals.iter().enumerate() {
        let mine: Vec<&Timed> = events
            .iter()
            .filter(|t| t.event.utterance() == id as u64)
            .collect();
        let mut last_stream = f.0;
        let mut last_at = f.0 + 0.03; // latency of the first packet
        for t in &mine {
            let (_, end) = t.event.span();
            if let SpeechEvent::Partial { audio, start, .. } = &t.event {
                n_partials += 1;
                assert!(
                    (*start - f.0).abs() < 1e-9,
                    "partials share the utterance start"
                );
                assert_eq!(audio.len(), ((end - start) * 16_000.0).round() as usize);
                assert!(
                    end - last_stream <= interval + 0.011,
                    "stream gap {} in {id}",
                    end - last_stream
                );
                assert!(
                    t.at - last_at <= interval + slack,
                    "emitted {} s apart in {id}",
                    t.at - last_at
                );
                last_stream = end;
                last_at = t.at;
            }
        }
        assert!(mine.last().unwrap().event.is_final());
        // The Final itself closes end_silence after the speech, so it is not held to the cadence.
    }
    assert!(n_partials >= 5, "{n_partials} partials");
    Ok(())
}

#[test]
fn reordering_loss_duplicates_and_wraparound_keep_the_utterances() -> anyhow::Result<()> {
    let (signal, truth) = two_sentences()?;
    let opts = SenderOptions {
        first_seq: 65_400, // wraps after 136 packets, inside the first sentence
        first_ts: u32::MAX - 100_000,
        dtx: false,
    };
    let packets = opus_rtp(&signal, opts);
    let net = Network {
        seed: 7,
        latency: 0.05,
        jitter: 0.04,
        loss: 0.05,
        duplicate: 0.03,
    };
    let arrivals = deliver(&packets, net);
    let reordered = arrivals
        .windows(2)
        .filter(|w| w[1].1.ts < w[0].1.ts)
        .count();
    assert!(
        reordered > 20,
        "the network reorders ({reordered} inversions)"
    );
    let (events, fe) = run_rtp(FrontEndConfig::default(), &arrivals);
    let finals = finals(&untimed(&events));
    assert_matches_truth(&finals, &truth, TOL);
    let stats = fe.stats();
    // Losses the receiver can see: missing packets between the first and last that arrived.
    let got: std::collections::HashSet<u16> = arrivals.iter().map(|a| a.1.seq).collect();
    let idx: Vec<usize> = (0..packets.len())
        .filter(|&i| got.contains(&packets[i].seq))
        .collect();
    let lost = idx.last().unwrap() - idx[0] + 1 - idx.len();
    assert!(lost > 10, "{lost} lost");
    assert_eq!(stats.lost_packets as usize, lost, "{stats:?}");
    assert!(stats.duplicate_packets > 5, "{stats:?}");
    assert_eq!(stats.concealed_ms, lost as u64 * 20, "{stats:?}");
    let lost_in_finals: u32 = finals.iter().map(|f| f.2).sum();
    assert!(
        lost_in_finals > 0 && u64::from(lost_in_finals) <= stats.concealed_ms,
        "{finals:?}"
    );
    assert_eq!(stats.timestamp_anomalies, 0);
    Ok(())
}

#[test]
fn a_packet_later_than_the_reorder_window_is_counted_as_late() -> anyhow::Result<()> {
    let (signal, _) = two_sentences()?;
    let packets = opus_rtp(&signal, SenderOptions::default());
    let mut arrivals = deliver(&packets, clean());
    // Packet 100 arrives 200 ms late: it has been concealed by then.
    arrivals[100].0 += 0.2;
    arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (events, fe) = run_rtp(FrontEndConfig::default(), &arrivals);
    let stats = fe.stats();
    assert_eq!(
        (stats.late_packets, stats.lost_packets, stats.concealed_ms),
        (1, 1, 20)
    );
    let finals = finals(&untimed(&events));
    assert_eq!(
        finals[0].2, 20,
        "the concealed 20 ms belong to the first sentence: {finals:?}"
    );
    Ok(())
}

#[test]
fn dtx_gaps_become_silence_in_stream_time() -> anyhow::Result<()> {
    let (signal, truth) = two_sentences()?;
    let packets = opus_rtp(
        &signal,
        SenderOptions {
            dtx: true,
            ..SenderOptions::default()
        },
    );
    let every_20ms = (signal.len() / 320) + 1;
    assert!(
        packets.len() < every_20ms * 3 / 4,
        "DTX leaves gaps: {} of {every_20ms}",
        packets.len()
    );
    let (events, fe) = run_rtp(FrontEndConfig::default(), &deliver(&packets, clean()));
    let finals = finals(&untimed(&events));
    assert_matches_truth(&finals, &truth, TOL);
    let stats = fe.stats();
    assert!(stats.dtx_silence_ms > 1_500, "{stats:?}");
    assert_eq!((stats.lost_packets, stats.concealed_ms), (0, 0));
    // The first Final is returned by `tick` while packets have stopped, not at the next packet.
    let first_final = events.iter().find(|t| t.event.is_final()).unwrap();
    assert!(
        first_final.at < truth[0].1 + 1.2,
        "closed at {} s",
        first_final.at
    );
    Ok(())
}

#[test]
fn garbage_payloads_are_counted_errors_and_the_stream_goes_on() -> anyhow::Result<()> {
    let (signal, truth) = two_sentences()?;
    let mut packets = opus_rtp(&signal, SenderOptions::default());
    let mut n_bad = 0;
    for (i, p) in packets.iter_mut().enumerate() {
        if i % 37 == 5 {
            p.payload = match n_bad % 3 {
                0 => Vec::new(),
                1 => vec![0xff; 3], // code 3 with a frame count of 63: invalid
                _ => vec![0x0b, 0xff, 0xff, 0xff], // code 3 frame count far past 120 ms
            };
            n_bad += 1;
        }
    }
    let (events, mut fe) = run_rtp(FrontEndConfig::default(), &deliver(&packets, clean()));
    let stats = fe.stats();
    assert_eq!(stats.decode_errors, n_bad, "{stats:?}");
    let errors = fe.drain_errors();
    assert_eq!(errors.len() as u64, n_bad);
    assert!(errors.iter().all(|e| !e.to_string().is_empty()));
    assert!(fe.drain_errors().is_empty(), "drained");
    let finals = finals(&untimed(&events));
    assert_matches_truth(&finals, &truth, TOL);
    Ok(())
}

#[test]
fn start_offset_shifts_every_time() -> anyhow::Result<()> {
    let (signal, truth) = two_sentences()?;
    let mut fe =
        showroom_asr_audio::AudioFrontEnd::new(FrontEndConfig::default())?.with_start_offset(100.0);
    let mut events = fe.push_pcm(&signal, 16_000);
    events.extend(fe.finish());
    let shifted: Vec<(f64, f64)> = truth.iter().map(|t| (t.0 + 100.0, t.1 + 100.0)).collect();
    assert_matches_truth(&finals(&events), &shifted, TOL);
    Ok(())
}
