//! The fields of an expense, checked one by one: what the form posts and what a row of
//! the workbook holds are checked by the same functions.

use std::borrow::Cow;
use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime};

use super::error::{Field, FieldProblem, MoneyError};

/// Digits before the point: up to 999 999 999 999.99, more than any household spends,
/// and so far inside `u64` cents that a million rows still add up in `u128` without care.
pub const MAX_AMOUNT_INTEGER_DIGITS: usize = 12;
/// Digits after the point: cents, as the currencies of a household budget have.
pub const MAX_AMOUNT_FRACTION_DIGITS: usize = 2;
/// A category is what `SUMIFS` matches on: a short label that fits a phone's screen.
pub const MAX_CATEGORY_CHARS: usize = 40;
/// A note is a reminder (where, for whom), not a document; it keeps rows readable.
pub const MAX_NOTE_CHARS: usize = 200;
/// ISO 4217 codes are three letters.
pub const CURRENCY_CODE_LETTERS: usize = 3;
/// A device fingerprint: SHA-256 as lowercase hex.
const FINGERPRINT_HEX_DIGITS: usize = 64;

/// An amount of money in cents: positive, never a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount {
    cents: u64,
}

impl Amount {
    /// Reads `12`, `12.5` or `12.50` (surrounding spaces ignored; leading zeros dropped).
    ///
    /// # Errors
    /// [`FieldProblem::NotADecimal`] (signs, exponents, spaces inside, `12.`),
    /// [`FieldProblem::DecimalComma`], [`FieldProblem::TooManyFractionDigits`],
    /// [`FieldProblem::TooManyIntegerDigits`], [`FieldProblem::NotPositive`] (`0`, `-1`),
    /// [`FieldProblem::Empty`].
    pub fn parse(text: &str) -> Result<Self, FieldProblem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(FieldProblem::Empty);
        }
        if let Some(negative) = text.strip_prefix('-') {
            // A well-formed negative number gets the more helpful reason.
            let well_formed = !negative.starts_with('-')
                && matches!(
                    Self::parse(negative),
                    Ok(_) | Err(FieldProblem::NotPositive)
                );
            return Err(if well_formed {
                FieldProblem::NotPositive
            } else {
                FieldProblem::NotADecimal
            });
        }
        let (integer, fraction) = match text.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => match text.split_once(',') {
                Some((i, f)) if all_digits(i) && all_digits(f) => {
                    return Err(FieldProblem::DecimalComma);
                }
                _ => (text, None),
            },
        };
        if !all_digits(integer) || fraction.is_some_and(|f| !all_digits(f)) {
            return Err(FieldProblem::NotADecimal);
        }
        let fraction = fraction.unwrap_or("");
        if fraction.len() > MAX_AMOUNT_FRACTION_DIGITS {
            return Err(FieldProblem::TooManyFractionDigits {
                max: MAX_AMOUNT_FRACTION_DIGITS,
            });
        }
        let significant = integer.trim_start_matches('0');
        if significant.len() > MAX_AMOUNT_INTEGER_DIGITS {
            return Err(FieldProblem::TooManyIntegerDigits {
                max: MAX_AMOUNT_INTEGER_DIGITS,
            });
        }
        let whole = digits_value(significant);
        let cents_part = match fraction.len() {
            0 => 0,
            1 => digits_value(fraction) * 10,
            _ => digits_value(fraction),
        };
        // At most 12 digits: 999 999 999 999 * 100 + 99 is far below u64::MAX.
        let cents = whole * 100 + cents_part;
        if cents == 0 {
            return Err(FieldProblem::NotPositive);
        }
        Ok(Self { cents })
    }

    /// The amount in cents.
    pub fn cents(self) -> u64 {
        self.cents
    }
}

impl fmt::Display for Amount {
    /// `12.50`: the form the workbook stores.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_cents(u128::from(self.cents)))
    }
}

/// `1975` cents as `19.75`.
pub fn format_cents(cents: u128) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Non-empty and ASCII digits only (`1e5`, `+1`, `1 000` are not).
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The value of at most [`MAX_AMOUNT_INTEGER_DIGITS`] ASCII digits.
fn digits_value(digits: &str) -> u64 {
    digits
        .bytes()
        .fold(0, |acc, b| acc * 10 + u64::from(b - b'0'))
}

/// Reads `YYYY-MM-DD` as a day that exists.
///
/// # Errors
/// [`FieldProblem::NotADate`] for another shape, [`FieldProblem::NoSuchDay`] for
/// `2025-02-30`.
pub fn parse_date(text: &str) -> Result<Date, FieldProblem> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(FieldProblem::NotADate);
    }
    let number = |range: std::ops::Range<usize>| {
        b[range]
            .iter()
            .fold(0u16, |acc, c| acc * 10 + u16::from(c - b'0'))
    };
    let year = i32::from(number(0..4));
    let month = u8::try_from(number(5..7)).map_err(|_| FieldProblem::NoSuchDay)?;
    let day = u8::try_from(number(8..10)).map_err(|_| FieldProblem::NoSuchDay)?;
    let month = Month::try_from(month).map_err(|_| FieldProblem::NoSuchDay)?;
    Date::from_calendar_date(year, month, day).map_err(|_| FieldProblem::NoSuchDay)
}

/// `date` as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Reads a currency code: three ASCII letters, upper-cased.
///
/// # Errors
/// [`FieldProblem::NotACurrencyCode`].
pub fn parse_currency(text: &str) -> Result<String, FieldProblem> {
    let text = text.trim();
    if text.len() == CURRENCY_CODE_LETTERS && text.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(text.to_ascii_uppercase())
    } else {
        Err(FieldProblem::NotACurrencyCode)
    }
}

/// Checks free text: no control character anywhere (line breaks and tabs included), then
/// surrounding spaces trimmed and between `min` and `max` characters.
///
/// # Errors
/// [`FieldProblem::ControlCharacter`], [`FieldProblem::Empty`], [`FieldProblem::TooLong`].
pub fn parse_text(text: &str, min: usize, max: usize) -> Result<String, FieldProblem> {
    if text.chars().any(char::is_control) {
        return Err(FieldProblem::ControlCharacter);
    }
    let text = text.trim();
    let count = text.chars().count();
    if count < min {
        Err(FieldProblem::Empty)
    } else if count > max {
        Err(FieldProblem::TooLong { max })
    } else {
        Ok(text.to_owned())
    }
}

/// A device fingerprint as the gate forwards it (`Cf-Client-Cert-Sha256`): 64 hex digits,
/// colons allowed; lowercased without colons. Anything else is `None`.
pub fn parse_fingerprint(text: &str) -> Option<String> {
    let hex: String = text
        .trim()
        .chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (hex.len() == FINGERPRINT_HEX_DIGITS && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(hex)
}

/// The values a form posted, as typed: shown again with the error when one is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpenseForm {
    /// `date`.
    pub date: String,
    /// `amount`.
    pub amount: String,
    /// `currency`.
    pub currency: String,
    /// `category`.
    pub category: String,
    /// `note`.
    pub note: String,
}

impl ExpenseForm {
    /// Collects the form's fields from decoded `name=value` pairs; other names are ignored.
    ///
    /// # Errors
    /// [`FieldProblem::Repeated`] for a field given twice. A missing field stays empty
    /// here; [`ExpenseForm::to_expense`] says it is missing.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (Cow<'a, str>, Cow<'a, str>)>,
    ) -> Result<(Self, Vec<Field>), MoneyError> {
        let mut form = Self::default();
        let mut seen = Vec::new();
        for (name, value) in pairs {
            let Some(field) = Field::FORM.into_iter().find(|f| f.name() == name) else {
                continue;
            };
            if seen.contains(&field) {
                return Err(MoneyError::field(field, FieldProblem::Repeated));
            }
            seen.push(field);
            *form.slot(field) = value.into_owned();
        }
        Ok((form, seen))
    }

    fn slot(&mut self, field: Field) -> &mut String {
        match field {
            Field::Date => &mut self.date,
            Field::Amount => &mut self.amount,
            Field::Currency => &mut self.currency,
            Field::Category => &mut self.category,
            Field::Note => &mut self.note,
        }
    }

    /// Checks every field, in column order, into an expense recorded now by `device`.
    /// `present` lists the fields the form had (`note` may be left out).
    ///
    /// # Errors
    /// [`MoneyError::Field`] for the first field that is wrong.
    pub fn to_expense(
        &self,
        present: &[Field],
        recorded_at: OffsetDateTime,
        device: &str,
    ) -> Result<Expense, MoneyError> {
        for field in [Field::Date, Field::Amount, Field::Currency, Field::Category] {
            if !present.contains(&field) {
                return Err(MoneyError::field(field, FieldProblem::Missing));
            }
        }
        let at = |field| move |problem| MoneyError::field(field, problem);
        Ok(Expense {
            date: parse_date(self.date.trim()).map_err(at(Field::Date))?,
            amount: Amount::parse(&self.amount).map_err(at(Field::Amount))?,
            currency: parse_currency(&self.currency).map_err(at(Field::Currency))?,
            category: parse_text(&self.category, 1, MAX_CATEGORY_CHARS)
                .map_err(at(Field::Category))?,
            note: parse_text(&self.note, 0, MAX_NOTE_CHARS).map_err(at(Field::Note))?,
            recorded_at: recorded_at.replace_nanosecond(0).unwrap_or(recorded_at),
            device: parse_fingerprint(device).unwrap_or_default(),
        })
    }
}

/// One expense: a row of the workbook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expense {
    /// The day it was spent.
    pub date: Date,
    /// How much.
    pub amount: Amount,
    /// The currency code (`EUR`).
    pub currency: String,
    /// What the spreadsheet sums by.
    pub category: String,
    /// Free text, possibly empty.
    pub note: String,
    /// When the app recorded it (written as RFC 3339, UTC).
    pub recorded_at: OffsetDateTime,
    /// The SHA-256 fingerprint (hex) of the certificate of the device that sent it, or
    /// empty when no gate said.
    pub device: String,
}

impl Expense {
    /// The columns of the workbook, in order, as text (formula defence not applied yet).
    pub fn to_columns(&self) -> [Cow<'_, str>; 7] {
        let recorded_at = self
            .recorded_at
            .format(&Rfc3339)
            .unwrap_or_else(|_| String::from("?"));
        [
            Cow::Owned(format_date(self.date)),
            Cow::Owned(self.amount.to_string()),
            Cow::Borrowed(&self.currency),
            Cow::Borrowed(&self.category),
            Cow::Borrowed(&self.note),
            Cow::Owned(recorded_at),
            Cow::Borrowed(&self.device),
        ]
    }

    /// Reads a row back with the same checks as the form (`columns` without the formula
    /// defence). `None` when a column is wrong or there are not exactly seven.
    pub fn from_columns(columns: &[&str]) -> Option<Self> {
        let [date, amount, currency, category, note, recorded_at, device] = columns else {
            return None;
        };
        let device = if device.is_empty() {
            String::new()
        } else {
            parse_fingerprint(device).filter(|hex| hex == device)?
        };
        Some(Self {
            date: parse_date(date).ok()?,
            amount: Amount::parse(amount).ok()?,
            currency: parse_currency(currency)
                .ok()
                .filter(|code| code == currency)?,
            category: parse_text(category, 1, MAX_CATEGORY_CHARS).ok()?,
            note: parse_text(note, 0, MAX_NOTE_CHARS).ok()?,
            recorded_at: OffsetDateTime::parse(recorded_at, &Rfc3339).ok()?,
            device,
        })
    }

    /// `YYYY-MM`: the month the summary puts it in.
    pub fn month(&self) -> String {
        format!("{:04}-{:02}", self.date.year(), u8::from(self.date.month()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_normalised_cents() {
        for (text, cents, shown) in [
            ("12.50", 1250, "12.50"),
            ("12.5", 1250, "12.50"),
            ("12", 1200, "12.00"),
            (" 007.05 ", 705, "7.05"),
            ("0.01", 1, "0.01"),
            ("999999999999.99", 99_999_999_999_999, "999999999999.99"),
        ] {
            let amount = Amount::parse(text).unwrap();
            assert_eq!(amount.cents(), cents, "{text}");
            assert_eq!(amount.to_string(), shown, "{text}");
        }
    }

    #[test]
    fn bad_amounts_say_why() {
        for (text, problem) in [
            ("abc", FieldProblem::NotADecimal),
            ("1e5", FieldProblem::NotADecimal),
            ("+1", FieldProblem::NotADecimal),
            ("12.", FieldProblem::NotADecimal),
            (".5", FieldProblem::NotADecimal),
            ("1 000", FieldProblem::NotADecimal),
            ("NaN", FieldProblem::NotADecimal),
            ("12,50", FieldProblem::DecimalComma),
            ("1.234", FieldProblem::TooManyFractionDigits { max: 2 }),
            ("0", FieldProblem::NotPositive),
            ("0.00", FieldProblem::NotPositive),
            ("-1", FieldProblem::NotPositive),
            ("--1", FieldProblem::NotADecimal),
            ("", FieldProblem::Empty),
            (
                "1234567890123",
                FieldProblem::TooManyIntegerDigits { max: 12 },
            ),
        ] {
            assert_eq!(Amount::parse(text), Err(problem), "{text}");
        }
    }

    #[test]
    fn dates_must_exist() {
        assert_eq!(format_date(parse_date("2024-02-29").unwrap()), "2024-02-29");
        assert_eq!(parse_date("2025-02-29"), Err(FieldProblem::NoSuchDay));
        assert_eq!(parse_date("2025-13-01"), Err(FieldProblem::NoSuchDay));
        assert_eq!(parse_date("2025-00-10"), Err(FieldProblem::NoSuchDay));
        for bad in [
            "2025-1-01",
            "25-01-01",
            "2025/01/01",
            "+025-01-01",
            "2025-01-01x",
        ] {
            assert_eq!(parse_date(bad), Err(FieldProblem::NotADate), "{bad}");
        }
    }

    #[test]
    fn text_fields_refuse_control_characters_and_length() {
        assert_eq!(parse_text(" Food ", 1, 40).unwrap(), "Food");
        assert_eq!(
            parse_text("a\nb", 0, 40),
            Err(FieldProblem::ControlCharacter)
        );
        assert_eq!(
            parse_text("a\rb", 0, 40),
            Err(FieldProblem::ControlCharacter)
        );
        assert_eq!(
            parse_text("\tx", 0, 40),
            Err(FieldProblem::ControlCharacter)
        );
        assert_eq!(parse_text("  ", 1, 40), Err(FieldProblem::Empty));
        assert_eq!(
            parse_text("é".repeat(40).as_str(), 1, 40).unwrap().len(),
            80
        );
        assert_eq!(
            parse_text(&"x".repeat(41), 1, 40),
            Err(FieldProblem::TooLong { max: 40 })
        );
    }

    #[test]
    fn currency_and_fingerprint() {
        assert_eq!(parse_currency("eur").unwrap(), "EUR");
        assert_eq!(parse_currency("EU"), Err(FieldProblem::NotACurrencyCode));
        assert_eq!(parse_currency("€UR"), Err(FieldProblem::NotACurrencyCode));
        let hex = "AB".repeat(32);
        assert_eq!(parse_fingerprint(&hex).unwrap(), "ab".repeat(32));
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(parse_fingerprint(&colons).unwrap(), "ab".repeat(32));
        assert_eq!(parse_fingerprint("abc"), None);
    }

    #[test]
    fn form_fields_missing_or_repeated() {
        let pairs = |list: &[(&'static str, &'static str)]| {
            list.iter()
                .map(|(n, v)| (Cow::Borrowed(*n), Cow::Borrowed(*v)))
                .collect::<Vec<_>>()
        };
        let err = ExpenseForm::from_pairs(pairs(&[("note", "a"), ("note", "b")])).unwrap_err();
        assert_eq!(err.to_string(), "note: given more than once");
        let (form, present) =
            ExpenseForm::from_pairs(pairs(&[("date", "2024-05-01"), ("x", "y")])).unwrap();
        let err = form
            .to_expense(&present, OffsetDateTime::UNIX_EPOCH, "")
            .unwrap_err();
        assert_eq!(err.to_string(), "amount: missing");
    }
}
