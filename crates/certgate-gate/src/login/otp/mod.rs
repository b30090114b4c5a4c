//! One-time codes by email: Access's "One-time PIN" at the gate.
//!
//! A user types an address at the login page; the gate mails a 6-digit code to it if
//! some allow policy of the application could let that address in
//! ([`certgate_policy::PolicySet::could_admit_email`]); the user types the code; the gate
//! issues a session ([`crate::SessionIssuer::issue`], auth method `otp`) and sends the
//! browser back where it was going.
//!
//! [`OtpLogin`] holds the codes, the send limits and the mailer; the gate routes two
//! paths to it:
//! - `POST` [`START_PATH`] (form: `email`, `redirect_url`) → [`OtpLogin::start`]: the page
//!   "if this address may sign in, a code is on its way", with the code form. The answer
//!   is the same, and as quick, whether or not a code is mailed: the mail goes out in a
//!   background task ([`Delivery`]), so neither the page nor its timing tells an
//!   address a policy names from a stranger's.
//! - `POST` [`VERIFY_PATH`] (form: `email`, `code`, `redirect_url`) →
//!   [`OtpLogin::verify`]: the session cookie and a `302` to `redirect_url` (a path on
//!   this host only), or a page naming why not (wrong code, expired, too many tries).
//!
//! Both take an [`OtpRequest`] (the request head, the body read within
//! [`MAX_FORM_BYTES`], the host, the client's address, the client certificate's SHA-256
//! when the connection has a verified one, and the host's policies) and return an
//! [`OtpReply`]: the response and an [`OtpOutcome`] for the gate's log line and metrics.
//! The configuration is [`OtpConfig`] (`[login.otp]`; its module documents every key).
//! Addresses are taken in ASCII lower case: the codes, the limits and the session's
//! identity all use that one spelling.
//!
//! # Security
//! - Codes: 6 digits from the OS RNG, kept as an HMAC under a per-process key, compared
//!   in constant time, one per (application, address), single use, dead after
//!   `max_attempts_per_code` wrong tries, expired after `code_ttl`; at most
//!   [`MAX_PENDING_CODES`] wait at once.
//! - Mail goes only to addresses a policy could admit, at most
//!   `max_sends_per_address_per_hour` to one address and
//!   `max_sends_per_client_per_hour` asked for by one client (IPv6 by /64). The limits
//!   count every accepted form, admissible or not, so hitting one tells nothing either.
//! - SMTP over TLS only (STARTTLS required, or implicit TLS), the server's certificate
//!   verified; the password read from a file or the environment, never logged. Every
//!   header is fixed text or a checked value: no header injection.
//! - Cross-site posts are refused by `Sec-Fetch-Site` / `Origin` ([`FormProblem::CrossSite`]).
//! - A code is in the mail only: never in a page, a log line or a `Debug` output.
//! - Known leak: once a code was mailed, a wrong guess at [`VERIFY_PATH`] can later say
//!   "expired" or "too many tries", which an address without a code never says. Getting
//!   there needs a mail to land in that address's inbox, within the send limits.

mod codes;
mod config;
mod endpoint;
mod form;
mod message;
mod page;
mod reply;
mod smtp;

pub use codes::{CODE_DIGITS, CodeRefusal, MAX_PENDING_CODES, MAX_TRACKED_SENDERS};
pub use config::{
    DEFAULT_CODE_TTL, DEFAULT_MAX_ATTEMPTS, DEFAULT_SENDS_PER_ADDRESS, DEFAULT_SENDS_PER_CLIENT,
    DEFAULT_SUBJECT, MAX_ATTEMPTS_LIMIT, MAX_CODE_TTL, MAX_SENDS_PER_HOUR, MAX_SUBJECT_LEN,
    OtpConfig, SmtpTls,
};
pub use endpoint::{
    AUTH_METHOD, Clock, MAX_QUEUED_MAILS, OtpLogin, OtpLoginBuilder, OtpRequest, START_PATH,
    VERIFY_PATH,
};
pub use form::{FormProblem, MAX_FORM_BYTES};
pub use reply::{Delivery, MailCounts, OtpOutcome, OtpReply};
pub use smtp::{MAX_REPLY_LINE, MAX_REPLY_LINES, SMTP_CONNECT_TIMEOUT, SMTP_TIMEOUT, SmtpStage};

pub(crate) use reply::bad_form;

/// The login page's section for one-time codes: the form that asks for a code, back to
/// `redirect_url` (escaped).
pub(crate) fn email_section(redirect_url: &str) -> String {
    format!(
        "<section class=\"login-otp\"><h2>Get a code by email</h2>\n{}</section>\n",
        page::start_form("", redirect_url)
    )
}

/// Why a code was not mailed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum OtpError {
    /// The SMTP server cannot be reached.
    #[error("cannot connect to the SMTP server: {source}")]
    Connect {
        /// The I/O error.
        source: std::io::Error,
    },
    /// The SMTP server did not answer within [`SMTP_CONNECT_TIMEOUT`] or
    /// [`SMTP_TIMEOUT`].
    #[error("the SMTP server did not answer in time")]
    Timeout,
    /// The connection failed after it was made.
    #[error("the SMTP connection failed: {source}")]
    Io {
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TLS handshake failed (a certificate not trusted or not for the host ...).
    #[error("TLS with the SMTP server failed: {source}")]
    Tls {
        /// rustls' error, boxed.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The server does not offer STARTTLS: nothing is sent in plain text.
    #[error("the SMTP server does not offer STARTTLS")]
    NoStartTls,
    /// Credentials are configured and the server offers no `AUTH PLAIN`.
    #[error("the SMTP server does not offer AUTH PLAIN")]
    NoAuth,
    /// The server answered a command with an error.
    #[error("the SMTP server refused {stage} with {code}")]
    Rejected {
        /// The command.
        stage: SmtpStage,
        /// The reply code.
        code: u16,
    },
    /// A reply that is not SMTP, too long, or data sent before the TLS handshake.
    #[error("the SMTP server's reply cannot be read")]
    Protocol,
    /// The server closed the connection.
    #[error("the SMTP server closed the connection")]
    Closed,
    /// [`MAX_PENDING_CODES`] codes or [`MAX_QUEUED_MAILS`] mails are waiting.
    #[error("too many codes are waiting: try again later")]
    Busy,
    /// The random number generator failed.
    #[error("the random number generator failed")]
    Random,
    /// Not called within a tokio runtime, or the sending task was lost.
    #[error("no task could send the mail")]
    NoTask,
}
