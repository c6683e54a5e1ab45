//! `decode_frame`: size, JSON, envelope, version and shape checks, in that order; never panics.

use proptest::prelude::*;
use showroom_signaling::{
    decode_frame, encode, ClientMessage, Envelope, ErrorCode, IceCandidate, PeerRole, ResumeRequest, Role,
    ServerMessage, TrackAnnouncement, TrackSource, TranscriptStatus, MAX_MESSAGE_BYTES,
};

fn code(frame: &str) -> Result<&'static str, ErrorCode> {
    decode_frame(frame).map(|m| m.type_name()).map_err(|e| e.code)
}

#[test]
fn error_table() {
    use ErrorCode::*;
    let cases: &[(&str, Result<&str, ErrorCode>)] = &[
        // Well-formed.
        (r#"{"v":1,"type":"ping"}"#, Ok("ping")),
        (r#"{"type":"leave","v":1}"#, Ok("leave")),
        (r#" {"v":1,"type":"auth","token":"t","id":null} "#, Ok("auth")),
        // Not JSON.
        ("", Err(BadMessage)),
        ("{", Err(BadMessage)),
        ("{\"v\":1,\"type\":\"ping\"} trailing", Err(BadMessage)),
        ("{'v':1}", Err(BadMessage)),
        // JSON, but not an object.
        ("null", Err(BadMessage)),
        ("1", Err(BadMessage)),
        ("\"ping\"", Err(BadMessage)),
        (r#"[{"v":1,"type":"ping"}]"#, Err(BadMessage)),
        // Version: missing, other, not an unsigned integer.
        (r#"{"type":"ping"}"#, Err(UnsupportedVersion)),
        (r#"{"v":2,"type":"ping"}"#, Err(UnsupportedVersion)),
        (r#"{"v":0,"type":"ping"}"#, Err(UnsupportedVersion)),
        (r#"{"v":"1","type":"ping"}"#, Err(UnsupportedVersion)),
        (r#"{"v":1.0,"type":"ping"}"#, Err(UnsupportedVersion)),
        (r#"{"v":-1,"type":"ping"}"#, Err(UnsupportedVersion)),
        (r#"{"v":null,"type":"ping"}"#, Err(UnsupportedVersion)),
        ("{}", Err(UnsupportedVersion)),
        // The version is checked before the shape.
        (r#"{"v":2,"type":"no_such_type"}"#, Err(UnsupportedVersion)),
        // Unknown or missing type.
        (r#"{"v":1}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"no_such_type"}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"Ping"}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"pong","server_time_ms":1}"#, Err(BadMessage)),
        (r#"{"v":1,"type":7}"#, Err(BadMessage)),
        // Unknown fields (deny_unknown_fields), including `id` where a message has none.
        (r#"{"v":1,"type":"auth","token":"t","bogus":1}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"ping","id":"1"}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"leave","reason":"bye"}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"restart_ice","pc":"subscriber","ice_restart":true}"#, Err(BadMessage)),
        // Missing or mistyped fields and bad enum values.
        (r#"{"v":1,"type":"auth"}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"auth","token":5}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"offer","pc":"publisher"}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"offer","pc":"both","sdp":"x"}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"offer","pc":"publisher","sdp":"x","tracks":null}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"offer","pc":"publisher","sdp":"x","tracks":[{"mid":"0","source":"webcam"}]}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"mute","mid":"0"}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"set_quality","track_id":"t","max_layer":256}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"set_quality","track_id":"t","max_layer":-1}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"set_captions"}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"set_captions","enabled":null}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"set_captions","enabled":1}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"set_captions","enabled":true,"id":"1"}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"candidate","pc":"publisher","candidate":"candidate:1"}"#, Err(BadMessage)),
        (r#"{"v":1,"type":"join","resume":{"participant_id":"p"}}"#, Err(BadMessage)),
        // Optional fields may be null or absent.
        (r#"{"v":1,"type":"set_quality","track_id":"t","max_layer":null}"#, Ok("set_quality")),
        (r#"{"v":1,"type":"set_quality","track_id":"t"}"#, Ok("set_quality")),
        (r#"{"v":1,"type":"join","id":null,"call_id":null,"name":null,"resume":null}"#, Ok("join")),
        (r#"{"v":1,"type":"ping","ts":null}"#, Ok("ping")),
        (r#"{"v":1,"type":"set_captions","enabled":false}"#, Ok("set_captions")),
    ];
    for (frame, want) in cases {
        assert_eq!(&code(frame), want, "{frame}");
    }
}

#[test]
fn size_is_checked_first_and_in_bytes() {
    // A valid frame padded with whitespace to exactly the limit is accepted...
    let base = r#"{"v":1,"type":"ping"}"#;
    let at_limit = format!("{base}{}", " ".repeat(MAX_MESSAGE_BYTES - base.len()));
    assert_eq!(at_limit.len(), MAX_MESSAGE_BYTES);
    assert_eq!(code(&at_limit), Ok("ping"));
    // ...one byte more is not, even though it is valid JSON.
    assert_eq!(code(&format!("{at_limit} ")), Err(ErrorCode::MessageTooLarge));
    // Oversized garbage is `message_too_large`, not `bad_message`.
    assert_eq!(code(&"x".repeat(MAX_MESSAGE_BYTES + 1)), Err(ErrorCode::MessageTooLarge));
    // Bytes, not chars: 'é' is two bytes in UTF-8.
    let sdp = "é".repeat(MAX_MESSAGE_BYTES / 2);
    let frame = format!(r#"{{"v":1,"type":"answer","pc":"subscriber","sdp":"{sdp}"}}"#);
    assert!(frame.chars().count() < MAX_MESSAGE_BYTES);
    assert_eq!(code(&frame), Err(ErrorCode::MessageTooLarge));
    let e = decode_frame(&frame).unwrap_err();
    assert!(e.message.contains(&frame.len().to_string()), "{}", e.message);
}

#[test]
fn version_errors_say_what_is_wrong() {
    assert_eq!(decode_frame(r#"{"type":"ping"}"#).unwrap_err().message, "missing field `v`");
    assert_eq!(decode_frame(r#"{"v":"1","type":"ping"}"#).unwrap_err().message, "field `v` must be the integer 1");
    assert!(decode_frame(r#"{"v":2,"type":"ping"}"#).unwrap_err().message.contains("version 2"));
}

#[test]
fn deeply_nested_json_is_rejected_not_overflowed() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(code(&deep), Err(ErrorCode::BadMessage));
    let deep_obj = format!(r#"{{"v":1,"type":"ping","ts":{}1{}}}"#, "[".repeat(5_000), "]".repeat(5_000));
    assert_eq!(code(&deep_obj), Err(ErrorCode::BadMessage));
}

fn all_client_messages() -> Vec<ClientMessage> {
    vec![
        ClientMessage::Auth { id: Some("1".into()), token: "eyJ.x.y".into() },
        ClientMessage::Auth { id: None, token: String::new() },
        ClientMessage::Join {
            id: Some("2".into()),
            call_id: Some("CA_1".into()),
            name: Some("Maria".into()),
            resume: Some(ResumeRequest { participant_id: "PA_1".into(), resume_token: "r".into() }),
        },
        ClientMessage::Join { id: None, call_id: None, name: None, resume: None },
        ClientMessage::Offer {
            id: Some("3".into()),
            pc: PeerRole::Publisher,
            sdp: "v=0\r\n".into(),
            tracks: vec![
                TrackAnnouncement { mid: "0".into(), source: TrackSource::Microphone, muted: true },
                TrackAnnouncement { mid: "1".into(), source: TrackSource::ItemCamera, muted: false },
            ],
        },
        ClientMessage::Answer { id: None, pc: PeerRole::Subscriber, sdp: "v=0\r\n".into() },
        ClientMessage::Candidate {
            pc: PeerRole::Subscriber,
            candidate: IceCandidate {
                candidate: "candidate:1 1 udp 1 192.0.2.1 9 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_m_line_index: Some(0),
                username_fragment: Some("abcd".into()),
            },
        },
        ClientMessage::Mute { id: Some("4".into()), mid: "0".into(), muted: true },
        ClientMessage::SetQuality { track_id: "TR_1".into(), max_layer: Some(2) },
        ClientMessage::SetQuality { track_id: "TR_1".into(), max_layer: None },
        ClientMessage::SetCaptions { enabled: true },
        ClientMessage::SetCaptions { enabled: false },
        ClientMessage::RestartIce { pc: PeerRole::Subscriber },
        ClientMessage::Leave {},
        ClientMessage::Ping { ts: Some(1_700_000_000_000.0) },
        ClientMessage::Ping { ts: None },
    ]
}

#[test]
fn every_client_message_round_trips_through_the_envelope() {
    for msg in all_client_messages() {
        let text = serde_json::to_string(&Envelope { v: 1, msg: msg.clone() }).unwrap();
        assert_eq!(decode_frame(&text).as_ref(), Ok(&msg), "{text}");
        let env: Envelope<ClientMessage> = serde_json::from_str(&text).unwrap();
        assert_eq!((env.v, env.msg), (1, msg));
    }
}

#[test]
fn encode_adds_the_envelope() {
    let text = encode(ServerMessage::Pong { ts: None, server_time_ms: 5 });
    assert_eq!(text, r#"{"v":1,"type":"pong","server_time_ms":5}"#);
    let back: Envelope<ServerMessage> = serde_json::from_str(&text).unwrap();
    assert_eq!(back.v, 1);
    assert_eq!(back.msg, ServerMessage::Pong { ts: None, server_time_ms: 5 });
}

#[test]
fn transcripts_omit_empty_optional_fields() {
    let partial = ServerMessage::Transcript {
        participant_id: "PA_1".into(),
        role: Role::Agent,
        utterance: 3,
        status: TranscriptStatus::Partial,
        start_s: 1.25,
        end_s: 2.0,
        text: "the green".into(),
        tentative: String::new(),
        language: None,
        confidence: None,
    };
    let text = encode(&partial);
    assert_eq!(
        text,
        r#"{"v":1,"type":"transcript","participant_id":"PA_1","role":"agent","utterance":3,"status":"partial","start_s":1.25,"end_s":2.0,"text":"the green"}"#
    );
    let back: Envelope<ServerMessage> = serde_json::from_str(&text).unwrap();
    assert_eq!(back.msg, partial);
    let not_transcribed = ServerMessage::Transcript {
        participant_id: "PA_1".into(),
        role: Role::Customer,
        utterance: 4,
        status: TranscriptStatus::NotTranscribed,
        start_s: 3.5,
        end_s: 4.0,
        text: String::new(),
        tentative: "overloaded".into(),
        language: None,
        confidence: Some(0.875),
    };
    assert_eq!(
        encode(&not_transcribed),
        r#"{"v":1,"type":"transcript","participant_id":"PA_1","role":"customer","utterance":4,"status":"not_transcribed","start_s":3.5,"end_s":4.0,"text":"","tentative":"overloaded","confidence":0.875}"#
    );
}

/// Builds frames that are JSON objects with random keys and values, often close to valid.
fn arb_frame() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
        "[a-z_]{0,12}".prop_map(serde_json::Value::from),
        prop::sample::select(vec!["publisher", "subscriber", "camera", "auth", "join", "ping", "offer"])
            .prop_map(serde_json::Value::from),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    let ty = prop::sample::select(vec![
        "auth", "join", "offer", "answer", "candidate", "mute", "set_quality", "set_captions", "restart_ice", "leave", "ping",
        "pong", "",
    ]);
    let keys = prop::sample::select(vec![
        "id", "token", "call_id", "name", "resume", "pc", "sdp", "tracks", "candidate", "mid", "muted", "track_id",
        "max_layer", "ts", "enabled", "x",
    ]);
    (prop::option::of(0u64..3), ty, prop::collection::vec((keys, value), 0..5)).prop_map(|(v, ty, fields)| {
        let mut obj = serde_json::Map::new();
        if let Some(v) = v {
            obj.insert("v".into(), v.into());
        }
        obj.insert("type".into(), ty.into());
        for (k, val) in fields {
            obj.insert(k.into(), val);
        }
        serde_json::Value::Object(obj).to_string()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn never_panics_on_arbitrary_strings(s in any::<String>()) {
        let _ = decode_frame(&s);
    }

    #[test]
    fn never_panics_on_json_like_strings(s in r#"[\{\}\[\]":,0-9a-z_ \\]{0,64}"#) {
        if let Err(e) = decode_frame(&s) {
            prop_assert!(!e.message.is_empty());
        }
    }

    /// Whatever decodes re-encodes to a frame that decodes to the same message.
    #[test]
    fn decoded_frames_round_trip(s in arb_frame()) {
        match decode_frame(&s) {
            Ok(msg) => {
                let again = serde_json::to_string(&Envelope { v: 1, msg: msg.clone() }).unwrap();
                prop_assert_eq!(decode_frame(&again), Ok(msg));
            }
            Err(e) => prop_assert!(matches!(
                e.code,
                ErrorCode::BadMessage | ErrorCode::UnsupportedVersion
            ), "{:?}", e),
        }
    }
}
