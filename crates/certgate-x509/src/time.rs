//! One time type: [`Timestamp`], seconds since the Unix epoch, read from X.509's
//! UTCTime and GeneralizedTime as RFC 5280 4.1.2.5 writes them and shown in RFC 3339.

use std::fmt;

use crate::der::tag::{GENERALIZED_TIME, UTC_TIME};
use crate::error::Problem;

/// A point in time, whole seconds since 1970-01-01T00:00:00Z (negative before).
///
/// X.509 times are whole seconds in UTC, so this is all they need; convert with
/// [`Timestamp::unix_seconds`] and [`Timestamp::from_unix_seconds`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The time `seconds` after the epoch.
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Self(seconds)
    }

    /// Seconds since the epoch.
    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// Seconds since the epoch, or zero before it (for APIs that count in `u64`).
    pub fn unix_seconds_u64(self) -> u64 {
        u64::try_from(self.0).unwrap_or(0)
    }

    /// The system clock, now.
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self(i64::try_from(secs).unwrap_or(i64::MAX))
    }

    /// Reads a UTCTime or GeneralizedTime (tag and content) as RFC 5280 4.1.2.5 writes
    /// them: `YYMMDDHHMMSSZ` (years 50 to 99 are 1950 to 1999) or `YYYYMMDDHHMMSSZ`,
    /// seconds present, no fraction, in UTC.
    ///
    /// # Errors
    /// [`Problem::BadTime`] for any other form or an impossible date.
    pub fn from_der_time(tag: u8, value: &[u8]) -> Result<Self, Problem> {
        let (year, rest) = match (tag, value.len()) {
            (UTC_TIME, 13) => {
                let yy = i64::from(two_digits(&value[0..2])?);
                (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &value[2..])
            }
            (GENERALIZED_TIME, 15) => {
                let hi = i64::from(two_digits(&value[0..2])?);
                let lo = i64::from(two_digits(&value[2..4])?);
                (hi * 100 + lo, &value[4..])
            }
            _ => return Err(Problem::BadTime),
        };
        if rest[10] != b'Z' {
            return Err(Problem::BadTime);
        }
        let month = two_digits(&rest[0..2])?;
        let day = two_digits(&rest[2..4])?;
        let hour = two_digits(&rest[4..6])?;
        let minute = two_digits(&rest[6..8])?;
        let second = two_digits(&rest[8..10])?;
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(Problem::BadTime);
        }
        let days = days_from_civil(year, month, day);
        Ok(Self(
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second),
        ))
    }

    /// Year, month, day, hour, minute, second (UTC).
    pub fn to_civil(self) -> (i64, u8, u8, u8, u8, u8) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let h = u8::try_from(secs / 3600).unwrap_or(0);
        let min = u8::try_from(secs % 3600 / 60).unwrap_or(0);
        let s = u8::try_from(secs % 60).unwrap_or(0);
        (y, m, d, h, min, s)
    }
}

/// RFC 3339 in UTC: `2026-11-30T03:39:22Z`.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d, h, min, s) = self.to_civil();
        write!(f, "{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z")
    }
}

fn two_digits(b: &[u8]) -> Result<u8, Problem> {
    match b {
        [a @ b'0'..=b'9', c @ b'0'..=b'9'] => Ok((a - b'0') * 10 + (c - b'0')),
        _ => Err(Problem::BadTime),
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u8::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u8::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc5280_times() {
        let t = Timestamp::from_der_time(UTC_TIME, b"261130033922Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-30T03:39:22Z");
        assert_eq!(t.unix_seconds(), 1_796_009_962);
        let t = Timestamp::from_der_time(UTC_TIME, b"500101000000Z").unwrap();
        assert_eq!(t.to_string(), "1950-01-01T00:00:00Z");
        assert!(t.unix_seconds() < 0);
        let t = Timestamp::from_der_time(GENERALIZED_TIME, b"20500101000000Z").unwrap();
        assert_eq!(t.to_string(), "2050-01-01T00:00:00Z");
        let last = Timestamp::from_der_time(GENERALIZED_TIME, b"99991231235959Z").unwrap();
        assert_eq!(last.to_string(), "9999-12-31T23:59:59Z");
        assert_eq!(last.unix_seconds(), 253_402_300_799);
        let leap = Timestamp::from_der_time(GENERALIZED_TIME, b"20240229235959Z").unwrap();
        assert_eq!(leap.to_string(), "2024-02-29T23:59:59Z");
        for bad in [
            &b"20230229000000Z"[..],
            b"20241301000000Z",
            b"20240101240000Z",
            b"20240101000060Z",
            b"2024010100000Z",
            b"20240101000000+0100",
            b"20240101000000.5Z",
        ] {
            assert_eq!(
                Timestamp::from_der_time(GENERALIZED_TIME, bad),
                Err(Problem::BadTime),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(Timestamp::from_der_time(UTC_TIME, b"2401010000Z").is_err());
        assert!(Timestamp::from_der_time(0x04, b"240101000000Z").is_err());
    }

    #[test]
    fn civil_round_trip() {
        for secs in [
            -1_000_000_000i64,
            -1,
            0,
            1,
            951_782_400,
            4_102_444_800,
            253_402_300_799,
        ] {
            let t = Timestamp::from_unix_seconds(secs);
            let (y, m, d, h, min, s) = t.to_civil();
            let back = days_from_civil(y, m, d) * 86_400
                + i64::from(h) * 3600
                + i64::from(min) * 60
                + i64::from(s);
            assert_eq!(back, secs);
        }
    }
}
