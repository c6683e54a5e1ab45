//! `showroom rescore`: two calls written through the store API, re-scored by the binary under
//! the sample rubric and then under a stricter one; the stored scores follow the rubric.

use std::path::Path;
use std::process::Command;

use showroom_store::{
    CallId, NewCall, ParticipantId, ProductContext, Role, Segment, SegmentStatus, Store,
    StoreConfig, TenantId, Ts, UtteranceKey,
};

fn store_config(dir: &Path) -> StoreConfig {
    StoreConfig {
        data_dir: dir.to_path_buf(),
        ..StoreConfig::for_url(format!("sqlite://{}/showroom.db?mode=rwc", dir.display()))
    }
}

fn segment(call: &str, n: u64, role: Role, start_s: f64, text: &str) -> Segment {
    let participant = ParticipantId::new(role.as_str());
    Segment {
        call: CallId::new(call),
        key: UtteranceKey::for_utterance(&participant, n),
        participant,
        role,
        start_s,
        end_s: start_s + 2.5,
        text: text.into(),
        language: Some("en".into()),
        confidence: Some(0.9),
        status: SegmentStatus::Final,
        redacted: true,
    }
}

/// Two finished calls of tenant "shop": one where the agent interrupted once, one where not.
async fn seed(config: &StoreConfig) {
    let store = Store::open(config).await.unwrap();
    let created: Ts = "2026-03-01T10:00:00Z".parse().unwrap();
    for (call, agent_interruptions) in [("call-a", 1.0), ("call-b", 0.0)] {
        let new = NewCall {
            id: CallId::new(call),
            tenant: TenantId::new("shop"),
            shopper_id: None,
            shopper_name: None,
            agent: None,
            team: None,
            product: ProductContext::default(),
            language: Some("en".into()),
            node: None,
            created_at: created,
        };
        assert!(store.create_call(&new).await.unwrap());
        let lines = [
            (Role::Agent, 1.0, "Thank you for calling, how can I help?"),
            (Role::Customer, 4.0, "Do you ship to Norway?"),
            (
                Role::Agent,
                7.0,
                "We do. Anything else I can help with? Have a great day.",
            ),
        ];
        for (n, (role, start, text)) in lines.into_iter().enumerate() {
            store
                .append_segment(&segment(call, n as u64, role, start, text))
                .await
                .unwrap();
        }
        let metrics = serde_json::json!({
            "call_duration_s": 10.0,
            "agent_interruptions": agent_interruptions,
            "non_talk_longest_s": 1.5,
            "agent_talk_share": 0.6,
        });
        store
            .put_metrics(&CallId::new(call), &metrics)
            .await
            .unwrap();
    }
    store.close().await;
}

async fn stored_score(config: &StoreConfig, call: &str) -> (f64, bool) {
    let store = Store::open(config).await.unwrap();
    let scores = store.list_scores(&CallId::new(call)).await.unwrap();
    store.close().await;
    assert_eq!(scores.len(), 1, "{scores:#?}");
    let criteria = scores[0].criteria.as_array().expect("criteria array");
    assert!(
        criteria.iter().any(|c| c["id"] == "greeting"),
        "{criteria:#?}"
    );
    (scores[0].score, scores[0].passed)
}

fn rescore(config_file: &Path, rubric: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_showroom"))
        .arg("--config")
        .arg(config_file)
        .args(["rescore", "--tenant", "shop", "--rubric"])
        .arg(rubric)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn rescoring_with_a_changed_rubric_changes_the_stored_scores() {
    let dir = tempfile::tempdir().unwrap();
    let config = store_config(dir.path());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(seed(&config));

    let config_file = dir.path().join("showroom.toml");
    std::fs::write(
        &config_file,
        format!(
            "[store]\nurl = \"{}\"\ndata_dir = \"{}\"\n",
            config.url,
            dir.path().display()
        ),
    )
    .unwrap();
    let sample = dir.path().join("sample.toml");
    std::fs::write(&sample, showroom_qa::ECOMMERCE_SUPPORT_TOML).unwrap();
    // The same rubric (same name: its scores are replaced) with no agent interruption allowed.
    let strict_text = showroom_qa::ECOMMERCE_SUPPORT_TOML.replace(
        "metric = \"agent_interruptions\"\nmax = 2",
        "metric = \"agent_interruptions\"\nmax = 0",
    );
    assert_ne!(strict_text, showroom_qa::ECOMMERCE_SUPPORT_TOML);
    let strict = dir.path().join("strict.toml");
    std::fs::write(&strict, strict_text).unwrap();

    let out = rescore(&config_file, &sample);
    assert!(
        out.contains("call-a: score") && out.contains("call-b: score"),
        "{out}"
    );
    assert!(out.contains("rescored 2 calls of tenant shop"), "{out}");
    let (a_before, a_passed) = runtime.block_on(stored_score(&config, "call-a"));
    let (b_before, _) = runtime.block_on(stored_score(&config, "call-b"));
    assert!(a_passed, "call-a under the sample rubric");
    assert_eq!(a_before, b_before);

    let out = rescore(&config_file, &strict);
    assert!(out.contains("1 scores changed"), "{out}");
    let (a_after, _) = runtime.block_on(stored_score(&config, "call-a"));
    let (b_after, _) = runtime.block_on(stored_score(&config, "call-b"));
    assert!(a_after < a_before, "{a_after} vs {a_before}");
    assert_eq!(b_after, b_before);
}
