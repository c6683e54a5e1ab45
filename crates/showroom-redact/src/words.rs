//! Word lists: spoken numbers, context cues, fillers, units and stop words.
//!
//! Number words are English, with the single digits of Spanish, Portuguese, French and German
//! as well (a card read digit by digit is the common case). Articles that double as "one"
//! (`un`, `une`, `una`, `um`, `uma`, `ein`, `eine`) are left out: they would glue unrelated
//! numbers together.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A single digit said as a word, including `zero`; not the soft zeros `oh`/`o`.
pub(crate) fn unit(w: &str) -> Option<u8> {
    Some(match w {
        "zero" | "cero" | "zéro" | "null" | "nought" => 0,
        "one" | "uno" | "eins" => 1,
        "two" | "dos" | "dois" | "deux" | "zwei" | "zwo" => 2,
        "three" | "tres" | "três" | "trois" | "drei" => 3,
        "four" | "cuatro" | "quatro" | "quatre" | "vier" => 4,
        "five" | "cinco" | "cinq" | "fünf" => 5,
        "six" | "seis" | "sechs" => 6,
        "seven" | "siete" | "sete" | "sept" | "sieben" => 7,
        "eight" | "ocho" | "oito" | "huit" | "acht" => 8,
        "nine" | "nueve" | "nove" | "neuf" | "neun" => 9,
        _ => return None,
    })
}

/// English units only: the ones that combine with tens, `hundred` and `thousand`.
pub(crate) fn english_unit(w: &str) -> Option<u8> {
    Some(match w {
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        _ => return None,
    })
}

/// `oh` and `o` read as zero ("four oh one"), but only next to other digits.
pub(crate) fn is_soft_zero(w: &str) -> bool {
    matches!(w, "oh" | "o")
}

pub(crate) fn teen(w: &str) -> Option<u8> {
    Some(match w {
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        _ => return None,
    })
}

pub(crate) fn tens(w: &str) -> Option<u8> {
    Some(match w {
        "twenty" => 20,
        "thirty" => 30,
        "forty" | "fourty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    })
}

/// A word that is part of saying a number, or a hesitation inside one.
pub(crate) fn is_number_word(w: &str) -> bool {
    unit(w).is_some()
        || teen(w).is_some()
        || tens(w).is_some()
        || repeat(w).is_some()
        || is_soft_zero(w)
        || is_gap_word(w)
        || matches!(w, "hundred" | "thousand" | "plus")
}

/// `double four` = 44, `triple oh` = 000.
pub(crate) fn repeat(w: &str) -> Option<usize> {
    match w {
        "double" => Some(2),
        "triple" | "treble" => Some(3),
        _ => None,
    }
}

/// Hesitations and spoken separators that may sit inside a number being read out
/// ("four one one one, uh, …", "oh four slash twenty six").
pub(crate) fn is_gap_word(w: &str) -> bool {
    GAP_WORDS.contains(&w)
}

const GAP_WORDS: &[&str] = &[
    "uh", "um", "umm", "uhm", "er", "erm", "ah", "hmm", "mm", "eh", "em", "slash", "dash", "hyphen",
];

/// Symbols that may separate the groups of a number read out or written down.
pub(crate) fn is_gap_sym(c: char) -> bool {
    matches!(c, ',' | '.' | '-' | '–' | '—' | '/' | '(' | ')' | ';' | '…')
}

/// A word after a short number that makes it a quantity, not a code ("3 hours", "200 dollars").
pub(crate) fn is_unit(w: &str) -> bool {
    UNIT_WORDS.contains(&w)
}

const UNIT_WORDS: &[&str] = &[
    "hour", "hours", "minute", "minutes", "min", "mins", "second", "seconds", "day", "days",
    "week", "weeks", "month", "months", "year", "years", "time", "times", "am", "pm", "o'clock",
    "percent", "per", "dollar", "dollars", "buck", "bucks", "cent", "cents", "euro", "euros",
    "pound", "pounds", "peso", "pesos", "real", "reais", "reals", "yuan", "yen", "rupee", "rupees",
    "rs", "usd", "eur", "gbp", "item", "items", "piece", "pieces", "unit", "units", "box", "boxes",
    "pack", "packs", "pair", "pairs", "people", "person", "kids", "km", "miles", "mile", "kg",
    "kilos", "lbs", "grams", "inch", "inches", "gb", "tb", "mb", "ml", "liters", "litres",
    "meters", "metres", "feet", "calls", "emails", "orders", "stars", "horas", "minutos", "días",
    "dias", "heures", "jours", "stunden", "tage",
];

/// What a nearby word says about the number it precedes or follows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Cue {
    Card,
    SecurityCode,
    /// "code" or "PIN" alone: a security code only when a card was mentioned shortly before.
    WeakCode,
    Expiry,
    /// Order, tracking, invoice, zip… numbers: not cards, codes or phones.
    OtherId,
    /// "card ending in 1234": the four digits the shopper may say are not a security code.
    LastFour,
    Phone,
    Email,
}

impl Cue {
    pub fn is_card(self) -> bool {
        matches!(self, Cue::Card | Cue::SecurityCode | Cue::Expiry)
    }
}

const CUES: &[(&str, Cue)] = &[
    // Card.
    ("card", Cue::Card),
    ("cards", Cue::Card),
    ("credit", Cue::Card),
    ("debit", Cue::Card),
    ("visa", Cue::Card),
    ("mastercard", Cue::Card),
    ("master card", Cue::Card),
    ("amex", Cue::Card),
    ("american express", Cue::Card),
    ("discover card", Cue::Card),
    ("maestro", Cue::Card),
    ("jcb", Cue::Card),
    ("unionpay", Cue::Card),
    ("diners", Cue::Card),
    ("payment", Cue::Card),
    ("pan", Cue::Card),
    ("long number", Cue::Card),
    ("tarjeta", Cue::Card),
    ("carte", Cue::Card),
    ("karte", Cue::Card),
    ("kreditkarte", Cue::Card),
    ("cartão", Cue::Card),
    ("cartao", Cue::Card),
    // Security code.
    ("cvv", Cue::SecurityCode),
    ("cvv2", Cue::SecurityCode),
    ("cvc", Cue::SecurityCode),
    ("cvc2", Cue::SecurityCode),
    ("csc", Cue::SecurityCode),
    ("cid", Cue::SecurityCode),
    ("security code", Cue::SecurityCode),
    ("security number", Cue::SecurityCode),
    ("security digits", Cue::SecurityCode),
    ("verification code", Cue::SecurityCode),
    ("verification number", Cue::SecurityCode),
    ("card code", Cue::SecurityCode),
    ("code", Cue::WeakCode),
    ("pin", Cue::SecurityCode),
    ("three digits", Cue::SecurityCode),
    ("3 digits", Cue::SecurityCode),
    ("three digit", Cue::SecurityCode),
    ("3 digit", Cue::SecurityCode),
    ("on the back", Cue::SecurityCode),
    ("back of the card", Cue::SecurityCode),
    ("código", Cue::WeakCode),
    ("codigo", Cue::WeakCode),
    ("cryptogramme", Cue::SecurityCode),
    ("prüfnummer", Cue::SecurityCode),
    ("prüfziffer", Cue::SecurityCode),
    // Expiry.
    ("expiry", Cue::Expiry),
    ("expiration", Cue::Expiry),
    ("expires", Cue::Expiry),
    ("expire", Cue::Expiry),
    ("expiring", Cue::Expiry),
    ("exp", Cue::Expiry),
    ("valid thru", Cue::Expiry),
    ("valid through", Cue::Expiry),
    ("valid until", Cue::Expiry),
    ("good thru", Cue::Expiry),
    ("good through", Cue::Expiry),
    ("vencimiento", Cue::Expiry),
    ("caducidad", Cue::Expiry),
    ("vence", Cue::Expiry),
    ("validade", Cue::Expiry),
    ("ablaufdatum", Cue::Expiry),
    ("gültig bis", Cue::Expiry),
    // Other identifiers and amounts.
    ("order", Cue::OtherId),
    ("orders", Cue::OtherId),
    ("tracking", Cue::OtherId),
    ("track", Cue::OtherId),
    ("invoice", Cue::OtherId),
    ("reference", Cue::OtherId),
    ("ref", Cue::OtherId),
    ("confirmation", Cue::OtherId),
    ("ticket", Cue::OtherId),
    ("case", Cue::OtherId),
    ("reservation", Cue::OtherId),
    ("booking", Cue::OtherId),
    ("account", Cue::OtherId),
    ("customer number", Cue::OtherId),
    ("member", Cue::OtherId),
    ("membership", Cue::OtherId),
    ("serial", Cue::OtherId),
    ("model", Cue::OtherId),
    ("sku", Cue::OtherId),
    ("item", Cue::OtherId),
    ("product", Cue::OtherId),
    ("part", Cue::OtherId),
    ("imei", Cue::OtherId),
    ("zip", Cue::OtherId),
    ("zip code", Cue::OtherId),
    ("postal code", Cue::OtherId),
    ("postcode", Cue::OtherId),
    ("promo code", Cue::OtherId),
    ("discount code", Cue::OtherId),
    ("coupon", Cue::OtherId),
    ("coupon code", Cue::OtherId),
    ("voucher", Cue::OtherId),
    ("gift code", Cue::OtherId),
    ("balance", Cue::OtherId),
    ("total", Cue::OtherId),
    ("price", Cue::OtherId),
    ("cost", Cue::OtherId),
    ("costs", Cue::OtherId),
    ("amount", Cue::OtherId),
    ("charged", Cue::OtherId),
    ("refund", Cue::OtherId),
    ("pedido", Cue::OtherId),
    ("commande", Cue::OtherId),
    ("bestellung", Cue::OtherId),
    ("bestellnummer", Cue::OtherId),
    ("seguimiento", Cue::OtherId),
    ("rastreo", Cue::OtherId),
    ("ending in", Cue::LastFour),
    ("ends in", Cue::LastFour),
    ("ending with", Cue::LastFour),
    ("ends with", Cue::LastFour),
    ("last four", Cue::LastFour),
    ("last 4", Cue::LastFour),
    // Phone.
    ("phone", Cue::Phone),
    ("telephone", Cue::Phone),
    ("cell", Cue::Phone),
    ("cellphone", Cue::Phone),
    ("mobile", Cue::Phone),
    ("call", Cue::Phone),
    ("call me", Cue::Phone),
    ("call back", Cue::Phone),
    ("callback", Cue::Phone),
    ("text me", Cue::Phone),
    ("whatsapp", Cue::Phone),
    ("landline", Cue::Phone),
    ("fax", Cue::Phone),
    ("tel", Cue::Phone),
    ("reach me", Cue::Phone),
    ("contact number", Cue::Phone),
    ("teléfono", Cue::Phone),
    ("telefono", Cue::Phone),
    ("móvil", Cue::Phone),
    ("movil", Cue::Phone),
    ("celular", Cue::Phone),
    ("téléphone", Cue::Phone),
    ("portable", Cue::Phone),
    ("handy", Cue::Phone),
    ("handynummer", Cue::Phone),
    ("telefon", Cue::Phone),
    ("telefonnummer", Cue::Phone),
    ("telefone", Cue::Phone),
    // E-mail.
    ("email", Cue::Email),
    ("e-mail", Cue::Email),
    ("mail", Cue::Email),
    ("address", Cue::Email),
    ("correo", Cue::Email),
    ("courriel", Cue::Email),
    ("adresse", Cue::Email),
];

/// Cue phrases (as words) that start with one word, longest first.
pub(crate) type CuePhrases = Vec<(Vec<&'static str>, Cue)>;

/// Cue phrases by first word.
pub(crate) static CUE_INDEX: LazyLock<HashMap<&'static str, CuePhrases>> = LazyLock::new(|| {
    let mut index: HashMap<&'static str, CuePhrases> = HashMap::new();
    for &(phrase, cue) in CUES {
        let words: Vec<&'static str> = phrase.split(' ').collect();
        index.entry(words[0]).or_default().push((words, cue));
    }
    for list in index.values_mut() {
        list.sort_by_key(|(words, _)| std::cmp::Reverse(words.len()));
    }
    index
});

/// Words that say "at" in an address (`@`).
pub(crate) fn is_at_word(w: &str) -> bool {
    matches!(w, "at" | "arroba" | "arobase" | "klammeraffe")
}

/// Words that say "." in an address.
pub(crate) fn is_dot_word(w: &str) -> bool {
    matches!(w, "dot" | "period" | "punto" | "ponto" | "punkt" | "point")
}

/// Words that say `_`, `-` or `+` in the local part of an address.
pub(crate) fn is_local_joiner_word(w: &str) -> bool {
    matches!(
        w,
        "underscore" | "dash" | "hyphen" | "minus" | "guion" | "guión" | "tiret"
    )
}

/// Last labels of a domain accepted in a spoken address: generic and the common country TLDs.
pub(crate) fn is_tld(w: &str) -> bool {
    TLD_WORDS.contains(&w)
}

const TLD_WORDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "io", "co", "uk", "us", "ca", "de", "es",
    "fr", "mx", "br", "cn", "jp", "in", "info", "biz", "me", "ai", "app", "dev", "tv", "eu", "it",
    "nl", "be", "ch", "at", "au", "nz", "ru", "pl", "se", "no", "dk", "fi", "pt", "ie", "ar", "cl",
    "pe", "kr", "tw", "hk", "sg", "my", "ph", "id", "th", "vn", "za", "tr", "gr", "cz", "il", "ae",
    "online", "shop", "store", "xyz", "email", "live", "mail", "ne",
];

/// Mail providers: "… at gmail dot com" is an address even without the word "email" nearby.
pub(crate) fn is_mail_provider(w: &str) -> bool {
    MAIL_PROVIDER_WORDS.contains(&w)
}

const MAIL_PROVIDER_WORDS: &[&str] = &[
    "gmail",
    "googlemail",
    "yahoo",
    "hotmail",
    "outlook",
    "live",
    "msn",
    "icloud",
    "me",
    "mac",
    "aol",
    "proton",
    "protonmail",
    "pm",
    "gmx",
    "web",
    "orange",
    "free",
    "wanadoo",
    "laposte",
    "sfr",
    "qq",
    "163",
    "126",
    "yandex",
    "mail",
    "zoho",
    "comcast",
    "att",
    "verizon",
    "btinternet",
    "sky",
    "uol",
    "bol",
    "terra",
    "rediffmail",
    "docomo",
    "ezweb",
    "naver",
    "fastmail",
    "t-online",
    "yeah",
    "sina",
    "foxmail",
    "tutanota",
    "hey",
];

/// Words that cannot be the last word of a spoken local part ("look at amazon dot com").
pub(crate) fn is_stop_word(w: &str) -> bool {
    STOP_WORDS.contains(&w)
}

const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "it",
    "it's",
    "its",
    "this",
    "that",
    "these",
    "those",
    "them",
    "they",
    "him",
    "her",
    "he",
    "she",
    "me",
    "my",
    "you",
    "your",
    "we",
    "us",
    "our",
    "i",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "am",
    "do",
    "does",
    "did",
    "have",
    "has",
    "had",
    "will",
    "would",
    "can",
    "could",
    "should",
    "look",
    "looked",
    "looking",
    "see",
    "saw",
    "seen",
    "check",
    "checked",
    "buy",
    "bought",
    "order",
    "ordered",
    "purchase",
    "purchased",
    "find",
    "found",
    "get",
    "got",
    "go",
    "went",
    "arrive",
    "arrived",
    "come",
    "came",
    "live",
    "lives",
    "work",
    "works",
    "working",
    "home",
    "here",
    "there",
    "sale",
    "sold",
    "available",
    "online",
    "store",
    "shop",
    "website",
    "site",
    "page",
    "and",
    "or",
    "but",
    "so",
    "if",
    "then",
    "just",
    "also",
    "only",
    "still",
    "even",
    "email",
    "mail",
    "address",
    "e",
    "is:",
    "to",
    "from",
    "of",
    "for",
    "with",
    "on",
    "in",
    "by",
    "not",
    "yes",
    "no",
    "okay",
    "ok",
    "sure",
    "please",
    "thanks",
    "what's",
    "that's",
    "there's",
    "mine",
    "sent",
    "send",
    "write",
    "reply",
    "es",
    "mi",
    "est",
    "mon",
    "ist",
    "meine",
    "é",
    "meu",
    "well",
    "hi",
    "hello",
    "like",
    "actually",
    "um",
    "uh",
    "oh",
    "right",
    "yeah",
    "sorry",
    "thank",
];
