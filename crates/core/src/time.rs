//! Provider timestamps as Unix seconds. Providers write times in every form (providers.md §0.3):
//! eSIM Access `2023-08-17T17:01:37+0000` (offset without a colon), Airalo `2023-02-27 08:30:14`
//! (no zone: UTC), eSIM Go RFC 3339 with nanoseconds or epoch milliseconds, CloudeSIM a bare date
//! `2024-12-31`. One parser reads them all, without a date library.

/// Why a timestamp could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a timestamp (expected e.g. 2024-12-31T23:59:59Z or epoch seconds)")]
pub struct TimestampError(pub String);

/// Writes Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC), for people reading a list.
pub fn format_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days, the inverse of `days_from_civil`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Reads a provider timestamp as Unix seconds (UTC), dropping fractions of a second.
///
/// Accepted: `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DD HH:MM:SS` or with `T`, optionally with
/// a fraction and a zone `Z`, `±HH:MM`, `±HHMM` or `±HH` (no zone means UTC); and a bare integer,
/// read as epoch milliseconds from 12 digits on (any time after March 1973), else epoch seconds.
pub fn parse_timestamp(text: &str) -> Result<i64, TimestampError> {
    let bad = || TimestampError(text.to_owned());
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = t.parse().map_err(|_| bad())?;
        return Ok(if t.len() >= 12 { n / 1000 } else { n });
    }
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let year = digits(b, 0, 4).ok_or_else(bad)?;
    let month = digits(b, 5, 2).ok_or_else(bad)?;
    let day = digits(b, 8, 2).ok_or_else(bad)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(bad());
    }
    let date = days_from_civil(year, month, day) * 86_400;
    if b.len() == 10 {
        return Ok(date);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return Err(bad());
    }
    let hour = digits(b, 11, 2).ok_or_else(bad)?;
    let minute = digits(b, 14, 2).ok_or_else(bad)?;
    let second = digits(b, 17, 2).ok_or_else(bad)?;
    if hour > 23 || minute > 59 || second > 60 {
        return Err(bad());
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Err(bad());
        }
        rest = &fraction[n..];
    }
    let offset = match rest {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), zone @ ..] => {
            let (h, m) = match zone {
                [_, _] => (digits(zone, 0, 2), Some(0)),
                [_, _, _, _] => (digits(zone, 0, 2), digits(zone, 2, 2)),
                [_, _, b':', _, _] => (digits(zone, 0, 2), digits(zone, 3, 2)),
                _ => return Err(bad()),
            };
            let (h, m) = (h.ok_or_else(bad)?, m.ok_or_else(bad)?);
            if h > 23 || m > 59 {
                return Err(bad());
            }
            let seconds = h * 3600 + m * 60;
            if *sign == b'+' {
                seconds
            } else {
                -seconds
            }
        }
        _ => return Err(bad()),
    };
    Ok(date + hour * 3600 + minute * 60 + second - offset)
}

/// Reads `len` ASCII digits of `b` from `at`.
fn digits(b: &[u8], at: usize, len: usize) -> Option<i64> {
    let part = b.get(at..at + len)?;
    part.iter().try_fold(0i64, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unix_seconds_are_written_as_utc() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_825_600), "2000-02-29T12:00:00Z");
        assert_eq!(format_utc(-1), "1969-12-31T23:59:59Z");
    }

    proptest! {
        #[test]
        fn what_is_written_reads_back(unix in -2_000_000_000i64..8_000_000_000) {
            prop_assert_eq!(parse_timestamp(&format_utc(unix)).unwrap(), unix);
        }
    }

    #[test]
    fn reads_every_documented_form() {
        // eSIM Access: offset without a colon.
        assert_eq!(
            parse_timestamp("2023-08-17T17:01:37+0000"),
            Ok(1_692_291_697)
        );
        // Airalo: no zone means UTC.
        assert_eq!(parse_timestamp("2023-02-27 08:30:14"), Ok(1_677_486_614));
        // CloudeSIM: a date alone is its midnight, UTC.
        assert_eq!(parse_timestamp("2024-12-31"), Ok(1_735_603_200));
        // eSIM Go: RFC 3339 with nanoseconds, and epoch milliseconds.
        assert_eq!(
            parse_timestamp("2025-01-02T03:04:05.123456789Z"),
            Ok(1_735_787_045)
        );
        assert_eq!(parse_timestamp("1735787045123"), Ok(1_735_787_045));
        assert_eq!(parse_timestamp("1735787045"), Ok(1_735_787_045));
        // Offsets with a colon, east and west, on a leap day.
        assert_eq!(
            parse_timestamp("2024-02-29T12:00:00+05:30"),
            Ok(1_709_188_200)
        );
        assert_eq!(parse_timestamp("2024-02-29T01:30:00-05"), Ok(1_709_188_200));
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for text in [
            "",
            "soon",
            "2023-02-30",
            "2023-13-01",
            "2023-02-27 25:00:00",
            "2023-02-27T08:30",
            "2023-02-27T08:30:14+5",
            "2023-02-27T08:30:14.Z",
            "2023-02-27T08:30:14 UTC",
            "-1700000000",
        ] {
            assert_eq!(
                parse_timestamp(text),
                Err(TimestampError(text.to_owned())),
                "{text}"
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let _ = parse_timestamp(&text);
        }

        #[test]
        fn agrees_with_itself_across_zones(
            days in 0i64..40_000,
            second in 0i64..86_400,
            offset_minutes in -14i64 * 60..=14 * 60,
        ) {
            // A UTC time, written in another zone, reads back as the same instant.
            let utc = days * 86_400 + second;
            let local = utc + offset_minutes * 60;
            let (d, s) = (local.div_euclid(86_400), local.rem_euclid(86_400));
            let (y, m, dd) = civil_from_days(d);
            let sign = if offset_minutes < 0 { '-' } else { '+' };
            let text = format!(
                "{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
                s / 3600, s / 60 % 60, s % 60,
                offset_minutes.abs() / 60, offset_minutes.abs() % 60,
            );
            prop_assert_eq!(parse_timestamp(&text), Ok(utc), "{}", text);
        }
    }

    /// The inverse of `days_from_civil`, for the round trip above.
    fn civil_from_days(z: i64) -> (i64, i64, i64) {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (if m <= 2 { y + 1 } else { y }, m, d)
    }
}
