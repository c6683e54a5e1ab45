//! Sample records.

use chrono::{TimeZone, Utc};
use showroom_store::*;

/// `secs` after 2026-03-01 09:00 UTC, with a sub-second part that both engines keep.
pub fn t(secs: i64) -> Ts {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
        + chrono::TimeDelta::seconds(secs)
        + chrono::TimeDelta::microseconds(250_125)
}

pub fn new_call(id: &str, tenant: &str, created_at: Ts) -> NewCall {
    NewCall {
        id: CallId::from(id),
        tenant: TenantId::from(tenant),
        shopper_id: Some("shopper-7".into()),
        shopper_name: Some("Ana Núñez".into()),
        agent: None,
        team: None,
        product: ProductContext {
            sku: Some("SKU-123".into()),
            title: Some("Trail shoe \"Ridge\" 42".into()),
            url: Some("https://shop.example/p/ridge?size=42".into()),
        },
        language: Some("es".into()),
        node: Some("node-a".into()),
        created_at,
    }
}

pub fn participant(call: &str, id: &str, role: Role, joined_at: Ts) -> Participant {
    Participant {
        call: CallId::from(call),
        participant: ParticipantId::from(id),
        role,
        display_name: Some(format!("{id} ({role})")),
        joined_at,
        left_at: None,
    }
}

/// Utterance `n` of `who` in `call`, a final segment starting at `n` seconds.
pub fn segment(call: &str, who: &str, n: u64) -> Segment {
    let participant = ParticipantId::from(who);
    Segment {
        call: CallId::from(call),
        key: UtteranceKey::for_utterance(&participant, n),
        participant,
        role: if who.starts_with("agent") {
            Role::Agent
        } else {
            Role::Customer
        },
        start_s: n as f64 * 2.0 + 0.125,
        end_s: n as f64 * 2.0 + 1.5,
        text: format!("{who} says thing number {n}"),
        language: Some("en".into()),
        confidence: Some(0.875),
        status: SegmentStatus::Final,
        redacted: false,
    }
}

pub fn keys(segments: &[StoredSegment]) -> Vec<String> {
    segments.iter().map(|s| s.segment.key.0.clone()).collect()
}
