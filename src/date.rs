//! Calendar dates (`YYYY-MM-DD`), as written in rules and read from records.
//!
//! Hand-written rather than a date crate: the language only needs a proleptic
//! Gregorian day number for comparison, validation of the day of the month,
//! and today's date for `--as-of`.

use std::fmt;
use std::str::FromStr;

/// A calendar date. Ordering is chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, if it exists (`2021-02-30` does not).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Reads exactly `YYYY-MM-DD`.
    pub fn parse_exact(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let year = i32::try_from(digits(0..4)?).ok()?;
        let month = u8::try_from(digits(5..7)?).ok()?;
        let day = u8::try_from(digits(8..10)?).ok()?;
        Date::new(year, month, day)
    }

    /// Reads a string from a record as a date: `YYYY-MM-DD`, or the date part
    /// of an ISO 8601 date-time (`2021-03-04T10:00:00Z`, `2021-03-04 10:00`).
    pub fn parse_lenient(s: &str) -> Option<Date> {
        let head = s.get(..10)?;
        let rest = &s[10..];
        if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with('t') || rest.starts_with(' ')) {
            return None;
        }
        Date::parse_exact(head)
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let days = i64::try_from(secs / 86_400).unwrap_or(0);
        Date::from_days_since_epoch(days)
    }

    /// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    fn from_days_since_epoch(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Date, String> {
        Date::parse_exact(s).ok_or_else(|| format!("`{s}` is not a date: expected YYYY-MM-DD, a real calendar day"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        assert_eq!(Date::parse_exact("2021-01-01").map(|d| d.to_string()).as_deref(), Some("2021-01-01"));
        assert!(Date::parse_exact("2021-02-30").is_none());
        assert!(Date::parse_exact("2020-02-29").is_some());
        assert!(Date::parse_exact("1900-02-29").is_none());
        assert!(Date::parse_exact("2000-02-29").is_some());
        assert!(Date::parse_exact("2021-13-01").is_none());
        assert!(Date::parse_exact("2021-1-01").is_none());
        assert!(Date::parse_exact("２021-01-01").is_none());
    }

    #[test]
    fn lenient_takes_the_date_part_of_a_date_time() {
        assert_eq!(Date::parse_lenient("2021-03-04T10:00:00Z"), Date::parse_exact("2021-03-04"));
        assert_eq!(Date::parse_lenient("2021-03-04 10:00"), Date::parse_exact("2021-03-04"));
        assert!(Date::parse_lenient("2021-03-04x").is_none());
        assert!(Date::parse_lenient("March 4").is_none());
    }

    #[test]
    fn ordering_is_chronological() {
        let a = Date::parse_exact("2020-12-31");
        let b = Date::parse_exact("2021-01-01");
        assert!(a < b);
    }

    #[test]
    fn epoch_conversion() {
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days_since_epoch(18_628).to_string(), "2021-01-01");
        assert_eq!(Date::from_days_since_epoch(-1).to_string(), "1969-12-31");
    }
}
