//! Phone numbers of several countries, written and spoken.

mod common;

use common::check;

#[test]
fn international_format() {
    check(&[
        ("call me on +1 415 555 2671", "call me on [phone]"),
        ("it's +1 (415) 555-2671", "it's [phone]"),
        ("+44 7911 123456", "[phone]"),
        ("my number is +44 20 7946 0958.", "my number is [phone]."),
        ("+49 30 12345678", "[phone]"),
        ("+49 151 23456789", "[phone]"),
        ("+34 612 34 56 78", "[phone]"),
        ("+33 6 12 34 56 78", "[phone]"),
        ("+52 55 1234 5678", "[phone]"),
        ("+55 11 98765-4321", "[phone]"),
        ("+86 138 1234 5678", "[phone]"),
        ("+81 90-1234-5678", "[phone]"),
        ("+91 98765 43210", "[phone]"),
        ("0044 7911 123456", "[phone]"),
        ("011 44 20 7946 0958", "[phone]"),
    ]);
}

#[test]
fn national_formats() {
    check(&[
        // US / CA
        (
            "reach me at (415) 555-2671 anytime",
            "reach me at [phone] anytime",
        ),
        ("415-555-2671", "[phone]"),
        ("415.555.2671", "[phone]"),
        ("1 800 555 0199", "[phone]"),
        ("(613) 555-0123", "[phone]"),
        // UK
        ("07911 123456", "[phone]"),
        ("020 7946 0958", "[phone]"),
        // DE
        ("030 12345678", "[phone]"),
        ("0151 23456789", "[phone]"),
        // ES
        ("612 345 678", "[phone]"),
        ("91 234 56 78", "[phone]"),
        // FR
        ("06 12 34 56 78", "[phone]"),
        ("06.12.34.56.78", "[phone]"),
        ("01 23 45 67 89", "[phone]"),
        // MX
        ("55 1234 5678", "[phone]"),
        // BR
        ("(11) 98765-4321", "[phone]"),
        // CN
        ("138 1234 5678", "[phone]"),
        // JP
        ("090-1234-5678", "[phone]"),
        ("03-1234-5678", "[phone]"),
        // IN
        ("98765 43210", "[phone]"),
    ]);
}

#[test]
fn spoken_phone_numbers() {
    check(&[
        (
            "my number is four one five, five five five, two six seven one",
            "my number is [phone]",
        ),
        (
            "it's oh seven nine one one, one two three four five six",
            "it's [phone]",
        ),
        (
            "plus four four seven nine one one one two three four five six",
            "[phone]",
        ),
        (
            "call me at double oh four four seven nine one one one two three four five six",
            "call me at [phone]",
        ),
        ("zero six, douze…", "zero six, douze…"),
        ("oh six one two three four five six seven eight", "[phone]"),
        ("my cell is 415 five five five 2671", "my cell is [phone]"),
        // "eight hundred" read as a group.
        (
            "one eight hundred five five five oh one nine nine",
            "[phone]",
        ),
        // A local number is not valid on its own, but "phone" says what it is.
        ("my phone number is 555 2671", "my phone number is [phone]"),
    ]);
}

#[test]
fn not_phone_numbers() {
    check(&[
        (
            "my order number is 4155552671",
            "my order number is 4155552671",
        ),
        ("tracking 612345678", "tracking 612345678"),
        ("the zip is 94103", "the zip is 94103"),
        ("it costs 1,299.99", "it costs 1,299.99"),
        ("between 2019 and 2021", "between 2019 and 2021"),
        ("123456", "123456"),
        (
            "I bought 3 of them for 12 each",
            "I bought 3 of them for 12 each",
        ),
        ("invoice 1234567", "invoice 1234567"),
    ]);
}
