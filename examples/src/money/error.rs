//! The one error type of `money`, and the small enums its variants carry.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// What can go wrong taking an expense or reading the workbook.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum MoneyError {
    /// A form field that cannot be stored: the page (or JSON) names it and says why.
    #[error("{field}: {problem}")]
    Field {
        /// The field.
        field: Field,
        /// What is wrong with it.
        problem: FieldProblem,
    },

    /// The request body is not a URL-encoded form.
    #[error("the body is not a form (send application/x-www-form-urlencoded)")]
    NotAForm,

    /// The request body is larger than the app reads.
    #[error("the body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit ([`crate::money::app::MAX_FORM_BYTES`]).
        limit: usize,
    },

    /// A form posted from another site (a browser says so in `Sec-Fetch-Site`).
    #[error("a form from another site ({site}) cannot add expenses")]
    CrossSite {
        /// The header's value.
        site: String,
    },

    /// The workbook is larger than the app reads in one request.
    #[error(
        "the workbook is {size} bytes, more than the {limit} bytes this app reads; \
         open it in a spreadsheet, or start a new workbook"
    )]
    WorkbookTooLarge {
        /// The file's size.
        size: u64,
        /// The limit ([`crate::money::workbook::MAX_WORKBOOK_BYTES`]).
        limit: u64,
    },

    /// The gate's JWKS file (for `Cf-Access-Jwt-Assertion`) cannot be read or is not a
    /// JWKS.
    #[error("the JWKS {}: {source}", path.display())]
    AccessJwks {
        /// The file.
        path: PathBuf,
        /// The I/O or JWKS error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The workbook file could not be used.
    #[error("cannot {action} the workbook {}: {source}", path.display())]
    Workbook {
        /// What was being done.
        action: WorkbookAction,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

impl MoneyError {
    /// A [`MoneyError::Field`].
    pub fn field(field: Field, problem: FieldProblem) -> Self {
        Self::Field { field, problem }
    }
}

/// A field of an expense, as the form and the workbook's header name it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// `date`: the day of the expense.
    Date,
    /// `amount`: how much.
    Amount,
    /// `currency`: ISO 4217 style code.
    Currency,
    /// `category`: what the spreadsheet sums by.
    Category,
    /// `note`: free text.
    Note,
}

impl Field {
    /// The fields a form posts, in the workbook's column order.
    pub const FORM: [Self; 5] = [
        Self::Date,
        Self::Amount,
        Self::Currency,
        Self::Category,
        Self::Note,
    ];

    /// The form field's (and the column's) name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Amount => "amount",
            Self::Currency => "currency",
            Self::Category => "category",
            Self::Note => "note",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a field was refused.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldProblem {
    /// Not in the form at all.
    Missing,
    /// Given more than once.
    Repeated,
    /// Empty where a value is needed.
    Empty,
    /// Longer than the field allows.
    TooLong {
        /// The most characters allowed.
        max: usize,
    },
    /// Holds a control character (a line break, a tab ...): rows stay one line each.
    ControlCharacter,
    /// Not `YYYY-MM-DD`.
    NotADate,
    /// `YYYY-MM-DD`, but no such day.
    NoSuchDay,
    /// Not digits with an optional point and fraction (`12`, `12.5`, `12.50`).
    NotADecimal,
    /// A comma where the point goes (`12,50`).
    DecimalComma,
    /// More fraction digits than cents.
    TooManyFractionDigits {
        /// The most allowed.
        max: usize,
    },
    /// More integer digits than the app stores.
    TooManyIntegerDigits {
        /// The most allowed.
        max: usize,
    },
    /// Zero or negative.
    NotPositive,
    /// Not three letters.
    NotACurrencyCode,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("missing"),
            Self::Repeated => f.write_str("given more than once"),
            Self::Empty => f.write_str("empty"),
            Self::TooLong { max } => write!(f, "longer than {max} characters"),
            Self::ControlCharacter => {
                f.write_str("contains a control character (a line break, a tab ...)")
            }
            Self::NotADate => f.write_str("not a date (YYYY-MM-DD)"),
            Self::NoSuchDay => f.write_str("no such day"),
            Self::NotADecimal => f.write_str("not a decimal number"),
            Self::DecimalComma => f.write_str("not a decimal number (use a point: 12.50)"),
            Self::TooManyFractionDigits { max } => {
                write!(f, "more than {max} digits after the point")
            }
            Self::TooManyIntegerDigits { max } => {
                write!(f, "more than {max} digits before the point")
            }
            Self::NotPositive => f.write_str("must be greater than zero"),
            Self::NotACurrencyCode => f.write_str("not a currency code (three letters: EUR)"),
        }
    }
}

/// What was being done to the workbook when the operating system said no.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkbookAction {
    /// Opening (or creating) it.
    Open,
    /// Taking or releasing its lock.
    Lock,
    /// Reading it.
    Read,
    /// Cutting a crashed writer's partial row.
    Truncate,
    /// Appending a row.
    Write,
    /// Syncing it to the disk.
    Sync,
}

impl fmt::Display for WorkbookAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Open => "open",
            Self::Lock => "lock",
            Self::Read => "read",
            Self::Truncate => "repair",
            Self::Write => "append to",
            Self::Sync => "sync",
        })
    }
}
