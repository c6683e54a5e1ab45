use showroom_signaling::*;
#[test]
fn probe() {
    for f in [
        r#"{"v":1,"type":"leave"}"#,
        r#"{"v":1,"type":"leave","id":"x"}"#,
        r#"{"v":1,"type":"ping","id":"x"}"#,
        r#"{"v":1,"type":"ping","ts":null}"#,
        r#"{"v":1,"type":"auth","token":"t","bogus":1}"#,
        r#"{"v":1,"type":"auth","token":"t","id":null}"#,
        r#"{"v":1,"type":"offer","pc":"publisher","sdp":"x","tracks":null}"#,
        r#"{"v":1,"type":"offer","pc":"publisher","sdp":"x","tracks":[{"mid":"0","source":"camera","extra":1}]}"#,
        r#"{"v":1,"type":"set_quality","track_id":"t"}"#,
        r#"{"v":1,"type":"set_quality","track_id":"t","max_layer":256}"#,
        r#"{"v":1,"type":"set_quality","track_id":"t","max_layer":1.0}"#,
        r#"{"v":1.0,"type":"leave"}"#,
        r#"{"v":1,"type":"candidate","pc":"publisher","candidate":{"candidate":"c","sdpMLineIndex":0,"sdpMid":null,"usernameFragment":null,"foo":1}}"#,
        r#"{"v":1,"type":"join","resume":{"participant_id":"p","resume_token":"r","x":1}}"#,
        r#"{"v":1,"type":"join","type":"join"}"#,
        r#"{"type":"leave","v":1,"v":1}"#,
    ] {
        println!("{f}\n   => {:?}", decode_frame(f));
    }
    println!("{}", encode(ServerMessage::Pong { ts: Some(f64::NAN), server_time_ms: 1 }));
}
