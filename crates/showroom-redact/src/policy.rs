//! Per-tenant redaction policy: which kinds are masked and how.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a tenant wants masked. Deserializes from TOML/JSON with every field optional:
/// `Policy::default()` masks everything, keeps the last four digits of cards and uses labels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Payment card numbers (PAN), written or spoken.
    pub cards: bool,
    /// Security codes (CVV/CVC/CID, PIN) said in card context.
    pub security_codes: bool,
    /// Card expiry dates said in card context.
    pub expiry_dates: bool,
    /// E-mail addresses, written or spoken ("john dot smith at gmail dot com").
    pub emails: bool,
    /// Phone numbers, international or national, written or spoken.
    pub phones: bool,
    /// Show the last four digits of a card in its mask (`[card ••••1111]`), as PCI DSS allows.
    pub keep_last4: bool,
    /// How a mask reads.
    pub mask_style: MaskStyle,
    /// Regions whose national formats (no `+country` prefix) are accepted as phone numbers.
    /// Numbers with `+`/`plus` are checked against every region whatever this says.
    pub phone_regions: Vec<Region>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            cards: true,
            security_codes: true,
            expiry_dates: true,
            emails: true,
            phones: true,
            keep_last4: true,
            mask_style: MaskStyle::Labeled,
            phone_regions: Region::DEFAULTS
                .iter()
                .map(|r| r.parse().expect("known region"))
                .collect(),
        }
    }
}

impl Policy {
    /// A policy that masks nothing (redaction off for a tenant).
    pub fn disabled() -> Self {
        Self {
            cards: false,
            security_codes: false,
            expiry_dates: false,
            emails: false,
            phones: false,
            ..Self::default()
        }
    }

    /// Whether this policy masks `kind`.
    pub fn masks(&self, kind: PiiKind) -> bool {
        match kind {
            PiiKind::Card => self.cards,
            PiiKind::SecurityCode => self.security_codes,
            PiiKind::Expiry => self.expiry_dates,
            PiiKind::Email => self.emails,
            PiiKind::Phone => self.phones,
        }
    }
}

/// How masks read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskStyle {
    /// `[card ••••1111]`, `[cvv]`, `[expiry]`, `[email]`, `[phone]`.
    #[default]
    Labeled,
    /// `[redacted]` for every kind (`[redacted ••••1111]` for a card with `keep_last4`):
    /// the text does not even say what was removed.
    Generic,
}

/// The kinds of personal data this crate finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Card,
    SecurityCode,
    Expiry,
    Email,
    Phone,
}

impl PiiKind {
    /// The word used in a labeled mask.
    pub fn label(self) -> &'static str {
        match self {
            PiiKind::Card => "card",
            PiiKind::SecurityCode => "cvv",
            PiiKind::Expiry => "expiry",
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
        }
    }
}

/// A phone numbering region (ISO 3166-1 alpha-2, e.g. `"US"`, `"GB"`), validated against
/// libphonenumber's list when parsed or deserialized.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(pub(crate) phonenumber::country::Id);

impl Region {
    /// The regions accepted by default: US/CA, UK, DE, ES, FR, MX, BR, CN, JP, IN.
    pub const DEFAULTS: [&'static str; 11] = [
        "US", "CA", "GB", "DE", "ES", "FR", "MX", "BR", "CN", "JP", "IN",
    ];

    /// The region's code, e.g. `"GB"`.
    pub fn code(&self) -> &str {
        self.0.as_ref()
    }
}

/// A region code that libphonenumber does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown phone region {0:?} (expected an ISO 3166-1 alpha-2 code such as \"GB\")")]
pub struct UnknownRegion(pub String);

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        // "UK" is what people write; libphonenumber says "GB".
        let upper = if upper == "UK" {
            "GB".to_string()
        } else {
            upper
        };
        upper
            .parse::<phonenumber::country::Id>()
            .map(Region)
            .map_err(|_| UnknownRegion(s.to_string()))
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({})", self.code())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Region {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
