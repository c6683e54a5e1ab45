//! Table-driven tests of the per-connection [`Session`] state machine: for every state and every
//! client message, the expected [`Request`] variant or [`ErrorCode`].

use showroom_signaling::{
    Claims, ClientMessage, ErrorCode, IceCandidate, PeerRole, Request, ResumeRequest, Role, Session, SessionState,
    TokenKeys, TrackAnnouncement, TrackSource,
};

const SECRET: &[u8] = b"test-secret";
const NOW: u64 = 1_700_000_000;
const CALL: &str = "CA_test";

fn keys() -> TokenKeys {
    TokenKeys::new(SECRET)
}

fn claims(role: Role, call: Option<&str>) -> Claims {
    Claims {
        sub: format!("{}-1", role.as_str()),
        role,
        call: call.map(str::to_owned),
        name: None,
        listen_only: false,
        tenant: None,
        iat: NOW - 10,
        exp: NOW + 3600,
    }
}

fn token(c: &Claims) -> String {
    keys().mint(c).unwrap()
}

fn auth(token: String) -> ClientMessage {
    ClientMessage::Auth { id: Some("a".into()), token }
}

/// The states a table row starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    AwaitingAuth,
    Authed,
    Joined,
    /// Joined as a listen-only supervisor.
    JoinedListenOnly,
    Closed,
}

const STARTS: [Start; 5] = [Start::AwaitingAuth, Start::Authed, Start::Joined, Start::JoinedListenOnly, Start::Closed];

fn session_in(start: Start) -> Session {
    let mut s = Session::new();
    let c = match start {
        Start::JoinedListenOnly => Claims { listen_only: true, ..claims(Role::Supervisor, Some(CALL)) },
        _ => claims(Role::Customer, Some(CALL)),
    };
    if start != Start::AwaitingAuth {
        assert!(matches!(s.handle(auth(token(&c)), &keys(), NOW), Ok(Request::Authed(_))));
    }
    if matches!(start, Start::Joined | Start::JoinedListenOnly | Start::Closed) {
        s.joined("PA_me".into());
    }
    if start == Start::Closed {
        s.close();
    }
    s
}

/// One message of every shape the state machine distinguishes, by a short name.
fn messages() -> Vec<(&'static str, ClientMessage)> {
    let cand = IceCandidate {
        candidate: "candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    };
    vec![
        ("auth", auth(token(&claims(Role::Customer, Some(CALL))))),
        ("join", ClientMessage::Join { id: None, call_id: None, name: Some("Maria".into()), resume: None }),
        (
            "offer_pub",
            ClientMessage::Offer {
                id: Some("o".into()),
                pc: PeerRole::Publisher,
                sdp: "v=0".into(),
                tracks: vec![TrackAnnouncement { mid: "0".into(), source: TrackSource::Camera, muted: false }],
            },
        ),
        ("offer_sub", ClientMessage::Offer { id: None, pc: PeerRole::Subscriber, sdp: "v=0".into(), tracks: vec![] }),
        ("answer_sub", ClientMessage::Answer { id: None, pc: PeerRole::Subscriber, sdp: "v=0".into() }),
        ("answer_pub", ClientMessage::Answer { id: None, pc: PeerRole::Publisher, sdp: "v=0".into() }),
        ("candidate", ClientMessage::Candidate { pc: PeerRole::Publisher, candidate: cand }),
        ("mute", ClientMessage::Mute { id: None, mid: "0".into(), muted: true }),
        ("set_quality", ClientMessage::SetQuality { track_id: "TR_x_0".into(), max_layer: Some(0) }),
        ("set_captions", ClientMessage::SetCaptions { enabled: true }),
        ("restart_ice_sub", ClientMessage::RestartIce { pc: PeerRole::Subscriber }),
        ("restart_ice_pub", ClientMessage::RestartIce { pc: PeerRole::Publisher }),
        ("leave", ClientMessage::Leave {}),
        ("ping", ClientMessage::Ping { ts: Some(1.5) }),
    ]
}

/// Exhaustive over `ClientMessage`: adding a variant breaks this until the table covers it.
fn variant_name(m: &ClientMessage) -> &'static str {
    match m {
        ClientMessage::Auth { .. } => "auth",
        ClientMessage::Join { .. } => "join",
        ClientMessage::Offer { .. } => "offer",
        ClientMessage::Answer { .. } => "answer",
        ClientMessage::Candidate { .. } => "candidate",
        ClientMessage::Mute { .. } => "mute",
        ClientMessage::SetQuality { .. } => "set_quality",
        ClientMessage::SetCaptions { .. } => "set_captions",
        ClientMessage::RestartIce { .. } => "restart_ice",
        ClientMessage::Leave {} => "leave",
        ClientMessage::Ping { .. } => "ping",
    }
}

fn request_name(r: &Request) -> &'static str {
    match r {
        Request::Authed(_) => "Authed",
        Request::Join { .. } => "Join",
        Request::PublisherOffer { .. } => "PublisherOffer",
        Request::SubscriberAnswer { .. } => "SubscriberAnswer",
        Request::Candidate { .. } => "Candidate",
        Request::Mute { .. } => "Mute",
        Request::SetQuality { .. } => "SetQuality",
        Request::RestartSubscriberIce => "RestartSubscriberIce",
        Request::SetCaptions { .. } => "SetCaptions",
        Request::Leave => "Leave",
        Request::Ping { .. } => "Ping",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Ok(&'static str),
    Err(ErrorCode),
}

use ErrorCode::{Forbidden, NotAuthenticated as NA, OutOfOrder as OOO};
use Expect::{Err as E, Ok as K};

/// Columns follow `messages()`:
/// auth, join, offer_pub, offer_sub, answer_sub, answer_pub, candidate, mute, set_quality,
/// set_captions, restart_ice_sub, restart_ice_pub, leave, ping.
fn table() -> Vec<(Start, [Expect; 14])> {
    vec![
        (Start::AwaitingAuth, [K("Authed"), E(NA), E(NA), E(NA), E(NA), E(NA), E(NA), E(NA), E(NA), E(NA), E(NA), E(NA), E(NA), K("Ping")]),
        (Start::Authed, [E(OOO), K("Join"), E(OOO), E(OOO), E(OOO), E(OOO), E(OOO), E(OOO), E(OOO), E(OOO), E(OOO), E(OOO), E(OOO), K("Ping")]),
        (
            Start::Joined,
            [
                E(OOO),
                E(OOO),
                K("PublisherOffer"),
                E(OOO),
                K("SubscriberAnswer"),
                E(OOO),
                K("Candidate"),
                K("Mute"),
                K("SetQuality"),
                K("SetCaptions"),
                K("RestartSubscriberIce"),
                E(OOO),
                K("Leave"),
                K("Ping"),
            ],
        ),
        (
            Start::JoinedListenOnly,
            [
                E(OOO),
                E(OOO),
                E(Forbidden),
                E(OOO),
                K("SubscriberAnswer"),
                E(OOO),
                K("Candidate"),
                K("Mute"),
                K("SetQuality"),
                K("SetCaptions"),
                K("RestartSubscriberIce"),
                E(OOO),
                K("Leave"),
                K("Ping"),
            ],
        ),
        (Start::Closed, [E(OOO); 14]),
    ]
}

fn outcome(r: Result<Request, showroom_signaling::SignalError>) -> Expect {
    match r {
        Ok(req) => Expect::Ok(request_name(&req)),
        Err(e) => Expect::Err(e.code),
    }
}

#[test]
fn every_state_times_every_message() {
    let msgs = messages();
    let table = table();
    assert_eq!(table.iter().map(|(s, _)| *s).collect::<Vec<_>>(), STARTS, "one row per state, in order");
    // Every ClientMessage variant appears at least once.
    let mut seen: Vec<&str> = msgs.iter().map(|(_, m)| variant_name(m)).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 11, "the table must cover every ClientMessage variant: {seen:?}");
    let mut failures = Vec::new();
    for (start, row) in &table {
        for ((name, msg), want) in msgs.iter().zip(row) {
            let mut s = session_in(*start);
            let before = s.state().clone();
            let got = outcome(s.handle(msg.clone(), &keys(), NOW));
            if got != *want {
                failures.push(format!("{start:?} + {name}: want {want:?}, got {got:?}"));
            }
            // Only a successful auth moves the state; nothing else does inside `handle`.
            let moved = s.state() != &before;
            if moved != (*want == K("Authed")) {
                failures.push(format!("{start:?} + {name}: state moved = {moved}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn errors_carry_a_message() {
    let mut s = Session::new();
    let e = s.handle(ClientMessage::Leave {}, &keys(), NOW).unwrap_err();
    assert_eq!(e.code, NA);
    assert!(e.message.contains("leave"), "{}", e.message);
}

/// Auth outcomes by token, from a fresh session.
#[test]
fn auth_table() {
    let supervisor_lo = Claims { listen_only: true, ..claims(Role::Supervisor, Some(CALL)) };
    let expired = Claims { exp: NOW, ..claims(Role::Customer, Some(CALL)) };
    let not_yet_expired = Claims { exp: NOW + 1, ..claims(Role::Customer, Some(CALL)) };
    let other_secret = TokenKeys::new(b"someone-else").mint(&claims(Role::Customer, Some(CALL))).unwrap();
    let valid = token(&claims(Role::Agent, Some(CALL)));
    let mut tampered = valid.clone();
    tampered.pop();
    tampered.push(if valid.ends_with('A') { 'B' } else { 'A' });
    let cases: Vec<(&str, String, Expect)> = vec![
        ("customer", token(&claims(Role::Customer, Some(CALL))), K("Authed")),
        ("agent", token(&claims(Role::Agent, Some(CALL))), K("Authed")),
        ("supervisor", token(&claims(Role::Supervisor, Some(CALL))), K("Authed")),
        ("listen-only supervisor", token(&supervisor_lo), K("Authed")),
        ("reviewer", token(&claims(Role::Reviewer, Some(CALL))), E(Forbidden)),
        ("admin", token(&claims(Role::Admin, Some(CALL))), E(Forbidden)),
        ("reviewer desk token", token(&claims(Role::Reviewer, None)), E(Forbidden)),
        ("agent desk token (no call)", token(&claims(Role::Agent, None)), E(ErrorCode::WrongCall)),
        ("customer without call", token(&claims(Role::Customer, None)), E(ErrorCode::WrongCall)),
        ("expired (exp == now)", token(&expired), E(ErrorCode::TokenExpired)),
        ("exp == now + 1", token(&not_yet_expired), K("Authed")),
        ("bad signature", other_secret, E(ErrorCode::TokenInvalid)),
        ("tampered signature", tampered, E(ErrorCode::TokenInvalid)),
        ("garbage", "not.a.jwt".into(), E(ErrorCode::TokenInvalid)),
        ("empty", String::new(), E(ErrorCode::TokenInvalid)),
    ];
    for (name, tok, want) in cases {
        let mut s = Session::new();
        let got = outcome(s.handle(auth(tok), &keys(), NOW));
        assert_eq!(got, want, "{name}");
        match want {
            K(_) => assert!(matches!(s.state(), SessionState::Authed(_)), "{name}: {:?}", s.state()),
            E(_) => assert_eq!(s.state(), &SessionState::AwaitingAuth, "{name}: a failed auth leaves the state alone"),
        }
    }
}

#[test]
fn token_claims_are_carried_into_the_session() {
    let c = Claims { name: Some("Ana".into()), tenant: Some("acme".into()), ..claims(Role::Agent, Some(CALL)) };
    let mut s = Session::new();
    match s.handle(auth(token(&c)), &keys(), NOW).unwrap() {
        Request::Authed(got) => assert_eq!(got, c),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.claims(), Some(&c));
    s.joined("PA_1".into());
    assert_eq!(s.state(), &SessionState::Joined { claims: c.clone(), participant_id: "PA_1".into() });
    assert_eq!(s.claims(), Some(&c));
    s.close();
    assert_eq!(s.state(), &SessionState::Closed);
    assert_eq!(s.claims(), None);
}

#[test]
fn join_checks_the_call_id_against_the_token() {
    let cases: [(Option<&str>, Expect); 3] =
        [(None, K("Join")), (Some(CALL), K("Join")), (Some("CA_other"), E(ErrorCode::WrongCall))];
    for (call_id, want) in cases {
        let mut s = session_in(Start::Authed);
        let msg = ClientMessage::Join { id: None, call_id: call_id.map(str::to_owned), name: None, resume: None };
        assert_eq!(outcome(s.handle(msg, &keys(), NOW)), want, "call_id {call_id:?}");
    }
}

#[test]
fn join_passes_name_and_resume_through() {
    let mut s = session_in(Start::Authed);
    let resume = ResumeRequest { participant_id: "PA_1".into(), resume_token: "r".into() };
    let msg = ClientMessage::Join { id: Some("j".into()), call_id: None, name: Some("M".into()), resume: Some(resume.clone()) };
    assert_eq!(s.handle(msg, &keys(), NOW).unwrap(), Request::Join { name: Some("M".into()), resume: Some(resume) });
}

#[test]
fn joined_only_follows_authed() {
    let mut s = Session::new();
    s.joined("PA_1".into());
    assert_eq!(s.state(), &SessionState::AwaitingAuth);
    let mut s = session_in(Start::Closed);
    s.joined("PA_2".into());
    assert_eq!(s.state(), &SessionState::Closed);
}

#[test]
fn a_failed_join_keeps_the_session_authed() {
    let mut s = session_in(Start::Authed);
    let msg = ClientMessage::Join { id: None, call_id: Some("CA_other".into()), name: None, resume: None };
    assert!(s.handle(msg, &keys(), NOW).is_err());
    assert!(matches!(s.state(), SessionState::Authed(_)));
    let again = ClientMessage::Join { id: None, call_id: None, name: None, resume: None };
    assert_eq!(outcome(s.handle(again, &keys(), NOW)), K("Join"));
}

#[test]
fn candidates_are_length_checked() {
    for (len, want) in [(1024, K("Candidate")), (1025, E(ErrorCode::BadCandidate))] {
        let mut s = session_in(Start::Joined);
        let candidate = IceCandidate { candidate: "c".repeat(len), sdp_mid: None, sdp_m_line_index: None, username_fragment: None };
        let got = outcome(s.handle(ClientMessage::Candidate { pc: PeerRole::Subscriber, candidate }, &keys(), NOW));
        assert_eq!(got, want, "length {len}");
    }
}

#[test]
fn ping_echoes_ts_in_every_open_state() {
    for start in [Start::AwaitingAuth, Start::Authed, Start::Joined, Start::JoinedListenOnly] {
        for ts in [None, Some(0.0), Some(1_700_000_000_123.0)] {
            let mut s = session_in(start);
            assert_eq!(s.handle(ClientMessage::Ping { ts }, &keys(), NOW).unwrap(), Request::Ping { ts }, "{start:?}");
        }
    }
}

#[test]
fn requests_carry_the_message_payload() {
    let mut s = session_in(Start::Joined);
    let tracks = vec![TrackAnnouncement { mid: "1".into(), source: TrackSource::ItemCamera, muted: true }];
    let offer = ClientMessage::Offer { id: None, pc: PeerRole::Publisher, sdp: "S".into(), tracks: tracks.clone() };
    assert_eq!(s.handle(offer, &keys(), NOW).unwrap(), Request::PublisherOffer { sdp: "S".into(), tracks });
    let q = ClientMessage::SetQuality { track_id: "T".into(), max_layer: None };
    assert_eq!(s.handle(q, &keys(), NOW).unwrap(), Request::SetQuality { track_id: "T".into(), max_layer: None });
    let m = ClientMessage::Mute { id: None, mid: "1".into(), muted: false };
    assert_eq!(s.handle(m, &keys(), NOW).unwrap(), Request::Mute { mid: "1".into(), muted: false });
    for enabled in [true, false] {
        let c = ClientMessage::SetCaptions { enabled };
        assert_eq!(s.handle(c, &keys(), NOW).unwrap(), Request::SetCaptions { enabled });
    }
}

#[test]
fn request_ids_are_echoed_only_for_requests_that_carry_them() {
    for (name, msg) in messages() {
        let want = match name {
            "auth" => Some("a"),
            "offer_pub" => Some("o"),
            _ => None,
        };
        assert_eq!(msg.request_id(), want, "{name}");
        assert_eq!(msg.type_name(), variant_name(&msg), "{name}");
    }
}
