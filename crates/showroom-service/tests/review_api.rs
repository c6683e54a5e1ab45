//! The reviewer API over HTTP against a running gateway and its real SQLite store: the
//! documented authorization matrix, search with highlights, export, audit, overrides.

mod common;

use common::{start_gateway, unix_now};
use serde_json::{json, Value};
use showroom_service::RunningService;
use showroom_signaling::{Claims, Role};
use showroom_store::*;

fn token_for(gw: &RunningService, role: Role, tenant: Option<&str>, exp_in: i64) -> String {
    let now = unix_now();
    let claims = Claims {
        sub: format!("{}-1", role.as_str()),
        role,
        call: None,
        name: None,
        listen_only: false,
        tenant: tenant.map(str::to_owned),
        iat: now,
        exp: (now as i64 + exp_in) as u64,
    };
    gw.state.keys.mint(&claims).unwrap()
}

/// Two calls of tenant "shop" and one of "rival", stored and indexed as the live path does.
async fn seed(store: &Store) {
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z").unwrap().with_timezone(&chrono::Utc);
    for (id, tenant, agent, lines) in [
        ("call-a", "shop", "agent-ana", ["Hello, my parcel arrived damaged.", "I will send a refund today."]),
        ("call-b", "shop", "agent-ben", ["Can I change the delivery address?", "Yes, the courier can reroute it."]),
        ("call-r", "rival", "agent-zed", ["I want a refund.", "Of course."]),
    ] {
        store
            .create_call(&NewCall {
                id: CallId::from(id),
                tenant: TenantId::from(tenant),
                shopper_id: None,
                shopper_name: Some("Mia".into()),
                agent: Some(AgentId::from(agent)),
                team: Some("returns".into()),
                product: ProductContext { sku: Some("SKU-1".into()), title: Some("Boots".into()), url: None },
                language: Some("en".into()),
                node: None,
                created_at: at,
            })
            .await
            .unwrap();
        for (n, text) in lines.iter().enumerate() {
            let who = ParticipantId::from(if n == 0 { "p-customer" } else { "p-agent" });
            store
                .append_segment(&Segment {
                    call: CallId::from(id),
                    key: UtteranceKey::for_utterance(&who, n as u64),
                    participant: who,
                    role: if n == 0 { showroom_store::Role::Customer } else { showroom_store::Role::Agent },
                    start_s: n as f64 * 3.0,
                    end_s: n as f64 * 3.0 + 2.5,
                    text: (*text).into(),
                    language: Some("en".into()),
                    confidence: Some(0.9),
                    status: SegmentStatus::Final,
                    redacted: false,
                })
                .await
                .unwrap();
        }
        store.index_call(&CallId::from(id), at).await.unwrap();
    }
    store
        .put_score(&Score {
            call: CallId::from("call-a"),
            rubric: "support".into(),
            rubric_version: "1".into(),
            score: 50.0,
            passed: false,
            criteria: json!([{"id": "greeting", "verdict": "fail", "evidence": []}]),
            scored_at: at,
        })
        .await
        .unwrap();
}

/// A finished recording as the recorder leaves it: the Ogg/Opus file and its sidecar.
fn fake_recording(gw: &RunningService, call: &str, participant: &str) {
    let dir = gw.state.config.recording.dir(&gw.state.config.store);
    let path = showroom_service::recorder::recording_path(&dir, call, participant).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut w = showroom_recording::OggOpusWriter::new(std::fs::File::create(&path).unwrap(), 1, 7, "test").unwrap();
    let silence = [0xF8u8, 0xFF, 0xFE]; // a 20 ms Opus frame
    for i in 0..50u32 {
        w.push(i * 960, &silence).unwrap();
    }
    w.finish().unwrap();
    let info = showroom_service::recorder::RecordingInfo {
        participant: participant.into(),
        role: "customer".into(),
        start_s: 0.0,
        duration_s: 1.0,
        bytes: 0,
    };
    showroom_service::recorder::write_sidecar(&path, &info).unwrap();
}

async fn store_of(gw: &RunningService) -> Store {
    gw.state.journal.sink().store().await.expect("gateway reached its store")
}

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, String) {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "GET" => self.http.get(url),
            "POST" => self.http.post(url),
            _ => unreachable!(),
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_reviewers_and_admins_get_in_exactly_as_documented() {
    let (gw, _) = start_gateway().await;
    seed(&store_of(&gw).await).await;
    fake_recording(&gw, "call-a", "p-customer");
    let api = Api { base: format!("http://{}", gw.http_addr), http: reqwest::Client::new() };
    let override_body = json!({"criterion": "greeting", "verdict": "pass", "comment": "said hello in the first line"});
    let endpoints: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", "/v1/search?q=refund".into(), None),
        ("GET", "/v1/search/export?q=refund".into(), None),
        ("GET", "/v1/calls/call-a".into(), None),
        ("GET", "/v1/calls/call-a/segments".into(), None),
        ("GET", "/v1/calls/call-a/insights".into(), None),
        ("GET", "/v1/calls/call-a/scores".into(), None),
        ("GET", "/v1/calls/call-a/overrides".into(), None),
        ("POST", "/v1/calls/call-a/overrides".into(), Some(override_body)),
        ("GET", "/v1/calls/call-a/recordings".into(), None),
        ("GET", "/v1/calls/call-a/recordings/p-customer.ogg".into(), None),
    ];
    // The matrix in openapi.json's description: reviewer (own tenant) and admin allowed;
    // customer, agent, supervisor 403; no token, bad or expired token 401.
    let cases: Vec<(&str, Option<String>, &[u16])> = vec![
        ("reviewer", Some(token_for(&gw, Role::Reviewer, Some("shop"), 600)), &[200, 201]),
        ("admin", Some(token_for(&gw, Role::Admin, None, 600)), &[200, 201]),
        ("admin of shop", Some(token_for(&gw, Role::Admin, Some("shop"), 600)), &[200, 201]),
        ("customer", Some(token_for(&gw, Role::Customer, Some("shop"), 600)), &[403]),
        ("agent", Some(token_for(&gw, Role::Agent, Some("shop"), 600)), &[403]),
        ("supervisor", Some(token_for(&gw, Role::Supervisor, Some("shop"), 600)), &[403]),
        ("reviewer without tenant", Some(token_for(&gw, Role::Reviewer, None, 600)), &[403]),
        ("expired reviewer", Some(token_for(&gw, Role::Reviewer, Some("shop"), -60)), &[401]),
        ("garbage token", Some("not-a-token".into()), &[401]),
        ("no token", None, &[401]),
    ];
    for (who, token, allowed) in &cases {
        for (method, path, body) in &endpoints {
            let (status, text) = api.call(method, path, token.as_deref(), body.clone()).await;
            assert!(allowed.contains(&status), "{who} {method} {path}: {status} {text}");
            if status >= 400 {
                let err: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{who} {path}: error body is JSON: {text}"));
                assert!(err["error"]["code"].is_string() && err["error"]["message"].is_string(), "{text}");
            }
        }
    }
    // A reviewer of another tenant does not see shop's call (not even that it exists).
    let rival = token_for(&gw, Role::Reviewer, Some("rival"), 600);
    assert_eq!(api.call("GET", "/v1/calls/call-a", Some(&rival), None).await.0, 404);
    assert_eq!(api.call("GET", "/v1/search?tenant=shop&q=refund", Some(&rival), None).await.0, 403);
    // The document is public and lists exactly the routes served.
    let (status, doc) = api.call("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let mut documented: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    documented.sort();
    let mut served: Vec<String> = endpoints
        .iter()
        .map(|(_, p, _)| p.split('?').next().unwrap().replace("call-a", "{call_id}").replace("p-customer.ogg", "{file}"))
        .collect();
    served.push("/v1/openapi.json".into());
    served.sort();
    served.dedup();
    assert_eq!(documented, served);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewer_searches_reads_overrides_and_exports_with_an_audit_trail() {
    let (gw, _) = start_gateway().await;
    let store = store_of(&gw).await;
    seed(&store).await;
    let api = Api { base: format!("http://{}", gw.http_addr), http: reqwest::Client::new() };
    let rev = token_for(&gw, Role::Reviewer, Some("shop"), 600);

    let (status, body) = api.call("GET", "/v1/search?q=refund%20OR%20courier&sort=newest", Some(&rev), None).await;
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = page["hits"].as_array().unwrap().iter().map(|h| h["call"]["id"].as_str().unwrap()).collect();
    assert_eq!(page["total"], 2);
    assert!(ids.contains(&"call-a") && ids.contains(&"call-b") && !ids.contains(&"call-r"), "{ids:?}");
    let a = page["hits"].as_array().unwrap().iter().find(|h| h["call"]["id"] == "call-a").unwrap();
    let fragments = &a["snippets"][0]["fragments"];
    let hits: Vec<&str> = fragments.as_array().unwrap().iter().filter(|f| f["hit"] == true).map(|f| f["text"].as_str().unwrap()).collect();
    assert_eq!(hits, ["refund"]);
    assert_eq!(a["snippets"][0]["start_s"], 3.0);
    assert_eq!(a["score"], 50.0);

    // Filters and bad queries.
    let (_, body) = api.call("GET", "/v1/search?failed=greeting", Some(&rev), None).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["total"], 1);
    let (status, body) = api.call("GET", "/v1/search?q=%22unclosed", Some(&rev), None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("bad_query") && body.contains("quote"), "{body}");
    let (status, _) = api.call("GET", "/v1/search?sort=sideways", Some(&rev), None).await;
    assert_eq!(status, 400);

    // An override needs a comment; with one it is in force, and the failed filter follows it.
    let (status, _) = api
        .call("POST", "/v1/calls/call-a/overrides", Some(&rev), Some(json!({"criterion": "greeting", "verdict": "pass", "comment": "  "})))
        .await;
    assert_eq!(status, 400);
    let (status, body) = api
        .call("POST", "/v1/calls/call-a/overrides", Some(&rev), Some(json!({"criterion": "greeting", "verdict": "pass", "comment": "greeted at 0:01"})))
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, body) = api.call("GET", "/v1/calls/call-a/scores", Some(&rev), None).await;
    let scores: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(scores["overrides_in_force"]["greeting"]["verdict"], "pass");
    assert_eq!(scores["scores"][0]["score"], 50.0);
    let (_, body) = api.call("GET", "/v1/search?failed=greeting", Some(&rev), None).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["total"], 0);

    // Segments as stored.
    let (_, body) = api.call("GET", "/v1/calls/call-a/segments", Some(&rev), None).await;
    let segs: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(segs["segments"][1]["text"], "I will send a refund today.");
    assert_eq!(segs["segments"][1]["role"], "agent");

    // Export: CSV with a header and one row per call; JSON the same calls.
    let res = api.http.get(format!("{}/v1/search/export?q=refund", api.base)).bearer_auth(&rev).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("call_id,created_at,agent"), "{csv}");
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].starts_with("call-a,") && lines[1].contains("I will send a refund today."), "{csv}");
    let (_, body) = api.call("GET", "/v1/search/export?q=refund&format=json", Some(&rev), None).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["hits"][0]["call"]["id"], "call-a");

    // Every read of the call is in the audit log, with who did it.
    let audit = store.list_audit(&CallId::from("call-a")).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    for expected in ["override.create", "scores.read", "segments.read"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    assert!(audit.iter().all(|e| e.actor == "reviewer-1" && e.role == "reviewer"));
    // The refused override (blank comment) stored nothing.
    assert_eq!(store.list_overrides(&CallId::from("call-a")).await.unwrap().len(), 1);
}
