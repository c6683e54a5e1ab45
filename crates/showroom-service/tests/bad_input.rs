//! Bad input on the wire gets its documented error code; the server and other calls go on.

mod common;

use std::time::Duration;

use common::{pump, start_gateway, token, unix_now, Sources};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use showroom_signaling::{Claims, Role};
use showroom_testkit::Kind;
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(url: &str) -> Ws {
    tokio_tungstenite::connect_async(url).await.expect("websocket opens").0
}

/// Sends a text frame and returns the next server frame as JSON (None if the socket closed).
async fn roundtrip(ws: &mut Ws, text: String) -> Option<Value> {
    ws.send(Message::text(text)).await.ok()?;
    next(ws).await
}

/// The next frame that answers something: a waiting shopper's `queue` updates come on their
/// own and are skipped.
async fn next(ws: &mut Ws) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("server answers in time") {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(&t).expect("server frames are JSON");
                if v["type"] != "queue" {
                    return Some(v);
                }
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

fn code(v: &Option<Value>) -> &str {
    v.as_ref().and_then(|v| v["code"].as_str()).unwrap_or("<none>")
}

/// After a fatal error the server closes the socket.
async fn assert_closed(ws: &mut Ws) {
    assert!(next(ws).await.is_none(), "socket should be closed after a fatal error");
}

fn auth(token: &str) -> String {
    json!({"v": 1, "type": "auth", "token": token}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_get_codes_and_the_connection_survives() {
    let (_gw, gateway) = start_gateway().await;
    let url = gateway.signal_url();
    let mut ws = open(&url).await;
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "bad_message"),
        ("[1,2,3]".into(), "bad_message"),
        (json!({"v": 1, "type": "teleport"}).to_string(), "bad_message"),
        (json!({"v": 1, "type": "auth", "token": "t", "extra": true}).to_string(), "bad_message"),
        ("x".repeat(70 * 1024), "message_too_large"),
        (json!({"v": 1, "type": "join"}).to_string(), "not_authenticated"),
        (json!({"v": 1, "type": "offer", "pc": "publisher", "sdp": "v=0"}).to_string(), "not_authenticated"),
    ];
    for (frame, expected) in cases {
        let reply = roundtrip(&mut ws, frame).await;
        assert_eq!(code(&reply), expected, "reply {reply:?}");
        assert_eq!(reply.as_ref().unwrap()["fatal"], false);
    }
    ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(code(&next(&mut ws).await), "bad_message");
    // Still usable.
    let pong = roundtrip(&mut ws, json!({"v": 1, "type": "ping", "ts": 5.0}).to_string()).await.unwrap();
    assert_eq!(pong["type"], "pong");
    assert_eq!(pong["ts"], 5.0);
    // A wrong version is fatal.
    let reply = roundtrip(&mut ws, json!({"v": 2, "type": "ping"}).to_string()).await;
    assert_eq!(code(&reply), "unsupported_version");
    assert_closed(&mut ws).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_wrong_calls_and_roles_are_refused() {
    let (gw, gateway) = start_gateway().await;
    let url = gateway.signal_url();
    let (call_a, _) = gateway.create_call("A").await.unwrap();
    let (call_b, _) = gateway.create_call("B").await.unwrap();
    let other_secret = {
        let keys = showroom_signaling::TokenKeys::new(b"some other secret");
        let now = unix_now();
        keys.mint(&Claims { sub: "x".into(), role: Role::Customer, call: Some(call_a.clone()), name: None, listen_only: false, tenant: None, iat: now, exp: now + 60 })
            .unwrap()
    };
    let cases: Vec<(String, &str)> = vec![
        ("garbage".into(), "token_invalid"),
        (other_secret, "token_invalid"),
        (token(&gw, Role::Customer, Some(&call_a), -5, false), "token_expired"),
        (token(&gw, Role::Customer, Some("CA_nope"), 60, false), "unknown_call"),
        (token(&gw, Role::Reviewer, Some(&call_a), 60, false), "forbidden"),
        (token(&gw, Role::Admin, Some(&call_a), 60, false), "forbidden"),
        (token(&gw, Role::Agent, None, 60, false), "wrong_call"),
    ];
    for (tok, expected) in cases {
        let mut ws = open(&url).await;
        let reply = roundtrip(&mut ws, auth(&tok)).await;
        assert_eq!(code(&reply), expected, "reply {reply:?}");
        assert_eq!(reply.as_ref().unwrap()["fatal"], true);
        assert_closed(&mut ws).await;
    }
    // A token for call A used to join call B.
    let mut ws = open(&url).await;
    let authed = roundtrip(&mut ws, auth(&token(&gw, Role::Customer, Some(&call_a), 60, false))).await.unwrap();
    assert_eq!(authed["type"], "authed");
    let reply = roundtrip(&mut ws, json!({"v": 1, "type": "join", "call_id": call_b}).to_string()).await;
    assert_eq!(code(&reply), "wrong_call");
    assert_closed(&mut ws).await;
    // Out of order: auth twice, offer before join, subscriber answer with no offer out.
    let mut ws = open(&url).await;
    let tok = token(&gw, Role::Customer, Some(&call_a), 60, false);
    roundtrip(&mut ws, auth(&tok)).await.unwrap();
    assert_eq!(code(&roundtrip(&mut ws, auth(&tok)).await), "out_of_order");
    assert_eq!(code(&roundtrip(&mut ws, json!({"v":1,"type":"offer","pc":"publisher","sdp":"v=0"}).to_string()).await), "out_of_order");
    let joined = roundtrip(&mut ws, json!({"v": 1, "type": "join", "id": "j1"}).to_string()).await.unwrap();
    assert_eq!(joined["type"], "joined");
    assert_eq!(joined["ref"], "j1");
    assert_eq!(code(&roundtrip(&mut ws, json!({"v":1,"type":"answer","pc":"subscriber","sdp":"v=0\r\n"}).to_string()).await), "out_of_order");
    // A second customer for the same call.
    let mut ws2 = open(&url).await;
    roundtrip(&mut ws2, auth(&token(&gw, Role::Customer, Some(&call_a), 60, false))).await.unwrap();
    assert_eq!(code(&roundtrip(&mut ws2, json!({"v":1,"type":"join"}).to_string()).await), "call_full");
    // A listen-only supervisor may not publish.
    let mut sup = open(&url).await;
    roundtrip(&mut sup, auth(&token(&gw, Role::Supervisor, Some(&call_a), 60, true))).await.unwrap();
    let joined = roundtrip(&mut sup, json!({"v":1,"type":"join"}).to_string()).await.unwrap();
    assert_eq!(joined["type"], "joined");
    let reply = roundtrip(&mut sup, json!({"v":1,"type":"offer","pc":"publisher","sdp":"v=0\r\n"}).to_string()).await;
    assert_eq!(code(&reply), "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_sdp_and_candidates_leave_the_server_and_other_calls_working() {
    let (gw, gateway) = start_gateway().await;
    // A healthy call running alongside the abuse.
    let (mut customer, mut agent, _) = gateway.call_pair().await.unwrap();
    customer.publish(&[Kind::Audio, Kind::Video]).await.unwrap();
    let (mut cs, cid) = (Sources::default(), customer.participant_id.clone());

    let url = gateway.signal_url();
    let (call, _) = gateway.create_call("Mallory").await.unwrap();
    let abuse = async {
        let mut ws = open(&url).await;
        roundtrip(&mut ws, auth(&token(&gw, Role::Customer, Some(&call), 60, false))).await.unwrap();
        roundtrip(&mut ws, json!({"v":1,"type":"join"}).to_string()).await.unwrap();
        let sdps = [
            "hello".to_string(),
            "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n".to_string(),
            "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=sendonly\r\n".to_string(),
            format!("v=0\r\n{}", "a=x\r\n".repeat(20_000)),
            "v=0\r\n\u{0}\u{1}\u{2}".to_string(),
        ];
        for sdp in sdps {
            let reply = roundtrip(&mut ws, json!({"v":1,"type":"offer","id":"o","pc":"publisher","sdp":sdp}).to_string()).await;
            let c = code(&reply).to_owned();
            assert!(c == "bad_sdp" || c == "message_too_large", "garbage SDP got {reply:?}");
        }
        let reply = roundtrip(&mut ws, json!({"v":1,"type":"candidate","pc":"subscriber","candidate":{"candidate":"not a candidate"}}).to_string()).await;
        assert_eq!(code(&reply), "bad_candidate");
        let reply = roundtrip(&mut ws, json!({"v":1,"type":"mute","mid":"42","muted":true}).to_string()).await;
        assert_eq!(code(&reply), "unknown_track");
        let reply = roundtrip(&mut ws, json!({"v":1,"type":"set_quality","track_id":"TR_nope","max_layer":0}).to_string()).await;
        assert_eq!(code(&reply), "unknown_track");
        // Flooding is rate limited, not fatal.
        for _ in 0..300 {
            ws.send(Message::text(json!({"v":1,"type":"ping"}).to_string())).await.unwrap();
        }
        let mut limited = false;
        for _ in 0..300 {
            match next(&mut ws).await {
                Some(v) if v["code"] == "rate_limited" => limited = true,
                Some(_) => {}
                None => panic!("flooding closed the socket"),
            }
        }
        assert!(limited, "a flood is rate limited");
    };
    let ((), (_, got)) = tokio::join!(abuse, async {
        tokio::join!(pump(&mut customer, Some(&mut cs), Duration::from_secs(3)), pump(&mut agent, None, Duration::from_secs(3)))
    });
    assert!(got.count(&cid, Kind::Audio) > 100, "the healthy call kept flowing: {}", got.count(&cid, Kind::Audio));
    assert!(got.count(&cid, Kind::Video) > 200);
    let body = prometheus::TextEncoder::new().encode_to_string(&gw.state.registry.gather()).unwrap();
    assert!(body.contains("showroom_signaling_errors_total{code=\"bad_sdp\"}"), "errors are counted by code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_endpoints_enforce_roles() {
    let (gw, gateway) = start_gateway().await;
    let http = reqwest_like::Client::new(&gateway.base);
    let (call, customer) = gateway.create_call("A").await.unwrap();
    assert_eq!(http.get("/v1/calls?state=waiting", None).await, 401);
    assert_eq!(http.get("/v1/calls?state=waiting", Some(&customer)).await, 403);
    assert_eq!(http.get("/v1/calls?state=waiting", Some("garbage")).await, 401);
    let desk = gateway.desk_token("ana").await.unwrap();
    assert_eq!(http.get("/v1/calls?state=waiting", Some(&desk)).await, 200);
    assert_eq!(http.get("/v1/calls?state=bogus", Some(&desk)).await, 400);
    assert_eq!(http.post(&format!("/v1/calls/{call}/answer"), Some(&customer)).await, 403);
    assert_eq!(http.post("/v1/calls/CA_nope/answer", Some(&desk)).await, 404);
    assert_eq!(http.post(&format!("/v1/calls/{call}/answer"), Some(&desk)).await, 200);
    let other = gateway.desk_token("ben").await.unwrap();
    assert_eq!(http.post(&format!("/v1/calls/{call}/answer"), Some(&other)).await, 409);
    let expired = token(&gw, Role::Agent, None, -1, false);
    assert_eq!(http.get("/v1/calls?state=waiting", Some(&expired)).await, 401);
}

/// Status codes only, through the testkit's HTTP client.
mod reqwest_like {
    pub struct Client {
        base: String,
        inner: reqwest::Client,
    }

    impl Client {
        pub fn new(base: &str) -> Self {
            Self { base: base.to_owned(), inner: reqwest::Client::new() }
        }

        pub async fn get(&self, path: &str, token: Option<&str>) -> u16 {
            let mut r = self.inner.get(format!("{}{path}", self.base));
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            r.send().await.unwrap().status().as_u16()
        }

        pub async fn post(&self, path: &str, token: Option<&str>) -> u16 {
            let mut r = self.inner.post(format!("{}{path}", self.base));
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            r.send().await.unwrap().status().as_u16()
        }
    }
}
