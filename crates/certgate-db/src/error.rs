//! [`DbError`]: the one error type of certgate-db.

use std::error::Error as StdError;

use certgate_x509::ReasonCode;

/// A boxed error from a driver, kept as a source and never named in the API.
pub type BoxedSource = Box<dyn StdError + Send + Sync + 'static>;

/// What can go wrong with a certificate store.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database URL or cfssl `-db-config` file is not one certgate-db reads.
    #[error("database URL {url:?}: {problem}")]
    BadUrl {
        /// The URL (or file) as given; a PostgreSQL password in it is masked.
        url: String,
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// The database server could not be reached (refused, timed out, unknown host),
    /// or a SQLite file could not be opened.
    #[error("database {target} cannot be reached: {source}")]
    Unreachable {
        /// The host and port, or the SQLite path.
        target: String,
        /// The driver's error.
        #[source]
        source: BoxedSource,
    },
    /// SQLite: another connection held the database lock for longer than the busy
    /// timeout.
    #[error("database is locked by another connection (waited {waited_ms} ms)")]
    Locked {
        /// How long this call waited before giving up.
        waited_ms: u64,
    },
    /// The database was written by a newer certgate: this build does not know its schema.
    #[error(
        "database schema version {found} is newer than this build supports ({supported}); use a newer certgate"
    )]
    SchemaTooNew {
        /// The database's schema version.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The database has an older schema (or none): run the migrations first
    /// (`certgate db migrate`, [`crate::CertStore::open_and_migrate`]).
    #[error(
        "database schema version {found} is older than this build's ({supported}); run `certgate db migrate` first"
    )]
    NeedsMigration {
        /// The database's schema version (0: no certgate schema at all).
        found: i64,
        /// The version this build writes.
        supported: i64,
    },
    /// A certificate with this serial from this issuer is already recorded.
    #[error("serial {serial} from issuer {issuer} is already recorded")]
    DuplicateSerial {
        /// The serial, as stored (hex of the INTEGER's content octets).
        serial: String,
        /// The issuer's key id (hex).
        issuer: String,
    },
    /// No certificate with this serial from this issuer is recorded.
    #[error("no certificate with serial {serial} from issuer {issuer} is recorded")]
    UnknownCertificate {
        /// The serial, as stored (hex of the INTEGER's content octets).
        serial: String,
        /// The issuer's key id (hex).
        issuer: String,
    },
    /// A certificate to record is not one certgate-db can keep.
    #[error("certificate cannot be recorded: {problem}")]
    BadCertificate {
        /// What is wrong with it.
        problem: CertificateProblem,
        /// The parser's error, when there is one.
        #[source]
        source: Option<BoxedSource>,
    },
    /// A revocation reason that is not an RFC 5280 reason code.
    #[error("unknown revocation reason {value:?}")]
    UnknownReason {
        /// The reason as given.
        value: String,
    },
    /// A row holds a value certgate-db did not write (a hand edit, another program).
    #[error("database holds an unreadable value in column {column}")]
    Corrupt {
        /// The column.
        column: &'static str,
    },
    /// A request outside this crate's limits (a page size, a batch size).
    #[error("{what} {value} exceeds the limit of {limit}")]
    LimitExceeded {
        /// What was too large.
        what: &'static str,
        /// The requested size.
        value: usize,
        /// The limit.
        limit: usize,
    },
    /// A cfssl certdb could not be read: its `certificates` table is missing or
    /// has a row that is not what cfssl writes.
    #[error("cfssl certdb: {problem} (row with serial {serial:?})")]
    CfsslRow {
        /// The row's serial_number as cfssl wrote it.
        serial: String,
        /// What is wrong.
        problem: CertificateProblem,
    },
    /// Listening for revocations needs PostgreSQL; SQLite callers poll
    /// [`crate::CertStore::revocations_since`].
    #[error("listening for revocations needs PostgreSQL; poll revocations_since on SQLite")]
    ListenUnsupported,
    /// Any other database failure.
    #[error("database error: {source}")]
    Database {
        /// The driver's error.
        #[source]
        source: BoxedSource,
    },
}

/// What is wrong with a database URL.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    /// Not `sqlite://`, `postgres://` or `postgresql://`.
    #[error("scheme must be sqlite:// or postgres://")]
    UnknownScheme,
    /// `sqlite://` with no path.
    #[error("no file path")]
    EmptyPath,
    /// Query parameters or a fragment: certgate-db sets SQLite's options itself.
    #[error("query strings and fragments are not accepted for SQLite")]
    QueryNotAccepted,
    /// `sqlite::memory:` and the like: an inventory must outlive the process.
    #[error("in-memory databases are not accepted")]
    InMemory,
    /// A cfssl `-db-config` file that is not `{"driver": .., "data_source": ..}`.
    #[error("not a cfssl db-config (JSON with driver and data_source)")]
    BadDbConfig,
    /// A cfssl driver other than `sqlite3` and `postgres` (cfssl's `mysql`).
    #[error("driver must be sqlite3 or postgres")]
    UnsupportedDriver,
    /// PostgreSQL URL the driver cannot read.
    #[error("not a PostgreSQL connection URL")]
    BadPostgresUrl,
}

/// What is wrong with a certificate given to [`crate::NewCertificate::from_der`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertificateProblem {
    /// Not a DER certificate certgate-x509 reads.
    #[error("not a certificate")]
    NotACertificate,
    /// No authority key identifier: the issuer cannot be named.
    #[error("no authority key identifier extension")]
    NoAuthorityKeyId,
    /// Larger than [`crate::limits::MAX_CERTIFICATE_DER`].
    #[error("larger than the size limit")]
    TooLarge,
    /// cfssl row: the serial_number column does not match the certificate.
    #[error("serial_number does not match the certificate")]
    SerialMismatch,
    /// cfssl row: an unknown status or reason.
    #[error("unknown status or reason")]
    BadStatus,
}

impl DbError {
    /// A revocation reason that is not a [`ReasonCode`].
    pub(crate) fn unknown_reason(value: impl Into<String>) -> Self {
        Self::UnknownReason {
            value: value.into(),
        }
    }

    /// Wraps a driver error, sorting out the cases a caller branches on.
    pub(crate) fn from_sqlx(e: sqlx::Error, target: &str, busy_ms: u64) -> Self {
        match e {
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => {
                Self::Unreachable {
                    target: target.to_owned(),
                    source: Box::new(e),
                }
            }
            sqlx::Error::Database(ref d) if is_sqlite_busy(d.code().as_deref()) => {
                Self::Locked { waited_ms: busy_ms }
            }
            // SQLITE_CANTOPEN
            sqlx::Error::Database(ref d) if d.code().as_deref() == Some("14") => {
                Self::Unreachable {
                    target: target.to_owned(),
                    source: Box::new(e),
                }
            }
            other => Self::Database {
                source: Box::new(other),
            },
        }
    }
}

/// SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
fn is_sqlite_busy(code: Option<&str>) -> bool {
    // SQLSTATEs (PostgreSQL) are five characters; SQLite's codes are shorter numbers.
    code.filter(|c| c.len() < 5)
        .and_then(|c| c.parse::<u32>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

/// Reads a reason as RFC 5280 names it, as cfssl names it, or by number.
///
/// # Errors
/// [`DbError::UnknownReason`] for anything else.
pub fn parse_reason(s: &str) -> Result<ReasonCode, DbError> {
    ReasonCode::from_name(s).ok_or_else(|| DbError::unknown_reason(s))
}
