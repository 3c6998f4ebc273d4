//! eSIM activation codes.
//!
//! An activation code tells a phone where to download its profile: the SM-DP+ server's
//! address and a matching id, written for QR codes as `LPA:1$<SM-DP+ address>$<matching id>`
//! (GSMA SGP.22), optionally followed by the SM-DP+ OID and a `$1` flag that says a
//! confirmation code is needed. Providers hand it over in several shapes (a full LPA string, a
//! bare matching id beside an address field, or the two parts alone); [`ActivationCode`]
//! accepts each and gives back every form a shopper needs: the QR payload, the iOS one-tap
//! link, and the two fields an Android phone asks for when typed in by hand.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Apple's universal link that installs an eSIM in one tap (iOS 17.4 and later).
const IOS_INSTALL_LINK: &str = "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=";
/// Android's equivalent; supported on some devices only, so always shown with the QR code.
const ANDROID_INSTALL_LINK: &str =
    "https://esimsetup.android.com/esim_qrcode_provisioning?carddata=";
/// Longest address or matching id accepted; real ones are far shorter.
const MAX_PART_LEN: usize = 255;

/// A validated activation code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActivationCode {
    smdp_address: String,
    matching_id: String,
    oid: Option<String>,
    confirmation_required: bool,
}

/// Why text is not an activation code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActivationCodeError {
    /// Nothing was given.
    #[error("the activation code is empty")]
    Empty,
    /// The text does not start with `LPA:1$` and has no separate address to go with it.
    #[error("the activation code must start with \"LPA:1$\"")]
    NotLpa,
    /// An `LPA:` code of a format version other than 1.
    #[error("unsupported activation code format version \"{0}\"")]
    UnsupportedVersion(String),
    /// The SM-DP+ address is missing or not a host name.
    #[error("\"{0}\" is not a valid SM-DP+ address")]
    InvalidAddress(String),
    /// The matching id is missing or holds characters no matching id has.
    #[error("\"{0}\" is not a valid matching id")]
    InvalidMatchingId(String),
    /// The OID is not dotted digits.
    #[error("\"{0}\" is not a valid SM-DP+ OID")]
    InvalidOid(String),
    /// Something after the OID other than the confirmation flag `1`.
    #[error("unexpected \"{0}\" at the end of the activation code")]
    TrailingData(String),
}

impl ActivationCode {
    /// Returns a code built from an SM-DP+ address and a matching id, as VeloeSIM, eSIM Go,
    /// Airalo and PressOne report them.
    pub fn from_parts(
        smdp_address: &str,
        matching_id: &str,
    ) -> Result<ActivationCode, ActivationCodeError> {
        Ok(ActivationCode {
            smdp_address: valid_address(smdp_address)?,
            matching_id: valid_matching_id(matching_id)?,
            oid: None,
            confirmation_required: false,
        })
    }

    /// Parses `code`, which may be a full LPA string or, as in Vellosim's API reference, a
    /// bare matching id whose address comes in a separate field.
    pub fn parse_with_address(
        code: &str,
        smdp_address: Option<&str>,
    ) -> Result<ActivationCode, ActivationCodeError> {
        let trimmed = code.trim();
        if has_lpa_prefix(trimmed) {
            return trimmed.parse();
        }
        match smdp_address {
            Some(address) => ActivationCode::from_parts(address, trimmed),
            None if trimmed.is_empty() => Err(ActivationCodeError::Empty),
            None => Err(ActivationCodeError::NotLpa),
        }
    }

    /// Requires a confirmation code at install time (the `$1` flag).
    pub fn with_confirmation_required(mut self, required: bool) -> ActivationCode {
        self.confirmation_required = required;
        self
    }

    /// Returns the SM-DP+ address, as typed into an Android phone's "SM-DP+ address" field.
    pub fn smdp_address(&self) -> &str {
        &self.smdp_address
    }

    /// Returns the matching id, as typed into an Android phone's "activation code" field.
    pub fn matching_id(&self) -> &str {
        &self.matching_id
    }

    /// Returns the SM-DP+ OID, when the code carries one.
    pub fn oid(&self) -> Option<&str> {
        self.oid.as_deref()
    }

    /// Returns whether the phone will ask for a confirmation code.
    pub fn confirmation_required(&self) -> bool {
        self.confirmation_required
    }

    /// Returns the full LPA string, which is also the QR code's payload.
    pub fn to_lpa(&self) -> String {
        let mut lpa = format!("LPA:1${}${}", self.smdp_address, self.matching_id);
        if self.oid.is_some() || self.confirmation_required {
            lpa.push('$');
            lpa.push_str(self.oid.as_deref().unwrap_or(""));
        }
        if self.confirmation_required {
            lpa.push_str("$1");
        }
        lpa
    }

    /// Returns Apple's one-tap install link. The LPA needs no escaping: every character it may
    /// hold (host names, `[A-Za-z0-9._-]`, `:`, `$`) is allowed in a query string.
    pub fn ios_install_link(&self) -> String {
        format!("{IOS_INSTALL_LINK}{}", self.to_lpa())
    }

    /// Returns Android's provisioning link (best effort: not every device supports it).
    pub fn android_install_link(&self) -> String {
        format!("{ANDROID_INSTALL_LINK}{}", self.to_lpa())
    }
}

impl FromStr for ActivationCode {
    type Err = ActivationCodeError;

    /// Parses `LPA:1$<address>$<matching id>[$<oid>[$1]]`, ignoring surrounding whitespace
    /// and the case of the `LPA:` prefix.
    fn from_str(s: &str) -> Result<ActivationCode, ActivationCodeError> {
        let text = s.trim();
        if text.is_empty() {
            return Err(ActivationCodeError::Empty);
        }
        if !has_lpa_prefix(text) {
            return Err(ActivationCodeError::NotLpa);
        }
        let mut fields = text[4..].split('$');
        let version = fields.next().unwrap_or_default();
        if version != "1" {
            return Err(ActivationCodeError::UnsupportedVersion(version.to_owned()));
        }
        let address = valid_address(fields.next().unwrap_or_default())?;
        let matching_id = valid_matching_id(fields.next().unwrap_or_default())?;
        let oid = match fields.next() {
            None | Some("") => None,
            Some(oid) if is_oid(oid) => Some(oid.to_owned()),
            Some(oid) => return Err(ActivationCodeError::InvalidOid(oid.to_owned())),
        };
        let confirmation_required = match fields.next() {
            None => false,
            Some("1") => true,
            Some(other) => return Err(ActivationCodeError::TrailingData(other.to_owned())),
        };
        if let Some(extra) = fields.next() {
            return Err(ActivationCodeError::TrailingData(extra.to_owned()));
        }
        Ok(ActivationCode {
            smdp_address: address,
            matching_id,
            oid,
            confirmation_required,
        })
    }
}

impl fmt::Display for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_lpa())
    }
}

/// On the wire an activation code is its LPA string.
impl Serialize for ActivationCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_lpa())
    }
}

impl<'de> Deserialize<'de> for ActivationCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ActivationCode, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn has_lpa_prefix(text: &str) -> bool {
    text.get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("LPA:"))
}

/// An SM-DP+ address is a host name, optionally with a port: labels of letters, digits and
/// hyphens separated by dots.
fn valid_address(address: &str) -> Result<String, ActivationCodeError> {
    let address = address.trim();
    let invalid = || ActivationCodeError::InvalidAddress(address.to_owned());
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (address, None),
    };
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    if address.is_empty()
        || address.len() > MAX_PART_LEN
        || !host.split('.').all(label_ok)
        || !port_ok
    {
        return Err(invalid());
    }
    Ok(address.to_owned())
}

/// A matching id is a token of letters, digits, hyphens (SGP.22's AC_Token), and, as some
/// providers issue them, dots and underscores.
fn valid_matching_id(matching_id: &str) -> Result<String, ActivationCodeError> {
    let id = matching_id.trim();
    if id.is_empty()
        || id.len() > MAX_PART_LEN
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        return Err(ActivationCodeError::InvalidMatchingId(id.to_owned()));
    }
    Ok(id.to_owned())
}

fn is_oid(oid: &str) -> bool {
    oid.len() <= MAX_PART_LEN
        && oid
            .split('.')
            .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_vellosim_guide_example() {
        // providers.md §0.4: `ac` = full LPA in real data.
        let code: ActivationCode = "LPA:1$rsp-eu.simlessly.com$D1094CA8E3B54F1D9F2A"
            .parse()
            .unwrap();
        assert_eq!(code.smdp_address(), "rsp-eu.simlessly.com");
        assert_eq!(code.matching_id(), "D1094CA8E3B54F1D9F2A");
        assert_eq!(code.oid(), None);
        assert!(!code.confirmation_required());
        assert_eq!(
            code.to_lpa(),
            "LPA:1$rsp-eu.simlessly.com$D1094CA8E3B54F1D9F2A"
        );
    }

    #[test]
    fn parses_oid_and_confirmation_flag() {
        // SGP.22's own example, with the LPA: prefix a QR code needs.
        let code: ActivationCode =
            "LPA:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1"
                .parse()
                .unwrap();
        assert_eq!(code.smdp_address(), "SMDP.GSMA.COM");
        assert_eq!(code.matching_id(), "04386-AGYFT-A74Y8-3F815");
        assert_eq!(code.oid(), Some("1.3.6.1.4.1.31746"));
        assert!(code.confirmation_required());
        assert_eq!(
            code.to_lpa(),
            "LPA:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1"
        );
        let flag_only: ActivationCode = "LPA:1$smdp.example.com$ABC$$1".parse().unwrap();
        assert!(flag_only.confirmation_required());
        assert_eq!(flag_only.oid(), None);
        assert_eq!(flag_only.to_lpa(), "LPA:1$smdp.example.com$ABC$$1");
    }

    #[test]
    fn accepts_lowercase_prefix_whitespace_and_ports() {
        let code: ActivationCode = "  lpa:1$smdp.example.com:8443$abc-123  ".parse().unwrap();
        assert_eq!(code.smdp_address(), "smdp.example.com:8443");
        assert_eq!(code.to_lpa(), "LPA:1$smdp.example.com:8443$abc-123");
    }

    #[test]
    fn bare_matching_id_uses_the_separate_address() {
        // Vellosim's API reference: `ac` is the matching id alone, beside `smdpAddress`.
        let code =
            ActivationCode::parse_with_address("D109XYZ", Some("rsp-eu.simlessly.com")).unwrap();
        assert_eq!(code.to_lpa(), "LPA:1$rsp-eu.simlessly.com$D109XYZ");
        // A full LPA in `ac` wins over the address field.
        let full = ActivationCode::parse_with_address(
            "LPA:1$a.example.com$M1",
            Some("ignored.example.com"),
        )
        .unwrap();
        assert_eq!(full.smdp_address(), "a.example.com");
        assert_eq!(
            ActivationCode::parse_with_address("D109XYZ", None),
            Err(ActivationCodeError::NotLpa)
        );
        assert_eq!(
            ActivationCode::parse_with_address(" ", None),
            Err(ActivationCodeError::Empty)
        );
    }

    #[test]
    fn builds_from_parts_as_veloesim_and_esim_go_report_them() {
        let code = ActivationCode::from_parts("smdp.io", "K2-1ABCDE-XYZ").unwrap();
        assert_eq!(code.to_string(), "LPA:1$smdp.io$K2-1ABCDE-XYZ");
        assert_eq!(
            code.with_confirmation_required(true).to_lpa(),
            "LPA:1$smdp.io$K2-1ABCDE-XYZ$$1"
        );
    }

    #[test]
    fn install_links_carry_the_lpa() {
        let code = ActivationCode::from_parts("smdp.io", "ABC").unwrap();
        assert_eq!(
            code.ios_install_link(),
            "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA:1$smdp.io$ABC"
        );
        assert_eq!(
            code.android_install_link(),
            "https://esimsetup.android.com/esim_qrcode_provisioning?carddata=LPA:1$smdp.io$ABC"
        );
    }

    #[test]
    fn every_error_is_typed() {
        use ActivationCodeError as E;
        let cases: &[(&str, E)] = &[
            ("", E::Empty),
            ("   ", E::Empty),
            ("1$smdp.io$ABC", E::NotLpa),
            ("LPA:2$smdp.io$ABC", E::UnsupportedVersion("2".into())),
            ("LPA:", E::UnsupportedVersion("".into())),
            ("LPA:1", E::InvalidAddress("".into())),
            ("LPA:1$$ABC", E::InvalidAddress("".into())),
            ("LPA:1$bad host$ABC", E::InvalidAddress("bad host".into())),
            ("LPA:1$-bad.io$ABC", E::InvalidAddress("-bad.io".into())),
            ("LPA:1$smdp..io$ABC", E::InvalidAddress("smdp..io".into())),
            (
                "LPA:1$smdp.io:99999$ABC",
                E::InvalidAddress("smdp.io:99999".into()),
            ),
            ("LPA:1$smdp.io", E::InvalidMatchingId("".into())),
            ("LPA:1$smdp.io$", E::InvalidMatchingId("".into())),
            ("LPA:1$smdp.io$AB C", E::InvalidMatchingId("AB C".into())),
            (
                "LPA:1$smdp.io$<script>",
                E::InvalidMatchingId("<script>".into()),
            ),
            ("LPA:1$smdp.io$ABC$1.x.3", E::InvalidOid("1.x.3".into())),
            ("LPA:1$smdp.io$ABC$1.2$2", E::TrailingData("2".into())),
            ("LPA:1$smdp.io$ABC$1.2$1$x", E::TrailingData("x".into())),
        ];
        for (text, expected) in cases {
            assert_eq!(
                text.parse::<ActivationCode>().as_ref(),
                Err(expected),
                "{text:?}"
            );
        }
        assert!(matches!(
            ActivationCode::from_parts("smdp.io", &"A".repeat(300)),
            Err(E::InvalidMatchingId(_))
        ));
        assert!(E::NotLpa.to_string().contains("LPA:1$"));
    }

    #[test]
    fn wire_form_is_the_lpa_string() {
        let code = ActivationCode::from_parts("smdp.io", "ABC").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"LPA:1$smdp.io$ABC\"");
        assert_eq!(serde_json::from_str::<ActivationCode>(&json).unwrap(), code);
        assert!(serde_json::from_str::<ActivationCode>("\"nope\"").is_err());
    }

    proptest! {
        #[test]
        fn built_codes_parse_back_to_themselves(
            host in "[a-z][a-z0-9]{0,10}(\\.[a-z][a-z0-9-]{0,8}[a-z0-9]){1,3}",
            id in "[A-Za-z0-9][A-Za-z0-9._-]{0,40}",
            oid in proptest::option::of("[0-9]{1,3}(\\.[0-9]{1,5}){0,6}"),
            confirm in any::<bool>(),
        ) {
            let mut text = format!("LPA:1${host}${id}");
            if oid.is_some() || confirm {
                text.push('$');
                text.push_str(oid.as_deref().unwrap_or(""));
            }
            if confirm {
                text.push_str("$1");
            }
            let code: ActivationCode = text.parse().unwrap();
            prop_assert_eq!(code.to_lpa(), text);
            prop_assert_eq!(code.confirmation_required(), confirm);
        }

        #[test]
        fn parsing_never_panics(text in "(?s).{0,80}", address in proptest::option::of(".{0,20}")) {
            let _ = text.parse::<ActivationCode>();
            let _ = ActivationCode::parse_with_address(&text, address.as_deref());
        }
    }
}
