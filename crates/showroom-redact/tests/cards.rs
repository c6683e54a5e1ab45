//! Card numbers, security codes and expiry dates.

mod common;

use common::check;

#[test]
fn card_numbers_written_as_digits() {
    check(&[
        (
            "my card is 4111 1111 1111 1111 thanks",
            "my card is [card ••••1111] thanks",
        ),
        ("4111-1111-1111-1111", "[card ••••1111]"),
        ("It's 4111111111111111.", "It's [card ••••1111]."),
        (
            "number 5555 5555 5555 4444, right",
            "number [card ••••4444], right",
        ),
        // Amex 15 digits in 4-6-5 groups.
        ("amex 3782 822463 10005", "amex [card ••••0005]"),
        // Visa 13 digits.
        ("the card 4222222222222", "the card [card ••••2222]"),
        // 19-digit card.
        ("card 6011 0009 9013 9424 123", "card [card ••••9424] [cvv]"),
        ("4111.1111.1111.1111", "[card ••••1111]"),
        ("4111, 1111, 1111, 1111.", "[card ••••1111]."),
        // No context at all: a Luhn-valid 16-digit number is still a card.
        (
            "ok so 4012 8888 8888 1881 and that's it",
            "ok so [card ••••1881] and that's it",
        ),
    ]);
}

#[test]
fn card_numbers_spoken_as_words() {
    check(&[
        (
            "my card number is four one one one one one one one one one one one one one one one",
            "my card number is [card ••••1111]",
        ),
        (
            "it's four one one one, one one one one, one one one one, one one one one.",
            "it's [card ••••1111].",
        ),
        (
            "four one double one, triple one one, one one one one, double one one one",
            "[card ••••1111]",
        ),
        // "oh" for zero, mixed digits and words, hyphens.
        (
            "card is six oh one one, oh oh oh nine, nine oh one three, nine four two four",
            "card is [card ••••9424]",
        ),
        (
            "card: 4111 one one one one 1111 one-one-one-one",
            "card: [card ••••1111]",
        ),
        // Read in pairs.
        (
            "the card, forty-one eleven, eleven eleven, eleven eleven, eleven eleven",
            "the card, [card ••••1111]",
        ),
        (
            "card four thousand one hundred eleven, eleven eleven, eleven eleven, eleven eleven",
            "card [card ••••1111]",
        ),
        // Whisper writing the compound as a figure.
        ("card 4,111 1111 1111 1111", "card [card ••••1111]"),
        // Hesitation inside.
        ("card 4111 1111 um 1111 1111", "card [card ••••1111]"),
        // Spoken with no cue word anywhere.
        (
            "yeah five five five five five five five five five five five five four four four four ok",
            "yeah [card ••••4444] ok",
        ),
    ]);
}

#[test]
fn luhn_decides_outside_card_context() {
    check(&[
        // Luhn fails, no card context: kept (an ID of some kind).
        (
            "the code on the box is 1234 5678 9012 3456",
            "the code on the box is 1234 5678 9012 3456",
        ),
        (
            "reference 4111 1111 1111 1112",
            "reference 4111 1111 1111 1112",
        ),
        (
            "tracking number 9400 1000 0000 0000 0000 00",
            "tracking number 9400 1000 0000 0000 0000 00",
        ),
        // Luhn passes: masked whatever the cue, because it is a valid card number.
        ("order 4111 1111 1111 1111", "order [card ••••1111]"),
        // A stray digit before the card does not hide it.
        (
            "I have two 4111 1111 1111 1111",
            "I have two [card ••••1111]",
        ),
    ]);
}

#[test]
fn luhn_failing_numbers_in_card_context_are_still_masked() {
    // ASR mishears single digits; in card context a failing checksum is more likely a
    // transcription error than a different kind of number.
    check(&[
        (
            "my credit card is 4111 1111 1111 1112",
            "my credit card is [card]",
        ),
        (
            "visa four one one one one one one one one one one one one one one two",
            "visa [card]",
        ),
        // A digit dropped by ASR: 15 digits.
        ("card number 4111 1111 1111 111", "card number [card]"),
    ]);
}

#[test]
fn security_codes_only_in_card_context() {
    check(&[
        ("the security code is 123", "the security code is [cvv]"),
        ("CVV one two three", "CVV [cvv]"),
        ("and the CVC is 4 5 6 7", "and the CVC is [cvv]"),
        (
            "the three digits on the back are seven three one",
            "the three digits on the back are [cvv]",
        ),
        (
            "card 4111 1111 1111 1111, and 737",
            "card [card ••••1111], and [cvv]",
        ),
        ("4111 1111 1111 1111 code 123", "[card ••••1111] code [cvv]"),
        ("security code one twenty three", "security code [cvv]"),
        // Not card context.
        ("I waited three hours", "I waited three hours"),
        ("I waited 123 minutes", "I waited 123 minutes"),
        ("my order 123", "my order 123"),
        ("we have 250 in stock", "we have 250 in stock"),
        // Card context, but the number is something else.
        (
            "card 4111 1111 1111 1111. My order 123 is late",
            "card [card ••••1111]. My order 123 is late",
        ),
        (
            "my card was charged 129 dollars",
            "my card was charged 129 dollars",
        ),
        ("my card was charged $129", "my card was charged $129"),
        (
            "my card got declined after 3 hours",
            "my card got declined after 3 hours",
        ),
        (
            "the card ending in 1111 please",
            "the card ending in 1111 please",
        ),
        (
            "the last four digits of the card are 4242, and the CVV is 123",
            "the last four digits of the card are 4242, and the CVV is [cvv]",
        ),
        // "code" alone needs a card mentioned shortly before.
        ("the code on the box is 123", "the code on the box is 123"),
        (
            "card 4111 1111 1111 1111, the code is 123",
            "card [card ••••1111], the code is [cvv]",
        ),
        ("my PIN is 1234", "my PIN is [cvv]"),
    ]);
}

#[test]
fn expiry_dates_in_card_context() {
    check(&[
        ("expiry 12/27", "expiry [expiry]"),
        (
            "the expiration date is twelve twenty seven",
            "the expiration date is [expiry]",
        ),
        (
            "card 4111 1111 1111 1111 expires 04/2028 cvv 123",
            "card [card ••••1111] expires [expiry] cvv [cvv]",
        ),
        ("valid thru oh four twenty six", "valid thru [expiry]"),
        (
            "my card, expiry twelve slash twenty seven",
            "my card, expiry [expiry]",
        ),
        ("expires in March 2027", "expires in March [expiry]"),
        // Not card context: a date stays.
        ("it arrived on 12/27", "it arrived on 12/27"),
    ]);
}
