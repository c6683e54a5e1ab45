//! Findings across segments, spans, idempotence and policy.

mod common;

use common::check_with;
use showroom_redact::{
    MaskStyle, Part, PiiKind, Policy, Region, redact, redact_segments, redact_with_context,
};

fn texts(segs: &[&str], policy: &Policy) -> Vec<String> {
    redact_segments(segs, policy)
        .into_iter()
        .map(|r| r.text)
        .collect()
}

#[test]
fn card_across_two_segments() {
    let p = Policy::default();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["my card number is 4111 1111", "1111 1111 thanks"],
            &["my card number is [card ••••1111]", "[card] thanks"],
        ),
        (
            &[
                "it's four one one one, one one one one.",
                "One one one one, one one one one.",
            ],
            &["it's [card ••••1111].", "[card]."],
        ),
        (
            &["Card 4111", "1111", "1111 1111, and the code is", "737"],
            &[
                "Card [card ••••1111]",
                "[card]",
                "[card], and the code is",
                "[cvv]",
            ],
        ),
        // Security code in the next segment, right after the card.
        (
            &["visa 4111 1111 1111 1111", "and 123"],
            &["visa [card ••••1111]", "and [cvv]"],
        ),
        (
            &["my number is +44 7911", "123456"],
            &["my number is [phone]", "[phone]"],
        ),
        (
            &["john dot smith at", "gmail dot com"],
            &["[email]", "[email]"],
        ),
        // Unrelated segments stay unrelated.
        (
            &["I waited three hours", "my order 123"],
            &["I waited three hours", "my order 123"],
        ),
    ];
    for (segs, want) in cases {
        assert_eq!(texts(segs, &p), *want, "segments {segs:?}");
    }
}

#[test]
fn each_segment_alone_would_leak() {
    // The reason for redact_segments: alone, neither half is a card.
    let p = Policy::default();
    let halves = ["my number is 4111 1111", "1111 1111 thanks"];
    let alone: Vec<String> = halves.iter().map(|s| redact(s, &p).text).collect();
    assert_eq!(alone, ["my number is 4111 1111", "1111 1111 thanks"]);
    let together = texts(&halves, &p);
    assert_eq!(together, ["my number is [card ••••1111]", "[card] thanks"]);
}

#[test]
fn spans_point_at_masks_and_sources() {
    let p = Policy::default();
    let segs = [
        "call +1 415 555 2671 or mail a@b.com",
        "card 4111 1111",
        "1111 1111",
    ];
    let out = redact_segments(&segs, &p);
    for (seg, r) in segs.iter().zip(&out) {
        for span in &r.spans {
            let mask = &r.text[span.range.clone()];
            assert!(mask.starts_with('[') && mask.ends_with(']'), "{mask:?}");
            assert!(mask.contains(span.kind.label()), "{mask:?} {:?}", span.kind);
            let source = &seg[span.source.clone()];
            assert!(
                source.chars().any(|c| c.is_ascii_digit() || c == '@'),
                "{source:?}"
            );
        }
    }
    let kinds: Vec<Vec<(PiiKind, Part)>> = out
        .iter()
        .map(|r| r.spans.iter().map(|s| (s.kind, s.part)).collect())
        .collect();
    assert_eq!(
        kinds,
        [
            vec![(PiiKind::Phone, Part::Whole), (PiiKind::Email, Part::Whole)],
            vec![(PiiKind::Card, Part::First)],
            vec![(PiiKind::Card, Part::Last)],
        ]
    );
    assert_eq!(&segs[0][out[0].spans[0].source.clone()], "+1 415 555 2671");
}

#[test]
fn redaction_is_idempotent() {
    let inputs = [
        "my card is 4111 1111 1111 1111, expiry 12/27, cvv 123",
        "email john dot smith at gmail dot com or call +44 7911 123456",
        "four one one one one one one one one one one one one one one one",
        "card 1111 and the code is 2222",
        "my card 4111 1111 1111 1112 and 1234",
    ];
    for style in [MaskStyle::Labeled, MaskStyle::Generic] {
        for keep_last4 in [true, false] {
            let p = Policy {
                mask_style: style,
                keep_last4,
                ..Policy::default()
            };
            for input in inputs {
                let once = redact(input, &p).text;
                let twice = redact(&once, &p);
                assert_eq!(twice.text, once, "{style:?} keep_last4={keep_last4}");
                assert!(twice.spans.is_empty(), "{once}");
            }
        }
    }
}

#[test]
fn policy_switches_kinds_and_masks() {
    let text = "card 4111 1111 1111 1111 cvv 123, exp 12/27, a@b.com, +1 415 555 2671";
    check_with(
        &Policy::default(),
        &[(
            text,
            "card [card ••••1111] cvv [cvv], exp [expiry], [email], [phone]",
        )],
    );
    check_with(
        &Policy {
            keep_last4: false,
            ..Policy::default()
        },
        &[(
            text,
            "card [card] cvv [cvv], exp [expiry], [email], [phone]",
        )],
    );
    check_with(
        &Policy {
            mask_style: MaskStyle::Generic,
            ..Policy::default()
        },
        &[(
            text,
            "card [redacted ••••1111] cvv [redacted], exp [redacted], [redacted], [redacted]",
        )],
    );
    check_with(
        &Policy {
            emails: false,
            phones: false,
            ..Policy::default()
        },
        &[(
            text,
            "card [card ••••1111] cvv [cvv], exp [expiry], a@b.com, +1 415 555 2671",
        )],
    );
    // Cards off: the card still gives context to its CVV.
    check_with(
        &Policy {
            cards: false,
            expiry_dates: false,
            ..Policy::default()
        },
        &[(
            text,
            "card 4111 1111 1111 1111 cvv [cvv], exp 12/27, [email], [phone]",
        )],
    );
    check_with(&Policy::disabled(), &[(text, text)]);
}

#[test]
fn phone_regions_limit_national_numbers() {
    let fr_only = Policy {
        phone_regions: vec!["FR".parse().unwrap()],
        ..Policy::default()
    };
    check_with(
        &fr_only,
        &[
            ("06 12 34 56 78", "[phone]"),
            // A US national number is not French…
            ("(415) 555-2671", "(415) 555-2671"),
            // …but with its country code it is a number anywhere.
            ("+1 415 555 2671", "[phone]"),
        ],
    );
}

#[test]
fn policy_deserializes_with_defaults() {
    let p: Policy = toml::from_str("").unwrap();
    assert_eq!(p, Policy::default());
    let p: Policy = toml::from_str(
        r#"
        phones = false
        keep_last4 = false
        mask_style = "generic"
        phone_regions = ["us", "UK", "de"]
        "#,
    )
    .unwrap();
    assert!(!p.phones && !p.keep_last4 && p.cards);
    assert_eq!(p.mask_style, MaskStyle::Generic);
    let codes: Vec<&str> = p.phone_regions.iter().map(Region::code).collect();
    assert_eq!(codes, ["US", "GB", "DE"]);
    let err = toml::from_str::<Policy>(r#"phone_regions = ["XX"]"#).unwrap_err();
    assert!(err.to_string().contains("unknown phone region"), "{err}");
    assert!(
        toml::from_str::<Policy>("card = true").is_err(),
        "unknown field must be rejected"
    );
    let json: Policy = serde_json::from_str(r#"{"emails": false}"#).unwrap();
    assert!(!json.emails && json.phones);
}

#[test]
fn output_types_hold_no_original_values() {
    let r = redact(
        "card 4111 1111 1111 1111, cvv 123, john.smith@gmail.com, +44 7911 123456",
        &Policy::default(),
    );
    let debug = format!("{r:?}");
    let json = serde_json::to_string(&r).unwrap();
    for secret in [
        "4111 1111",
        "41111111",
        "123,",
        "john",
        "gmail",
        "7911",
        "123456",
    ] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
        assert!(!json.contains(secret), "{secret} in {json}");
    }
}

#[test]
fn the_other_partys_question_gives_context() {
    let p = Policy::default();
    let cases: &[(&[&str], &[&str], &[&str])] = &[
        (
            &["And the security code on the back?"],
            &["seven three seven"],
            &["[cvv]"],
        ),
        (
            &["What's the expiry date?"],
            &["twelve twenty seven"],
            &["[expiry]"],
        ),
        // A Luhn-failing (misheard) number after the agent asked for the card.
        (
            &["Can I have the card number?"],
            &["4111 1111 1111 1112"],
            &["[card]"],
        ),
        (&["What's your phone number?"], &["555 2671"], &["[phone]"]),
        (
            &["And your email?"],
            &["well mary smith at acme dot com"],
            &["well [email]"],
        ),
        // Context is never returned, masked or glued to the answer.
        // (glued, these would be a Luhn-valid card).
        (&["my order is 4111 1111"], &["1111 1111"], &["1111 1111"]),
        (
            &["Can I have your order number?"],
            &["it's 112 3456789"],
            &["it's 112 3456789"],
        ),
    ];
    for (context, segs, want) in cases {
        let got: Vec<String> = redact_with_context(context, segs, &p)
            .into_iter()
            .map(|r| r.text)
            .collect();
        assert_eq!(got, *want, "context {context:?} segments {segs:?}");
        let alone: Vec<String> = redact_segments(segs, &p)
            .into_iter()
            .map(|r| r.text)
            .collect();
        if want != segs {
            // Without the question the answer is not masked…
            assert_eq!(alone, *segs, "alone {segs:?}");
        } else if segs[0].starts_with("it's") {
            // …and without "order number?" ten digits pass for a phone number.
            assert_eq!(alone, ["it's [phone]"]);
        }
    }
}

#[test]
fn readme_examples() {
    let policy = Policy::default();
    assert_eq!(
        redact("my card is 4111 1111 1111 1111, cvv 123", &policy).text,
        "my card is [card ••••1111], cvv [cvv]"
    );
    assert_eq!(
        texts(
            &[
                "card four one one one, one one one one,",
                "one one one one, one one one one"
            ],
            &policy
        ),
        ["card [card ••••1111],", "[card]"]
    );
    let answer = redact_with_context(
        &["And the security code on the back?"],
        &["seven three seven"],
        &policy,
    );
    assert_eq!(answer.len(), 1);
    assert_eq!(answer[0].text, "[cvv]");
}


#[test]
fn a_segment_ending_in_a_number_may_be_continued_by_the_next() {
    for (text, want) in [
        ("my card number is 4111 1111", true),
        ("it's four one one one,", true),
        ("four one one one one. Uh", true),
        ("the number is", false),
        ("thank you for calling", false),
        ("it costs 20 dollars.", false),
        ("", false),
    ] {
        assert_eq!(showroom_redact::may_continue_a_number(text), want, "{text:?}");
    }
}
