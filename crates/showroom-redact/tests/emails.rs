//! E-mail addresses, written and spoken.

mod common;

use common::check;

#[test]
fn written_addresses() {
    check(&[
        (
            "send it to john.smith@gmail.com please",
            "send it to [email] please",
        ),
        ("j_smith+orders@mail.example.co.uk.", "[email]."),
        ("Contact: Mary-Ann.O42@acme-shop.de", "Contact: [email]"),
        ("john @ gmail.com", "[email]"),
        ("it's john.smith at gmail.com", "it's [email]"),
    ]);
}

#[test]
fn spoken_addresses() {
    check(&[
        (
            "my email is john dot smith at gmail dot com",
            "my email is [email]",
        ),
        ("it's john smith at gmail dot com", "it's [email]"),
        (
            "my email is john smith 42 at hotmail dot co dot uk thanks",
            "my email is [email] thanks",
        ),
        ("j o h n underscore s at yahoo dot com", "[email]"),
        ("sure, mary at acme dot com", "sure, [email]"),
        ("Mary at acme.com", "[email]"),
        (
            "it's maria dot garcia arroba gmail punto com",
            "it's [email]",
        ),
        (
            "email address: peter hyphen jones at example dot org",
            "email address: [email]",
        ),
        ("john at sign gmail dot com", "[email]"),
    ]);
}

#[test]
fn not_addresses() {
    check(&[
        (
            "I bought the laptop at amazon dot com",
            "I bought the laptop at amazon dot com",
        ),
        ("I looked at it on apple.com", "I looked at it on apple.com"),
        ("meet me at noon", "meet me at noon"),
        (
            "we arrived at home. Com is short for company",
            "we arrived at home. Com is short for company",
        ),
        ("look at gmail dot com", "look at gmail dot com"),
    ]);
}
