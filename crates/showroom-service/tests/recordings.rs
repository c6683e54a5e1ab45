//! Recordings of a real call: each party's Opus RTP written as Ogg/Opus without transcoding,
//! listed for reviewers with call-clock start times, served with HTTP range requests.

mod common;

use std::time::{Duration, Instant};

use common::{opus_packets, opus_rtp, start_gateway, unix_now};
use showroom_signaling::{Claims, Role};
use showroom_testkit::Kind;

fn reviewer(gw: &showroom_service::RunningService, role: Role) -> String {
    let now = unix_now();
    let claims = Claims { sub: "rev".into(), role, call: None, name: None, listen_only: false, tenant: Some("default".into()), iat: now, exp: now + 600 };
    gw.state.keys.mint(&claims).unwrap()
}

/// A tone-free, speech-like signal (two formants, amplitude-modulated) so Opus codes real audio.
fn voice(seconds: f64, f0: f32) -> Vec<f32> {
    (0..(seconds * 16_000.0) as usize)
        .map(|i| {
            let t = i as f32 / 16_000.0;
            let env = 0.5 + 0.5 * (t * 3.0 * std::f32::consts::TAU).sin();
            0.3 * env * ((t * f0 * std::f32::consts::TAU).sin() + 0.5 * (t * f0 * 3.1 * std::f32::consts::TAU).sin())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_party_is_recorded_and_served_with_ranges() {
    let (gw, gateway) = start_gateway().await;
    let (mut customer, mut agent, call_id) = gateway.call_pair().await.unwrap();
    customer.publish(&[Kind::Audio]).await.unwrap();
    agent.publish(&[Kind::Audio]).await.unwrap();
    // The agent starts 1 s after the customer: their recording starts 1 s later on the call clock.
    let (c, a) = (opus_packets(&voice(4.0, 180.0), 0.0), opus_packets(&voice(3.0, 120.0), 0.0));
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for i in 0..c.len() {
        tick.tick().await;
        customer.write(Kind::Audio, opus_rtp(i, &c[i]));
        if i >= 50 && i - 50 < a.len() {
            agent.write(Kind::Audio, opus_rtp(i - 50, &a[i - 50]));
        }
        while customer.media.try_recv().is_ok() || agent.media.try_recv().is_ok() {}
    }
    customer.leave();
    agent.leave();

    let http = reqwest::Client::new();
    let base = format!("http://{}", gw.http_addr);
    let token = reviewer(&gw, Role::Reviewer);
    let deadline = Instant::now() + Duration::from_secs(15);
    let listed = loop {
        let res = http.get(format!("{base}/v1/calls/{call_id}/recordings")).bearer_auth(&token).send().await.unwrap();
        let body: serde_json::Value = res.json().await.unwrap();
        if body["recordings"].as_array().is_some_and(|r| r.len() == 2) || Instant::now() > deadline {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let recs = listed["recordings"].as_array().unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(recs.len(), 2, "{listed}");
    let by_role = |role: &str| recs.iter().find(|r| r["role"] == role).unwrap_or_else(|| panic!("{role} in {listed}"));
    let (cr, ar) = (by_role("customer"), by_role("agent"));
    let (c_start, a_start) = (cr["start_s"].as_f64().unwrap(), ar["start_s"].as_f64().unwrap());
    assert!(c_start < 0.1, "the customer spoke first: {c_start}");
    assert!((a_start - c_start - 1.0).abs() < 0.15, "the agent's file starts 1 s later: {a_start}");
    assert!((cr["duration_s"].as_f64().unwrap() - 4.0).abs() < 0.1, "{cr}");
    assert!((ar["duration_s"].as_f64().unwrap() - 3.0).abs() < 0.1, "{ar}");

    // The whole file, fetched the way an <audio> element does (token in the URL), is valid
    // Ogg/Opus of the right length.
    let url = format!("{base}{}", cr["url"].as_str().unwrap());
    let res = http.get(format!("{url}?access_token={token}")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "audio/ogg");
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    let bytes = res.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, cr["bytes"].as_u64().unwrap());
    let decoded = showroom_recording::read_ogg_opus(std::io::Cursor::new(bytes.to_vec())).expect("valid Ogg/Opus");
    assert!((decoded.duration_s() - 4.0).abs() < 0.1, "decoded {} s", decoded.duration_s());
    let energy: f32 = decoded.channels[0].iter().map(|s| s * s).sum::<f32>() / decoded.channels[0].len() as f32;
    assert!(energy > 0.001, "the recording has the audio, not silence: {energy}");

    // A range request gets exactly that range.
    let res = http.get(&url).bearer_auth(&token).header("range", "bytes=100-199").send().await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.headers()["content-range"].to_str().unwrap(), format!("bytes 100-199/{}", bytes.len()));
    assert_eq!(res.bytes().await.unwrap().as_ref(), &bytes[100..200]);

    // Not for agents, not for another tenant, not without a token, not for made-up names.
    let agent_token = reviewer(&gw, Role::Agent);
    assert_eq!(http.get(format!("{url}?access_token={agent_token}")).send().await.unwrap().status(), 403);
    assert_eq!(http.get(&url).send().await.unwrap().status(), 401);
    let now = unix_now();
    let rival = gw.state.keys.mint(&Claims { sub: "r".into(), role: Role::Reviewer, call: None, name: None, listen_only: false, tenant: Some("rival".into()), iat: now, exp: now + 60 }).unwrap();
    assert_eq!(http.get(&url).bearer_auth(&rival).send().await.unwrap().status(), 404);
    for bad in ["..%2F..%2Fshowroom.db", "nobody.ogg", "x.json"] {
        let res = http.get(format!("{base}/v1/calls/{call_id}/recordings/{bad}")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), 404, "{bad}");
    }
    // Playback is in the audit log (once, for the request from byte 0).
    let store = gw.state.journal.sink().store().await.unwrap();
    let audit = store.list_audit(&showroom_store::CallId(call_id.clone())).await.unwrap();
    let plays = audit.iter().filter(|e| e.action == "recording.play").count();
    assert_eq!(plays, 1, "{audit:?}");
}
