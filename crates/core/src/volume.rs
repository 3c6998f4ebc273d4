//! Data volumes.
//!
//! A [`Volume`] is an amount of mobile data: a number of bytes, or unlimited. Providers count
//! data in four different ways (bytes; "binary" megabytes of 1,048,576 bytes; "decimal"
//! megabytes of 1,000,000 bytes; strings such as `"1 GB"`), and each of those has exactly one
//! constructor here, so that an adapter converts a provider's unit once and never again.
//!
//! Volumes are shown with binary units, as the providers' own documentation does
//! (5,368,709,120 bytes is "5GB"), with one decimal only when it is needed ("1.5GB").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes in a binary kilobyte (KiB).
pub const KIB: u64 = 1024;
/// Bytes in a binary megabyte (MiB), the "MB" of Airalo, PressOne and CloudeSIM.
pub const MIB: u64 = 1024 * KIB;
/// Bytes in a binary gigabyte (GiB), the "GB" of Vellosim's volumes.
pub const GIB: u64 = 1024 * MIB;
/// Bytes in a binary terabyte (TiB).
pub const TIB: u64 = 1024 * GIB;
/// Bytes in a decimal megabyte, the unit of VeloeSIM's plan `dataAmount`.
pub const DECIMAL_MB: u64 = 1_000_000;

/// An amount of mobile data.
///
/// Ordered so that every finite volume is smaller than [`Volume::Unlimited`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Volume {
    /// A finite number of bytes.
    Bytes(u64),
    /// No data cap (fair-use policies aside).
    Unlimited,
}

/// Why a volume could not be built from a provider's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VolumeError {
    /// The value does not fit in 64 bits of bytes: a provider sent nonsense.
    #[error("data volume is too large")]
    Overflow,
    /// A negative number of bytes or megabytes.
    #[error("data volume cannot be negative")]
    Negative,
    /// Text that is not a volume, such as `"five gigs"`.
    #[error("\"{0}\" is not a data volume (expected e.g. \"5GB\", \"512 MB\" or \"Unlimited\")")]
    Unparseable(String),
}

/// The unit a volume is shown in, from [`Volume::scaled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeUnit {
    B,
    KB,
    MB,
    GB,
    TB,
}

impl VolumeUnit {
    /// Returns the unit's symbol as shown to shoppers ("GB").
    pub fn as_str(&self) -> &'static str {
        match self {
            VolumeUnit::B => "B",
            VolumeUnit::KB => "KB",
            VolumeUnit::MB => "MB",
            VolumeUnit::GB => "GB",
            VolumeUnit::TB => "TB",
        }
    }

    fn bytes(&self) -> u64 {
        match self {
            VolumeUnit::B => 1,
            VolumeUnit::KB => KIB,
            VolumeUnit::MB => MIB,
            VolumeUnit::GB => GIB,
            VolumeUnit::TB => TIB,
        }
    }

    /// The unit's size in decimal bytes (1 MB = 1,000,000).
    fn decimal_bytes(&self) -> u64 {
        match self {
            VolumeUnit::B => 1,
            VolumeUnit::KB => 1_000,
            VolumeUnit::MB => 1_000_000,
            VolumeUnit::GB => 1_000_000_000,
            VolumeUnit::TB => 1_000_000_000_000,
        }
    }

    fn bigger(&self) -> Option<VolumeUnit> {
        match self {
            VolumeUnit::B => Some(VolumeUnit::KB),
            VolumeUnit::KB => Some(VolumeUnit::MB),
            VolumeUnit::MB => Some(VolumeUnit::GB),
            VolumeUnit::GB => Some(VolumeUnit::TB),
            VolumeUnit::TB => None,
        }
    }
}

/// A finite volume scaled for display: `tenths` of `unit`, e.g. 15 tenths of GB is "1.5GB".
///
/// The widget formats this with `Intl.NumberFormat` so that a French shopper reads "1,5 GB".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaledVolume {
    /// The amount in tenths of `unit`, rounded half up.
    pub tenths: u64,
    /// The unit.
    pub unit: VolumeUnit,
}

impl ScaledVolume {
    /// Returns whether the amount has a fractional part worth showing.
    pub fn has_fraction(&self) -> bool {
        !self.tenths.is_multiple_of(10)
    }
}

impl fmt::Display for ScaledVolume {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.tenths / 10;
        let tenth = self.tenths % 10;
        if tenth == 0 {
            write!(f, "{whole}{}", self.unit.as_str())
        } else {
            write!(f, "{whole}.{tenth}{}", self.unit.as_str())
        }
    }
}

impl Volume {
    /// Returns a volume of `bytes` bytes (Vellosim, eSIM Access, VeloeSIM eSIM buckets).
    pub fn from_bytes(bytes: u64) -> Volume {
        Volume::Bytes(bytes)
    }

    /// Returns a volume from a signed byte count, refusing negative values.
    pub fn from_bytes_signed(bytes: i64) -> Result<Volume, VolumeError> {
        u64::try_from(bytes)
            .map(Volume::Bytes)
            .map_err(|_| VolumeError::Negative)
    }

    /// Returns a volume of `mb` binary megabytes of 1,048,576 bytes each, the unit of Airalo,
    /// PressOne and CloudeSIM (1024 MB = "1 GB").
    pub fn from_megabytes_binary(mb: u64) -> Result<Volume, VolumeError> {
        mb.checked_mul(MIB)
            .map(Volume::Bytes)
            .ok_or(VolumeError::Overflow)
    }

    /// Returns a volume of `mb` decimal megabytes of 1,000,000 bytes each, the unit of
    /// VeloeSIM's plan `dataAmount` (1000 MB = 1,000,000,000 bytes).
    pub fn from_megabytes_decimal(mb: u64) -> Result<Volume, VolumeError> {
        mb.checked_mul(DECIMAL_MB)
            .map(Volume::Bytes)
            .ok_or(VolumeError::Overflow)
    }

    /// Returns a volume of `gb` binary gigabytes.
    pub fn from_gigabytes(gb: u64) -> Result<Volume, VolumeError> {
        gb.checked_mul(GIB)
            .map(Volume::Bytes)
            .ok_or(VolumeError::Overflow)
    }

    /// Returns the bytes of a finite volume, `None` for unlimited.
    pub fn bytes(&self) -> Option<u64> {
        match self {
            Volume::Bytes(b) => Some(*b),
            Volume::Unlimited => None,
        }
    }

    /// Returns whether the volume has no cap.
    pub fn is_unlimited(&self) -> bool {
        matches!(self, Volume::Unlimited)
    }

    /// Returns what is left of this volume after `used` bytes, never below zero.
    pub fn remaining_after(&self, used: u64) -> Volume {
        match self {
            Volume::Bytes(b) => Volume::Bytes(b.saturating_sub(used)),
            Volume::Unlimited => Volume::Unlimited,
        }
    }

    /// Adds two volumes, as a top-up adds to a plan; unlimited absorbs anything.
    pub fn checked_add(&self, other: Volume) -> Result<Volume, VolumeError> {
        match (self, other) {
            (Volume::Bytes(a), Volume::Bytes(b)) => a
                .checked_add(b)
                .map(Volume::Bytes)
                .ok_or(VolumeError::Overflow),
            _ => Ok(Volume::Unlimited),
        }
    }

    /// Returns the share of this volume that `used` bytes represent, in per mille (0 to
    /// 1000, clamped), for a usage bar; `None` for unlimited or empty volumes.
    pub fn used_per_mille(&self, used: u64) -> Option<u16> {
        let total = self.bytes().filter(|t| *t > 0)?;
        let per_mille = (u128::from(used.min(total)) * 1000 / u128::from(total)) as u16;
        Some(per_mille)
    }

    /// Returns whether the volume was sold in decimal units: a whole number of decimal
    /// megabytes (1,000,000 bytes) that is not a whole number of binary ones, as VeloeSIM's
    /// "5GB" of 5,000,000,000 bytes. Such a volume is shown in decimal units ("5GB", not
    /// "4.7GB"), which is how its seller names it.
    pub fn is_decimal(&self) -> bool {
        self.bytes()
            .is_some_and(|b| b > 0 && b.is_multiple_of(1_000_000) && !b.is_multiple_of(MIB))
    }

    /// Returns the volume scaled to the largest unit in which it is at least 1 (binary units,
    /// or decimal ones for a volume sold in them: see [`Volume::is_decimal`]), in tenths
    /// rounded half up (promoting to the next unit when rounding reaches 1024 or 1000);
    /// `None` for unlimited.
    pub fn scaled(&self) -> Option<ScaledVolume> {
        self.scaled_in(self.is_decimal())
    }

    /// Returns the volume scaled in the same kind of units as `reference`, so that usage
    /// reads "1.5GB of 5GB" in one system.
    pub fn scaled_like(&self, reference: &Volume) -> Option<ScaledVolume> {
        self.scaled_in(reference.is_decimal())
    }

    fn scaled_in(&self, decimal: bool) -> Option<ScaledVolume> {
        let bytes = self.bytes()?;
        let size = |unit: VolumeUnit| {
            if decimal {
                unit.decimal_bytes()
            } else {
                unit.bytes()
            }
        };
        let mut unit = VolumeUnit::B;
        while let Some(next) = unit.bigger() {
            if bytes < size(next) {
                break;
            }
            unit = next;
        }
        let mut tenths = round_half_up(u128::from(bytes) * 10, u128::from(size(unit)));
        // 1023.96 MB rounds to 1024.0 MB, which reads better as 1GB.
        let step = if decimal { 10_000 } else { 10_240 };
        if tenths >= step {
            if let Some(next) = unit.bigger() {
                unit = next;
                tenths = round_half_up(u128::from(bytes) * 10, u128::from(size(unit)));
            }
        }
        // Zero bytes reads "0MB": shoppers think in megabytes, never in bytes.
        if bytes == 0 {
            unit = VolumeUnit::MB;
        }
        Some(ScaledVolume {
            tenths: tenths as u64,
            unit,
        })
    }
}

fn round_half_up(numerator: u128, denominator: u128) -> u128 {
    (numerator + denominator / 2) / denominator
}

impl fmt::Display for Volume {
    /// Shows the volume as the seed documents do: "5GB", "512MB", "1.5GB", "Unlimited".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scaled() {
            Some(scaled) => scaled.fmt(f),
            None => f.write_str("Unlimited"),
        }
    }
}

impl FromStr for Volume {
    type Err = VolumeError;

    /// Parses provider strings such as `"1 GB"`, `"5GB"`, `"500MB"`, `"1.5 GB"`, `"100 KB"`
    /// or `"Unlimited"` (any case). Units are binary, as the providers use them: "1 GB" is
    /// 1024 MB. A number without a unit is bytes. Fractions round to the nearest byte.
    fn from_str(s: &str) -> Result<Volume, VolumeError> {
        let unparseable = || VolumeError::Unparseable(s.to_owned());
        let text = s.trim();
        if text.eq_ignore_ascii_case("unlimited") {
            return Ok(Volume::Unlimited);
        }
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let unit = match unit.trim().to_ascii_uppercase().as_str() {
            "" | "B" => VolumeUnit::B,
            "K" | "KB" | "KIB" => VolumeUnit::KB,
            "M" | "MB" | "MIB" => VolumeUnit::MB,
            "G" | "GB" | "GIB" => VolumeUnit::GB,
            "T" | "TB" | "TIB" => VolumeUnit::TB,
            _ => return Err(unparseable()),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
            || fraction.len() > 9
        {
            return Err(unparseable());
        }
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| VolumeError::Overflow)?
        };
        let scale = 10u128.pow(fraction.len() as u32);
        let fraction: u128 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().map_err(|_| unparseable())?
        };
        let unit_bytes = u128::from(unit.bytes());
        let bytes = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(fraction))
            .and_then(|n| n.checked_mul(unit_bytes))
            .map(|n| round_half_up(n, scale))
            .ok_or(VolumeError::Overflow)?;
        u64::try_from(bytes)
            .map(Volume::Bytes)
            .map_err(|_| VolumeError::Overflow)
    }
}

/// On the wire a volume is a number of bytes, or the string `"unlimited"`.
impl Serialize for Volume {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Volume::Bytes(b) => serializer.serialize_u64(*b),
            Volume::Unlimited => serializer.serialize_str("unlimited"),
        }
    }
}

impl<'de> Deserialize<'de> for Volume {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Volume, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Bytes(u64),
            Text(String),
        }
        match Wire::deserialize(deserializer)? {
            Wire::Bytes(b) => Ok(Volume::Bytes(b)),
            Wire::Text(t) if t.eq_ignore_ascii_case("unlimited") => Ok(Volume::Unlimited),
            Wire::Text(t) => Err(serde::de::Error::custom(format!(
                "expected a number of bytes or \"unlimited\", got \"{t}\""
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn volumes_sold_in_decimal_units_read_as_sold() {
        // VeloeSIM's "5GB" is 5,000 decimal megabytes.
        let five = Volume::from_megabytes_decimal(5000).unwrap();
        assert!(five.is_decimal());
        assert_eq!(five.to_string(), "5GB");
        assert_eq!(
            Volume::from_megabytes_decimal(1000).unwrap().to_string(),
            "1GB"
        );
        assert_eq!(
            Volume::from_megabytes_decimal(10_000).unwrap().to_string(),
            "10GB"
        );
        assert_eq!(
            Volume::from_megabytes_decimal(500).unwrap().to_string(),
            "500MB"
        );
        // Binary volumes stay binary, even those also a whole number of decimal megabytes.
        assert!(!Volume::Bytes(5 << 30).is_decimal());
        assert_eq!(Volume::Bytes(5 << 30).to_string(), "5GB");
        assert!(!Volume::from_megabytes_binary(15_625).unwrap().is_decimal());
        assert!(!Volume::Bytes(0).is_decimal() && !Volume::Unlimited.is_decimal());
        // Usage reads in the plan's units.
        let used = Volume::Bytes(1_234_567_891);
        assert_eq!(used.scaled_like(&five).unwrap().to_string(), "1.2GB");
        assert_eq!(used.scaled().unwrap().to_string(), "1.1GB");
        assert_eq!(
            Volume::Bytes(999_960_000)
                .scaled_like(&five)
                .unwrap()
                .to_string(),
            "1GB"
        );
    }
    #[test]
    fn seed_examples_display_as_the_vellosim_docs_show() {
        // ../shared/seeds/001: "volume": 5368709120 is "5GB"; 536870912 is "512MB".
        assert_eq!(Volume::from_bytes(5_368_709_120).to_string(), "5GB");
        assert_eq!(Volume::from_bytes(536_870_912).to_string(), "512MB");
        assert_eq!(Volume::from_bytes(1_610_612_736).to_string(), "1.5GB");
        assert_eq!(Volume::Unlimited.to_string(), "Unlimited");
    }

    #[test]
    fn display_uses_one_decimal_only_when_needed() {
        assert_eq!(Volume::from_bytes(GIB).to_string(), "1GB");
        assert_eq!(Volume::from_bytes(GIB + GIB / 4).to_string(), "1.3GB");
        assert_eq!(Volume::from_bytes(20 * GIB).to_string(), "20GB");
        assert_eq!(Volume::from_bytes(100 * MIB).to_string(), "100MB");
        assert_eq!(Volume::from_bytes(1536).to_string(), "1.5KB");
        assert_eq!(Volume::from_bytes(512).to_string(), "512B");
        assert_eq!(Volume::from_bytes(0).to_string(), "0MB");
        assert_eq!(Volume::from_bytes(2 * TIB).to_string(), "2TB");
    }

    #[test]
    fn display_promotes_when_rounding_reaches_the_next_unit() {
        // 1023.97 MB would read "1024MB"; it is shown as "1GB".
        assert_eq!(Volume::from_bytes(GIB - 30 * KIB).to_string(), "1GB");
        assert_eq!(Volume::from_bytes(GIB - 200 * MIB).to_string(), "824MB");
    }

    #[test]
    fn decimal_megabytes_are_a_million_bytes() {
        // VeloeSIM: dataAmount 1000 => initialQuantityInBytes 1,000,000,000.
        assert_eq!(
            Volume::from_megabytes_decimal(1000),
            Ok(Volume::Bytes(1_000_000_000))
        );
        // Shown as its seller names it, not as 953.7 binary megabytes.
        assert_eq!(Volume::from_bytes(1_000_000_000).to_string(), "1GB");
    }

    #[test]
    fn binary_megabytes_make_binary_gigabytes() {
        // PressOne / Airalo / CloudeSIM: 1024 MB is "1 GB".
        assert_eq!(Volume::from_megabytes_binary(1024), Ok(Volume::Bytes(GIB)));
        assert_eq!(
            Volume::from_megabytes_binary(1024).unwrap().to_string(),
            "1GB"
        );
    }

    #[test]
    fn overflowing_units_are_errors_not_wraps() {
        assert_eq!(
            Volume::from_megabytes_binary(u64::MAX),
            Err(VolumeError::Overflow)
        );
        assert_eq!(
            Volume::from_megabytes_decimal(u64::MAX / 2),
            Err(VolumeError::Overflow)
        );
        assert_eq!(Volume::from_gigabytes(u64::MAX), Err(VolumeError::Overflow));
        assert_eq!(
            Volume::from_bytes(u64::MAX).checked_add(Volume::from_bytes(1)),
            Err(VolumeError::Overflow)
        );
        assert_eq!(
            "99999999999TB".parse::<Volume>(),
            Err(VolumeError::Overflow)
        );
    }

    #[test]
    fn negative_byte_counts_are_refused() {
        assert_eq!(Volume::from_bytes_signed(-1), Err(VolumeError::Negative));
        assert_eq!(Volume::from_bytes_signed(42), Ok(Volume::Bytes(42)));
    }

    #[test]
    fn strings_parse_in_binary_units() {
        let cases = [
            ("1 GB", GIB),
            ("5GB", 5 * GIB),
            ("500MB", 500 * MIB),
            ("1.5 GB", GIB + GIB / 2),
            ("0.5gb", GIB / 2),
            ("100 KB", 100 * KIB),
            ("2048", 2048),
            (" 3 gib ", 3 * GIB),
            (".5GB", GIB / 2),
            ("1TB", TIB),
        ];
        for (text, bytes) in cases {
            assert_eq!(text.parse::<Volume>(), Ok(Volume::Bytes(bytes)), "{text}");
        }
        assert_eq!("Unlimited".parse::<Volume>(), Ok(Volume::Unlimited));
        assert_eq!("UNLIMITED".parse::<Volume>(), Ok(Volume::Unlimited));
    }

    #[test]
    fn nonsense_strings_are_unparseable() {
        for text in [
            "", "GB", "five GB", "1..5GB", "1.5.2GB", "-1GB", "1 XB", "1e3MB", ".",
        ] {
            assert!(
                matches!(text.parse::<Volume>(), Err(VolumeError::Unparseable(_))),
                "{text:?} should not parse"
            );
        }
        let message = "abc".parse::<Volume>().unwrap_err().to_string();
        assert!(message.contains("\"abc\""), "{message}");
    }

    #[test]
    fn unlimited_is_greater_than_any_finite_volume() {
        assert!(Volume::Unlimited > Volume::from_bytes(u64::MAX));
        assert!(Volume::from_bytes(2) > Volume::from_bytes(1));
    }

    #[test]
    fn remaining_and_usage_share() {
        let plan = Volume::from_bytes(1000);
        assert_eq!(plan.remaining_after(250), Volume::Bytes(750));
        assert_eq!(plan.remaining_after(5000), Volume::Bytes(0));
        assert_eq!(plan.used_per_mille(250), Some(250));
        assert_eq!(plan.used_per_mille(5000), Some(1000));
        assert_eq!(Volume::Unlimited.used_per_mille(5), None);
        assert_eq!(Volume::from_bytes(0).used_per_mille(0), None);
        assert_eq!(Volume::Unlimited.remaining_after(5), Volume::Unlimited);
        assert_eq!(plan.checked_add(Volume::Unlimited), Ok(Volume::Unlimited));
    }

    #[test]
    fn wire_form_is_bytes_or_unlimited() {
        assert_eq!(serde_json::to_string(&Volume::Bytes(5)).unwrap(), "5");
        assert_eq!(
            serde_json::to_string(&Volume::Unlimited).unwrap(),
            "\"unlimited\""
        );
        assert_eq!(
            serde_json::from_str::<Volume>("7").unwrap(),
            Volume::Bytes(7)
        );
        assert_eq!(
            serde_json::from_str::<Volume>("\"Unlimited\"").unwrap(),
            Volume::Unlimited
        );
        assert!(serde_json::from_str::<Volume>("\"lots\"").is_err());
        assert!(serde_json::from_str::<Volume>("-3").is_err());
    }

    proptest! {
        #[test]
        fn display_parses_back_to_within_half_a_tenth(bytes in 1u64..(1u64 << 50)) {
            let shown = Volume::from_bytes(bytes).to_string();
            let parsed = shown.parse::<Volume>().unwrap().bytes().unwrap();
            let scaled = Volume::from_bytes(bytes).scaled().unwrap();
            // Display rounds to a tenth of its unit, so parsing it back lands within half a
            // tenth of that unit of the original.
            let tolerance = scaled.unit.bytes() / 20 + 1;
            prop_assert!(parsed.abs_diff(bytes) <= tolerance, "{bytes} shown as {shown} parsed as {parsed}");
        }

        #[test]
        fn display_has_at_most_one_decimal_and_a_sane_mantissa(bytes in 0u64..u64::MAX) {
            let scaled = Volume::from_bytes(bytes).scaled().unwrap();
            let shown = scaled.to_string();
            let number = shown.trim_end_matches(char::is_alphabetic);
            prop_assert!(number.split('.').nth(1).is_none_or(|d| d.len() == 1), "{shown}");
            prop_assert!(!number.ends_with(".0"), "{shown}");
            if scaled.unit != VolumeUnit::TB {
                prop_assert!(scaled.tenths < 10_240, "{shown}");
            }
        }

        #[test]
        fn display_is_monotonic(a in 0u64..(1u64 << 52), b in 0u64..(1u64 << 52)) {
            let (small, large) = if a <= b { (a, b) } else { (b, a) };
            let parse = |v: u64| Volume::from_bytes(v).to_string().parse::<Volume>().unwrap();
            prop_assert!(parse(small) <= parse(large));
        }

        #[test]
        fn parsing_never_panics(text in ".{0,24}") {
            let _ = text.parse::<Volume>();
        }
    }
}
