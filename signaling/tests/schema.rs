//! `schema/v1.json` against the serde types, and every example frame in `PROTOCOL.md` against
//! the schema and the decoder.
//!
//! Doc convention: a fenced block tagged ```` ```json client ```` holds frames a client sends,
//! ```` ```json server ```` frames the server sends (one or more JSON values per block);
//! ```` ```json claims ```` holds token claims and ```` ```json http ```` HTTP bodies.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use showroom_signaling::{OvertalkEvent, OvertalkKind, 
    decode_frame, encode, Claims, ClientMessage, Envelope, ErrorCode, IceCandidate, LeaveReason, ParticipantInfo,
    PeerRole, ResumeRequest, Role, ServerMessage, SubscribedTrack, TrackAnnouncement, TrackInfo, TrackKind,
    TrackSource, TranscriptStatus,
};

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/v1.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The schema with its root replaced by a reference to one of its `$defs`.
fn rooted(mut schema: Value, def: &str) -> Value {
    let root = schema.as_object_mut().unwrap();
    root.remove("anyOf");
    root.insert("$ref".into(), Value::from(format!("#/$defs/{def}")));
    schema
}

/// Every object definition closed with `additionalProperties: false`: catches typos in the
/// doc's examples, which the open (forward-compatible) server definitions would let through.
fn strict(mut schema: Value) -> Value {
    for def in schema["$defs"].as_object_mut().unwrap().values_mut() {
        if def.get("type") == Some(&Value::from("object")) {
            def.as_object_mut().unwrap().insert("additionalProperties".into(), Value::Bool(false));
        }
    }
    schema
}

struct Validators {
    client: jsonschema::Validator,
    server: jsonschema::Validator,
    strict_client: jsonschema::Validator,
    strict_server: jsonschema::Validator,
    root: jsonschema::Validator,
}

fn validators() -> Validators {
    let s = schema();
    let build = |v: &Value| jsonschema::draft202012::new(v).unwrap_or_else(|e| panic!("schema does not compile: {e}"));
    Validators {
        client: build(&rooted(s.clone(), "ClientMessage")),
        server: build(&rooted(s.clone(), "ServerMessage")),
        strict_client: build(&rooted(strict(s.clone()), "ClientMessage")),
        strict_server: build(&rooted(strict(s.clone()), "ServerMessage")),
        root: build(&s),
    }
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> String {
    v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect::<Vec<_>>().join("; ")
}

#[track_caller]
fn assert_valid(v: &jsonschema::Validator, instance: &Value) {
    assert!(v.is_valid(instance), "{instance}\n  does not validate: {}", errors(v, instance));
}

#[test]
fn schema_is_a_valid_2020_12_schema() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert!(jsonschema::meta::is_valid(&s));
    let _ = validators();
}

fn enum_of(def: &str) -> Vec<String> {
    schema()["$defs"][def]["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

fn serde_names<T: serde::Serialize>(items: &[T]) -> Vec<String> {
    items.iter().map(|i| serde_json::to_value(i).unwrap().as_str().unwrap().to_owned()).collect()
}

#[test]
fn schema_enums_match_serde() {
    assert_eq!(enum_of("ErrorCode"), ErrorCode::ALL.map(|c| c.as_str().to_owned()).to_vec());
    assert_eq!(
        enum_of("Role"),
        serde_names(&[Role::Customer, Role::Agent, Role::Supervisor, Role::Reviewer, Role::Admin])
    );
    assert_eq!(enum_of("PeerRole"), serde_names(&[PeerRole::Publisher, PeerRole::Subscriber]));
    assert_eq!(enum_of("TrackKind"), serde_names(&[TrackKind::Audio, TrackKind::Video]));
    assert_eq!(
        enum_of("TrackSource"),
        serde_names(&[TrackSource::Camera, TrackSource::Microphone, TrackSource::Screen, TrackSource::ItemCamera])
    );
    assert_eq!(
        enum_of("LeaveReason"),
        serde_names(&[LeaveReason::Left, LeaveReason::Timeout, LeaveReason::Kicked, LeaveReason::CallEnded])
    );
    assert_eq!(
        enum_of("TranscriptStatus"),
        serde_names(&[TranscriptStatus::Partial, TranscriptStatus::Final, TranscriptStatus::NotTranscribed])
    );
}

fn participant(id: &str, role: Role, name: Option<&str>) -> ParticipantInfo {
    ParticipantInfo {
        participant_id: id.into(),
        identity: format!("{}-1", role.as_str()),
        role,
        name: name.map(str::to_owned),
        listen_only: role == Role::Supervisor,
    }
}

fn track() -> TrackInfo {
    TrackInfo {
        track_id: "TR_PA_a_1".into(),
        participant_id: "PA_a".into(),
        kind: TrackKind::Video,
        source: TrackSource::ItemCamera,
        muted: false,
        layers: 3,
    }
}

fn candidate(full: bool) -> IceCandidate {
    IceCandidate {
        candidate: "candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host".into(),
        sdp_mid: full.then(|| "0".into()),
        sdp_m_line_index: full.then_some(0),
        username_fragment: full.then(|| "Zx9q".into()),
    }
}

/// Every client message variant with every optional field set (`full`) or unset.
fn client_messages(full: bool) -> Vec<ClientMessage> {
    let id = |s: &str| full.then(|| s.to_owned());
    let msgs = vec![
        ClientMessage::Auth { id: id("1"), token: "eyJhbGciOiJIUzI1NiJ9.e30.sig".into() },
        ClientMessage::Join {
            id: id("2"),
            call_id: id("CA_1"),
            name: id("Maria"),
            resume: full.then(|| ResumeRequest { participant_id: "PA_1".into(), resume_token: "r".into() }),
        },
        ClientMessage::Offer {
            id: id("3"),
            pc: PeerRole::Publisher,
            sdp: "v=0\r\n".into(),
            tracks: vec![TrackAnnouncement { mid: "0".into(), source: TrackSource::Screen, muted: full }],
        },
        ClientMessage::Answer { id: id("4"), pc: PeerRole::Subscriber, sdp: "v=0\r\n".into() },
        ClientMessage::Candidate { pc: PeerRole::Publisher, candidate: candidate(full) },
        ClientMessage::Mute { id: id("5"), mid: "0".into(), muted: true },
        ClientMessage::SetQuality { track_id: "TR_1".into(), max_layer: full.then_some(255) },
        ClientMessage::SetCaptions { enabled: full },
        ClientMessage::RestartIce { pc: PeerRole::Subscriber },
        ClientMessage::Leave {},
        ClientMessage::Ping { ts: full.then_some(1.5) },
    ];
    // Exhaustiveness: one of each variant, in declaration order.
    let order = |m: &ClientMessage| match m {
        ClientMessage::Auth { .. } => 0,
        ClientMessage::Join { .. } => 1,
        ClientMessage::Offer { .. } => 2,
        ClientMessage::Answer { .. } => 3,
        ClientMessage::Candidate { .. } => 4,
        ClientMessage::Mute { .. } => 5,
        ClientMessage::SetQuality { .. } => 6,
        ClientMessage::SetCaptions { .. } => 7,
        ClientMessage::RestartIce { .. } => 8,
        ClientMessage::Leave {} => 9,
        ClientMessage::Ping { .. } => 10,
    };
    assert!(msgs.iter().map(order).eq(0..11));
    msgs
}

/// Every server message variant with every optional field set (`full`) or unset.
fn server_messages(full: bool) -> Vec<ServerMessage> {
    let r = |s: &str| full.then(|| s.to_owned());
    let msgs = vec![
        ServerMessage::Authed { r#ref: r("1"), identity: "shopper-x".into(), role: Role::Customer, call_id: "CA_1".into() },
        ServerMessage::Joined {
            r#ref: r("2"),
            participant_id: "PA_a".into(),
            resume_token: "tok".into(),
            resume_window_s: 15,
            resumed: full,
            participants: vec![
                participant("PA_a", Role::Customer, full.then_some("Maria")),
                participant("PA_b", Role::Supervisor, None),
            ],
            tracks: if full { vec![track()] } else { vec![] },
        },
        ServerMessage::Offer {
            pc: PeerRole::Subscriber,
            sdp: "v=0\r\n".into(),
            tracks: vec![SubscribedTrack {
                mid: "0".into(),
                track_id: "TR_PA_b_0".into(),
                participant_id: "PA_b".into(),
                kind: TrackKind::Audio,
            }],
        },
        ServerMessage::Answer { r#ref: r("3"), pc: PeerRole::Publisher, sdp: "v=0\r\n".into() },
        ServerMessage::Candidate { pc: PeerRole::Subscriber, candidate: candidate(full) },
        ServerMessage::ParticipantJoined { participant: participant("PA_c", Role::Agent, full.then_some("Ana")) },
        ServerMessage::ParticipantLeft { participant_id: "PA_c".into(), reason: LeaveReason::CallEnded },
        ServerMessage::TrackPublished { track: track() },
        ServerMessage::TrackUnpublished { track_id: "TR_1".into(), participant_id: "PA_a".into() },
        ServerMessage::TrackMuted { track_id: "TR_1".into(), participant_id: "PA_a".into(), muted: true },
        ServerMessage::Transcript {
            participant_id: "PA_a".into(),
            role: Role::Customer,
            utterance: 7,
            status: if full { TranscriptStatus::Final } else { TranscriptStatus::Partial },
            start_s: 12.5,
            end_s: 14.75,
            text: "Does it come in green?".into(),
            tentative: if full { "maybe".into() } else { String::new() },
            language: full.then(|| "en".into()),
            confidence: full.then_some(0.875),
        },
        ServerMessage::Overtalk {
            id: 4,
            event: if full { OvertalkEvent::Resolved } else { OvertalkEvent::Alert },
            interrupter: Role::Agent,
            interrupted: Role::Customer,
            onset_s: 41.23,
            kind: full.then_some(OvertalkKind::Interruption),
            overlap_s: full.then_some(1.6),
        },
        ServerMessage::Queue { position: 2, estimated_wait_s: full.then_some(42.5), agents_online: 3, ringing: full },
        ServerMessage::Pong { ts: full.then_some(1_700_000_000_123.0), server_time_ms: 1_700_000_000_456 },
        ServerMessage::Error { r#ref: r("4"), code: ErrorCode::CallFull, message: "full".into(), fatal: true },
    ];
    let order = |m: &ServerMessage| match m {
        ServerMessage::Authed { .. } => 0,
        ServerMessage::Joined { .. } => 1,
        ServerMessage::Offer { .. } => 2,
        ServerMessage::Answer { .. } => 3,
        ServerMessage::Candidate { .. } => 4,
        ServerMessage::ParticipantJoined { .. } => 5,
        ServerMessage::ParticipantLeft { .. } => 6,
        ServerMessage::TrackPublished { .. } => 7,
        ServerMessage::TrackUnpublished { .. } => 8,
        ServerMessage::TrackMuted { .. } => 9,
        ServerMessage::Transcript { .. } => 10,
        ServerMessage::Overtalk { .. } => 11,
        ServerMessage::Queue { .. } => 12,
        ServerMessage::Pong { .. } => 13,
        ServerMessage::Error { .. } => 14,
    };
    assert!(msgs.iter().map(order).eq(0..15));
    msgs
}

fn client_frame(m: &ClientMessage) -> Value {
    serde_json::to_value(Envelope { v: 1, msg: m.clone() }).unwrap()
}

fn server_frame(m: &ServerMessage) -> Value {
    serde_json::from_str(&encode(m)).unwrap()
}

#[test]
fn every_rust_message_validates() {
    let v = validators();
    for full in [true, false] {
        for m in client_messages(full) {
            let frame = client_frame(&m);
            assert_valid(&v.client, &frame);
            assert_valid(&v.strict_client, &frame);
            assert_valid(&v.root, &frame);
        }
        for m in server_messages(full) {
            let frame = server_frame(&m);
            assert_valid(&v.server, &frame);
            assert_valid(&v.strict_server, &frame);
            assert_valid(&v.root, &frame);
            if full && !matches!(m, ServerMessage::Candidate { .. }) {
                // A candidate has the same shape both ways (and a server `answer` without `ref`
                // looks like a client's); nothing else a server sends is a client message.
                assert!(!v.client.is_valid(&frame), "server frame validates as a client message: {frame}");
            }
        }
    }
}

fn serde_accepts_client(frame: &Value) -> bool {
    decode_frame(&frame.to_string()).is_ok()
}

fn serde_accepts_server(frame: &Value) -> bool {
    serde_json::from_value::<Envelope<ServerMessage>>(frame.clone()).is_ok()
}

/// For every property of every fully populated frame: removing it, nulling it, and (at the top
/// level) adding an unknown sibling must be accepted by the schema exactly when serde accepts it.
/// This pins `required`, nullability and `additionalProperties` to the Rust types.
#[test]
fn schema_agrees_with_serde_on_mutations() {
    let v = validators();
    let mut checked = 0;
    let mut check = |frame: Value, what: String, validator: &jsonschema::Validator, accepts: &dyn Fn(&Value) -> bool| {
        let serde = accepts(&frame);
        let schema = validator.is_valid(&frame);
        assert_eq!(schema, serde, "{what}: schema says {schema}, serde says {serde}\n  {frame}");
        checked += 1;
    };
    let cases: Vec<(Value, bool)> = client_messages(true)
        .iter()
        .map(|m| (client_frame(m), true))
        .chain(server_messages(true).iter().map(|m| (server_frame(m), false)))
        .collect();
    for (frame, is_client) in cases {
        let (validator, accepts): (&jsonschema::Validator, &dyn Fn(&Value) -> bool) =
            if is_client { (&v.client, &serde_accepts_client) } else { (&v.server, &serde_accepts_server) };
        let ty = frame["type"].as_str().unwrap().to_owned();
        for path in object_paths(&frame, Vec::new()) {
            if path.last().is_some_and(|k| k == "type") {
                continue; // the tag: removing or nulling it is a different message, covered below
            }
            let mut removed = frame.clone();
            edit(&mut removed, &path, None);
            check(removed, format!("{ty}: without {}", path.join(".")), validator, accepts);
            let mut nulled = frame.clone();
            edit(&mut nulled, &path, Some(Value::Null));
            check(nulled, format!("{ty}: {} = null", path.join(".")), validator, accepts);
        }
        let mut extra = frame.clone();
        extra.as_object_mut().unwrap().insert("zz_unknown".into(), Value::from(1));
        check(extra, format!("{ty}: unknown field"), validator, accepts);
        let mut untyped = frame.clone();
        untyped.as_object_mut().unwrap().remove("type");
        check(untyped, format!("{ty}: no type"), validator, accepts);
    }
    assert!(checked > 150, "only {checked} mutations checked");
}

/// Paths to every object property (recursing into objects and the first array element).
fn object_paths(value: &Value, prefix: Vec<String>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let mut p = prefix.clone();
                p.push(k.clone());
                out.push(p.clone());
                out.extend(object_paths(v, p));
            }
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                let mut p = prefix;
                p.push("0".into());
                out.extend(object_paths(first, p));
            }
        }
        _ => {}
    }
    out
}

/// Removes (`None`) or replaces the property at `path`.
fn edit(value: &mut Value, path: &[String], new: Option<Value>) {
    let (last, parents) = path.split_last().unwrap();
    let mut cur = value;
    for p in parents {
        cur = match cur {
            Value::Array(a) => &mut a[p.parse::<usize>().unwrap()],
            other => &mut other[p.as_str()],
        };
    }
    let obj = cur.as_object_mut().unwrap();
    match new {
        None => {
            obj.remove(last);
        }
        Some(n) => {
            obj.insert(last.clone(), n);
        }
    }
}

#[test]
fn invalid_frames_do_not_validate() {
    let v = validators();
    let bad_client = [
        json!({"type": "ping"}),
        json!({"v": 2, "type": "ping"}),
        json!({"v": "1", "type": "ping"}),
        json!({"v": 1, "type": "no_such_type"}),
        json!({"v": 1, "type": "ping", "id": "1"}),
        json!({"v": 1, "type": "auth"}),
        json!({"v": 1, "type": "auth", "token": "t", "extra": true}),
        json!({"v": 1, "type": "offer", "pc": "both", "sdp": "x"}),
        json!({"v": 1, "type": "offer", "pc": "publisher", "sdp": "x", "tracks": null}),
        json!({"v": 1, "type": "offer", "pc": "publisher", "sdp": "x", "tracks": [{"mid": "0", "source": "webcam"}]}),
        json!({"v": 1, "type": "set_quality", "track_id": "t", "max_layer": 256}),
        json!({"v": 1, "type": "set_quality", "track_id": "t", "max_layer": -1}),
        json!({"v": 1, "type": "candidate", "pc": "publisher", "candidate": {"sdpMid": "0"}}),
        json!({"v": 1, "type": "join", "resume": {"participant_id": "PA_1"}}),
        json!({"v": 1, "type": "leave", "reason": "bye"}),
        json!({"v": 1, "type": "set_captions"}),
        json!({"v": 1, "type": "set_captions", "enabled": null}),
        json!({"v": 1, "type": "set_captions", "enabled": "true"}),
        json!({"v": 1, "type": "set_captions", "enabled": true, "id": "1"}),
        json!([{"v": 1, "type": "ping"}]),
    ];
    for frame in &bad_client {
        assert!(!v.client.is_valid(frame), "should not validate: {frame}");
        assert!(!serde_accepts_client(frame), "serde should reject too: {frame}");
    }
    let bad_server = [
        json!({"v": 1, "type": "error", "code": "teapot", "message": "x", "fatal": false}),
        json!({"v": 1, "type": "error", "code": "internal", "message": "x"}),
        json!({"v": 1, "type": "joined", "participant_id": "p", "resume_window_s": 15, "resumed": false, "participants": [], "tracks": []}),
        json!({"v": 1, "type": "joined", "participant_id": "p", "resume_token": "t", "resume_window_s": -1, "resumed": false, "participants": [], "tracks": []}),
        json!({"v": 1, "type": "participant_left", "participant_id": "p", "reason": "bored"}),
        json!({"v": 1, "type": "track_published", "track": {"track_id": "t", "participant_id": "p", "kind": "video", "source": "webcam", "muted": false, "layers": 1}}),
        json!({"v": 1, "type": "track_published", "track": {"track_id": "t", "participant_id": "p", "kind": "video", "source": "camera", "muted": false}}),
        json!({"v": 1, "type": "authed", "identity": "x", "role": "guest", "call_id": "c"}),
        json!({"v": 1, "type": "offer", "pc": "subscriber", "sdp": "x"}),
        json!({"v": 1, "type": "transcript", "participant_id": "p", "role": "agent", "utterance": 1, "status": "done", "start_s": 1.0, "end_s": 2.0, "text": "x"}),
        json!({"v": 1, "type": "transcript", "participant_id": "p", "role": "agent", "utterance": -1, "status": "final", "start_s": 1.0, "end_s": 2.0, "text": "x"}),
        json!({"v": 1, "type": "transcript", "participant_id": "p", "role": "agent", "utterance": 1, "status": "partial", "start_s": 1.0, "end_s": 2.0}),
        json!({"v": 1, "type": "transcript", "participant_id": "p", "role": "agent", "utterance": 1, "status": "partial", "start_s": 1.0, "end_s": 2.0, "text": "x", "tentative": null}),
        json!({"v": 1, "type": "transcript", "participant_id": "p", "role": "agent", "utterance": 1, "status": "final", "start_s": "1.0", "end_s": 2.0, "text": "x"}),
        json!({"type": "pong", "server_time_ms": 1}),
        json!({"v": 1, "type": "ping"}),
    ];
    for frame in &bad_server {
        assert!(!v.server.is_valid(frame), "should not validate: {frame}");
        assert!(!serde_accepts_server(frame), "serde should reject too: {frame}");
    }
    // Server frames are open for additions; the strict copy used for the doc is not.
    let extended = json!({"v": 1, "type": "pong", "server_time_ms": 1, "future_field": true});
    assert_valid(&v.server, &extended);
    assert!(!v.strict_server.is_valid(&extended));
}

/// One fenced block of PROTOCOL.md: its tag (`client`, `server`, ...), first line, and values.
struct Block {
    tag: String,
    line: usize,
    values: Vec<Value>,
}

fn doc_blocks() -> Vec<Block> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/PROTOCOL.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let mut blocks = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (i, line) in doc.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(info)) => open = Some((info.trim().to_owned(), i + 1, String::new())),
            (Some(_), Some(_)) => {
                let (info, start, body) = open.take().unwrap();
                if let Some(tag) = info.strip_prefix("json") {
                    let values = serde_json::Deserializer::from_str(&body)
                        .into_iter::<Value>()
                        .collect::<Result<Vec<_>, _>>()
                        .unwrap_or_else(|e| panic!("PROTOCOL.md:{start}: not JSON: {e}"));
                    assert!(!values.is_empty(), "PROTOCOL.md:{start}: empty json block");
                    blocks.push(Block { tag: tag.trim().to_owned(), line: start, values });
                }
            }
            (Some((_, _, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "PROTOCOL.md: unclosed code fence");
    blocks
}

#[test]
fn every_doc_example_validates() {
    let v = validators();
    let (mut client_types, mut server_types) = (BTreeSet::new(), BTreeSet::new());
    let mut frames = 0;
    for b in doc_blocks() {
        for (n, frame) in b.values.iter().enumerate() {
            let at = format!("PROTOCOL.md:{} (value {})", b.line, n + 1);
            match b.tag.as_str() {
                "client" => {
                    assert!(v.strict_client.is_valid(frame), "{at}: {}\n  {frame}", errors(&v.strict_client, frame));
                    assert_valid(&v.client, frame);
                    if let Err(e) = decode_frame(&frame.to_string()) {
                        panic!("{at}: the server would reject this frame: {e}\n  {frame}");
                    }
                    client_types.insert(frame["type"].as_str().unwrap().to_owned());
                }
                "server" => {
                    assert!(v.strict_server.is_valid(frame), "{at}: {}\n  {frame}", errors(&v.strict_server, frame));
                    assert_valid(&v.server, frame);
                    let msg = serde_json::from_value::<Envelope<ServerMessage>>(frame.clone())
                        .unwrap_or_else(|e| panic!("{at}: does not deserialize: {e}"));
                    // Exactly what the server would put on the wire: no missing defaults, no
                    // nulls, integers and floats where serde writes them.
                    let wire: Value = serde_json::from_str(&encode(&msg.msg)).unwrap();
                    assert_eq!(&wire, frame, "{at}: the server would send this differently");
                    server_types.insert(frame["type"].as_str().unwrap().to_owned());
                }
                "claims" => {
                    let c: Claims = serde_json::from_value(frame.clone()).unwrap_or_else(|e| panic!("{at}: {e}"));
                    assert_eq!(&serde_json::to_value(&c).unwrap(), frame, "{at}: claims do not round-trip");
                }
                "http" => {}
                other => panic!("{at}: untagged or unknown json block `{other}`; use client, server, claims or http"),
            }
            frames += 1;
        }
    }
    let all_client: BTreeSet<String> = client_messages(true).iter().map(|m| m.type_name().to_owned()).collect();
    let all_server: BTreeSet<String> =
        server_messages(true).iter().map(|m| server_frame(m)["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(client_types, all_client, "PROTOCOL.md must show every client message");
    assert_eq!(server_types, all_server, "PROTOCOL.md must show every server message");
    assert!(frames >= 40, "only {frames} example values in PROTOCOL.md");
}

#[test]
fn doc_error_table_lists_every_code_with_its_fatality() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/PROTOCOL.md")).unwrap();
    for code in ErrorCode::ALL {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", code.as_str())))
            .unwrap_or_else(|| panic!("PROTOCOL.md has no error table row for `{}`", code.as_str()));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let fatal = match cells[3] {
            "yes" => true,
            "no" => false,
            other => panic!("row for {}: fatal column is `{other}`", code.as_str()),
        };
        assert_eq!(fatal, code.is_fatal(), "PROTOCOL.md: fatality of `{}`", code.as_str());
    }
}
