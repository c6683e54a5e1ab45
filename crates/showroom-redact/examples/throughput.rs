//! Time per segment on a mix of transcript segments: `cargo run -p showroom-redact --example
//! throughput` (figures from a debug build are an upper bound).

use std::time::Instant;

use showroom_redact::{Policy, redact, redact_segments, warm_up};

const SEGMENTS: &[&str] = &[
    "Hi, thanks for calling, how can I help you today?",
    "Yeah so I ordered a pair of shoes last week and they still haven't arrived.",
    "Can I have your order number please?",
    "Sure, it's 112 3456789, and I paid 129.99 for it.",
    "I waited three hours on the line yesterday and nobody picked up.",
    "Okay, my card number is four one one one, one one one one, one one one one, one one one one.",
    "The expiry is twelve twenty seven and the security code is seven three seven.",
    "You can reach me at plus four four seven nine one one, one two three four five six.",
    "My email is john dot smith at gmail dot com.",
    "Great, thank you so much, have a nice day.",
];

fn main() {
    let policy = Policy::default();
    let t = Instant::now();
    warm_up(&policy);
    println!("warm_up: {:?}", t.elapsed());

    let rounds = 200;
    for seg in SEGMENTS {
        let t = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(redact(std::hint::black_box(seg), &policy));
        }
        let per = t.elapsed() / rounds;
        println!("{per:>10.1?}  {}", redact(seg, &policy).text);
    }
    let t = Instant::now();
    for _ in 0..rounds {
        for pair in SEGMENTS.windows(2) {
            std::hint::black_box(redact_segments(pair, &policy));
        }
    }
    let pairs = u32::try_from(SEGMENTS.len() - 1).expect("few segments") * rounds;
    println!(
        "pairs via redact_segments: {:?} per pair",
        t.elapsed() / pairs
    );
}
