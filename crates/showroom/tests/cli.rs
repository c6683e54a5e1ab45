//! The binary's subcommands as a user runs them.

use std::process::Command;

fn showroom() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_showroom"));
    c.env_remove("SHOWROOM_TOKEN_SECRET").env("RUST_BACKTRACE", "0");
    c
}

#[test]
fn token_needs_a_secret_and_mints_a_jwt_for_the_call() {
    let out = showroom().args(["token", "--call", "CA_1", "--role", "agent", "--identity", "ana"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no token secret"));

    let out = showroom()
        .env("SHOWROOM_TOKEN_SECRET", "s3cret")
        .args(["token", "--call", "CA_1", "--role", "supervisor", "--identity", "sam", "--listen-only"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap();
    let claims = showroom_signaling::TokenKeys::new(b"s3cret").verify(token.trim(), 0).expect("valid token");
    assert_eq!(claims.call.as_deref(), Some("CA_1"));
    assert_eq!(claims.role, showroom_signaling::Role::Supervisor);
    assert!(claims.listen_only);
}

#[test]
fn model_verify_rejects_what_is_not_a_whisper_model() {
    let dir = std::env::temp_dir().join(format!("showroom-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.bin");
    std::fs::write(&junk, b"definitely not ggml").unwrap();
    let out = showroom().args(["model", "verify"]).arg(&junk).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a whisper.cpp ggml file"));
    let out = showroom().args(["model", "fetch", "large-v9"]).output().unwrap();
    assert!(!out.status.success(), "unknown model names are refused");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_broken_config_file_is_a_clear_error() {
    let path = std::env::temp_dir().join(format!("showroom-bad-{}.toml", std::process::id()));
    std::fs::write(&path, "[http]\nbind = 42\n").unwrap();
    let out = showroom().args(["--config"]).arg(&path).args(["token", "--role", "agent", "--identity", "x"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid config"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_file(&path).unwrap();
}
