//! Durations as cfssl writes them: Go's `time.ParseDuration` ("8760h", "1h30m", "1.5h"),
//! plus `d` (24 hours) and `y` (365 days), which cfssl does not accept.

use time::Duration;

use crate::{CaError, DurationProblem};

/// Parses a non-negative duration: one or more `<number><unit>` terms, units `ns`, `us`
/// (or `µs`), `ms`, `s`, `m`, `h`, `d`, `y`; a bare `0` is zero.
///
/// # Errors
/// [`CaError::InvalidDuration`] naming `field` for an empty string, a missing or unknown
/// unit, a negative sign or an overflow.
pub fn parse_duration(field: &str, value: &str) -> Result<Duration, CaError> {
    let err = |problem| CaError::InvalidDuration {
        field: field.to_owned(),
        value: value.to_owned(),
        problem,
    };
    if value == "0" {
        return Ok(Duration::ZERO);
    }
    if value.is_empty() {
        return Err(err(DurationProblem::Empty));
    }
    if value.starts_with('-') {
        return Err(err(DurationProblem::Negative));
    }
    let mut rest = value.strip_prefix('+').unwrap_or(value);
    let mut total_ns: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(err(DurationProblem::ExpectedNumber));
        }
        let number: f64 = rest[..num_len]
            .parse()
            .map_err(|_| err(DurationProblem::MalformedNumber))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit_ns: f64 = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3_600e9,
            "d" => 86_400e9,
            "y" => 365.0 * 86_400e9,
            "" => return Err(err(DurationProblem::MissingUnit)),
            _ => return Err(err(DurationProblem::UnknownUnit)),
        };
        rest = &rest[unit_len..];
        total_ns += number * unit_ns;
    }
    // Far beyond any certificate's life; also keeps the float-to-int conversion exact enough.
    if !total_ns.is_finite() || total_ns > 1e9 * 86_400.0 * 365.0 * 1000.0 {
        return Err(err(DurationProblem::TooLong));
    }
    #[allow(clippy::cast_possible_truncation)]
    let ns = total_ns.round() as i64;
    Ok(Duration::nanoseconds(ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_syntax_and_days_and_years() {
        let p = |s| parse_duration("f", s).unwrap();
        assert_eq!(p("8760h"), Duration::hours(8760));
        assert_eq!(p("1h30m"), Duration::minutes(90));
        assert_eq!(p("1.5h"), Duration::minutes(90));
        assert_eq!(p("30d"), Duration::days(30));
        assert_eq!(p("1y"), Duration::days(365));
        assert_eq!(p("300s"), Duration::minutes(5));
        assert_eq!(p("0"), Duration::ZERO);
    }

    #[test]
    fn bad_durations_name_the_field() {
        for bad in ["", "10", "5x", "-1h", "h", "1..5h", "99999999y"] {
            let e = parse_duration("signing.default.expiry", bad)
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("signing.default.expiry: invalid duration"),
                "{bad}: {e}"
            );
        }
    }
}
