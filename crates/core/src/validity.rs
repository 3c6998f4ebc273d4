//! How long a plan lasts.
//!
//! A [`Validity`] is an amount of hours, days or months, as providers state it
//! (`duration` + `durationUnit`). The clock starts when a plan is first used (or, for some
//! providers, when it is bought); [`Validity::remaining`] answers "how long is left" from that
//! start and the current time, both as Unix seconds so that this crate needs no clock.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;
/// A month of validity is 30 days, as the providers' "1 month" plans are sold.
const MONTH: i64 = 30 * DAY;

/// The unit of a validity period.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidityUnit {
    Hour,
    Day,
    Month,
}

impl ValidityUnit {
    /// Returns the lowercase name used on the wire and in class names.
    pub fn as_str(&self) -> &'static str {
        match self {
            ValidityUnit::Hour => "hour",
            ValidityUnit::Day => "day",
            ValidityUnit::Month => "month",
        }
    }

    fn seconds(&self) -> i64 {
        match self {
            ValidityUnit::Hour => HOUR,
            ValidityUnit::Day => DAY,
            ValidityUnit::Month => MONTH,
        }
    }
}

/// A unit name a provider sent that is not hour, day or month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a validity unit (expected HOUR, DAY or MONTH)")]
pub struct ValidityUnitError(pub String);

impl FromStr for ValidityUnit {
    type Err = ValidityUnitError;

    /// Parses `DAY`, `days`, `Hour`, `MONTHS`... in any case, singular or plural.
    fn from_str(s: &str) -> Result<ValidityUnit, ValidityUnitError> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.strip_suffix('s').unwrap_or(&lower) {
            "hour" | "h" => Ok(ValidityUnit::Hour),
            "day" | "d" => Ok(ValidityUnit::Day),
            "month" => Ok(ValidityUnit::Month),
            _ => Err(ValidityUnitError(s.to_owned())),
        }
    }
}

/// How long a plan lasts once started.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Validity {
    /// How many units.
    pub amount: u32,
    /// Which unit.
    pub unit: ValidityUnit,
}

impl Validity {
    /// Returns a validity of `amount` days.
    pub fn days(amount: u32) -> Validity {
        Validity {
            amount,
            unit: ValidityUnit::Day,
        }
    }

    /// Returns a validity of `amount` hours.
    pub fn hours(amount: u32) -> Validity {
        Validity {
            amount,
            unit: ValidityUnit::Hour,
        }
    }

    /// Returns a validity of `amount` months of 30 days.
    pub fn months(amount: u32) -> Validity {
        Validity {
            amount,
            unit: ValidityUnit::Month,
        }
    }

    /// Returns the length in seconds.
    pub fn seconds(&self) -> i64 {
        i64::from(self.amount) * self.unit.seconds()
    }

    /// Returns the length in whole days, rounding partial days up (24 hours is 1 day, 36 hours
    /// is 2), for filters and sorting.
    pub fn whole_days(&self) -> u32 {
        let days = (self.seconds() + DAY - 1) / DAY;
        u32::try_from(days).unwrap_or(u32::MAX)
    }

    /// Returns what is left of the validity at `now` for a plan started at `started_at`
    /// (both Unix seconds). A plan not yet started has all of it left.
    pub fn remaining(&self, started_at: Option<i64>, now: i64) -> Remaining {
        let total = self.seconds();
        let left = match started_at {
            None => total,
            Some(start) => start
                .saturating_add(total)
                .saturating_sub(now)
                .clamp(0, total),
        };
        Remaining { seconds: left }
    }

    /// Adds another validity, as an eSIM Access top-up extends a plan (7 days + 7 days).
    /// The result is in the smaller of the two units.
    pub fn extended_by(&self, other: Validity) -> Validity {
        let unit = [self.unit, other.unit]
            .into_iter()
            .min_by_key(ValidityUnit::seconds)
            .unwrap_or(self.unit);
        let amount = (self.seconds() + other.seconds()) / unit.seconds();
        Validity {
            amount: u32::try_from(amount).unwrap_or(u32::MAX),
            unit,
        }
    }
}

impl fmt::Display for Validity {
    /// Shows "7 days", "1 day", "24 hours", "1 month"; the widget uses its message tables.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.amount == 1 { "" } else { "s" };
        write!(f, "{} {}{plural}", self.amount, self.unit.as_str())
    }
}

/// Time left on a plan.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remaining {
    /// Seconds left, never negative.
    pub seconds: i64,
}

impl Remaining {
    /// Returns whether no time is left.
    pub fn is_over(&self) -> bool {
        self.seconds == 0
    }

    /// Returns the days left, counting a started day as a day ("1 day left" until the end).
    pub fn days_left(&self) -> i64 {
        (self.seconds + DAY - 1) / DAY
    }

    /// Returns the hours left, counting a started hour as an hour.
    pub fn hours_left(&self) -> i64 {
        (self.seconds + HOUR - 1) / HOUR
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_units_parse_in_any_case_and_number() {
        assert_eq!("DAY".parse(), Ok(ValidityUnit::Day));
        assert_eq!("days".parse(), Ok(ValidityUnit::Day));
        assert_eq!("Hour".parse(), Ok(ValidityUnit::Hour));
        assert_eq!("MONTHS".parse(), Ok(ValidityUnit::Month));
        assert_eq!(
            "fortnight".parse::<ValidityUnit>(),
            Err(ValidityUnitError("fortnight".into()))
        );
        assert_eq!(
            "".parse::<ValidityUnit>(),
            Err(ValidityUnitError("".into()))
        );
    }

    #[test]
    fn display_reads_naturally() {
        assert_eq!(Validity::days(7).to_string(), "7 days");
        assert_eq!(Validity::days(1).to_string(), "1 day");
        assert_eq!(Validity::hours(24).to_string(), "24 hours");
        assert_eq!(Validity::months(1).to_string(), "1 month");
    }

    #[test]
    fn whole_days_round_partial_days_up() {
        assert_eq!(Validity::hours(24).whole_days(), 1);
        assert_eq!(Validity::hours(36).whole_days(), 2);
        assert_eq!(Validity::hours(1).whole_days(), 1);
        assert_eq!(Validity::months(2).whole_days(), 60);
        assert_eq!(Validity::days(0).whole_days(), 0);
    }

    #[test]
    fn remaining_counts_down_from_the_start() {
        let week = Validity::days(7);
        let start = 1_700_000_000;
        assert_eq!(week.remaining(None, start).days_left(), 7);
        assert_eq!(week.remaining(Some(start), start).days_left(), 7);
        let after_two_and_a_half = start + 2 * DAY + DAY / 2;
        assert_eq!(
            week.remaining(Some(start), after_two_and_a_half)
                .days_left(),
            5
        );
        assert_eq!(
            week.remaining(Some(start), after_two_and_a_half)
                .hours_left(),
            4 * 24 + 12
        );
        let over = week.remaining(Some(start), start + 8 * DAY);
        assert!(over.is_over());
        assert_eq!(over.days_left(), 0);
        // A start in the future (clock skew) never gives more than the whole validity.
        assert_eq!(
            week.remaining(Some(start + DAY), start).seconds,
            week.seconds()
        );
    }

    #[test]
    fn extending_adds_in_the_smaller_unit() {
        assert_eq!(
            Validity::days(7).extended_by(Validity::days(7)),
            Validity::days(14)
        );
        assert_eq!(
            Validity::days(1).extended_by(Validity::hours(12)),
            Validity::hours(36)
        );
        assert_eq!(
            Validity::months(1).extended_by(Validity::days(5)),
            Validity::days(35)
        );
    }

    #[test]
    fn wire_form() {
        let json = serde_json::to_string(&Validity::days(7)).unwrap();
        assert_eq!(json, r#"{"amount":7,"unit":"day"}"#);
        assert!(serde_json::from_str::<Validity>(r#"{"amount":7,"unit":"week"}"#).is_err());
    }
}
