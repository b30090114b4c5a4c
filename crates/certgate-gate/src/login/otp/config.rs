//! One-time codes' configuration: the SMTP server that sends them, and their limits.
//! Every key documented, unknown keys refused.
//!
//! ```toml
//! [login.otp]
//! smtp_host = "smtp.example.com"     # the submission server
//! smtp_port = 587                    # default: 587 with starttls, 465 with tls
//! tls = "starttls"                   # or "tls" (implicit TLS, SMTPS); never plain text
//! smtp_ca = "smtp-ca.pem"            # optional: roots for the server (default: the system's)
//! username = "gate@example.com"      # optional: AUTH PLAIN, over TLS only
//! password_file = "smtp-password"    # with username: one of password_file ...
//! # password_env = "SMTP_PASSWORD"   # ... or an environment variable; never inline
//! from = "access@example.com"        # the sender address
//! subject = "Your sign-in code"      # fixed text (no part of a request goes in it)
//! code_ttl = "10m"                   # how long a code is valid (1m to 1h)
//! max_attempts_per_code = 5          # wrong tries before a code is dead (1 to 10)
//! max_sends_per_address_per_hour = 5 # codes mailed to one address (1 to 1000)
//! max_sends_per_client_per_hour = 20 # codes asked for by one client address (1 to 1000)
//! ```
//! Relative paths are read from the configuration file's directory. The password is
//! read once, when the configuration is loaded, and is never logged.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::config::parse_duration;
use crate::error::{ConfigProblem, GateError, PemProblem};

/// The default validity of a code: Access's one-time PIN lasts ten minutes.
pub const DEFAULT_CODE_TTL: Duration = Duration::from_secs(600);
/// The longest `code_ttl`: a code is a short secret (10^6 values); an hour is plenty
/// for a mail to arrive.
pub const MAX_CODE_TTL: Duration = Duration::from_secs(3600);
/// The default number of wrong tries a code survives: 5 in 10^6 per code mailed.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// The most `max_attempts_per_code` may be: beyond 10 a code is guessable in earnest.
pub const MAX_ATTEMPTS_LIMIT: u32 = 10;
/// The default number of codes mailed to one address per hour.
pub const DEFAULT_SENDS_PER_ADDRESS: u32 = 5;
/// The default number of codes one client address may ask for per hour.
pub const DEFAULT_SENDS_PER_CLIENT: u32 = 20;
/// The most either send limit may be set to: more is a mail cannon, not a login.
pub const MAX_SENDS_PER_HOUR: u32 = 1000;
/// The default subject.
pub const DEFAULT_SUBJECT: &str = "Your sign-in code";
/// The longest subject: one header line (RFC 5322 recommends 78 characters).
pub const MAX_SUBJECT_LEN: usize = 78;
/// The most a password file may hold.
const MAX_PASSWORD_BYTES: u64 = 4096;

/// How the connection to the SMTP server is protected. There is no plain-text mode.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS before anything else is said; a server
    /// that does not offer it is refused (RFC 3207). Port 587 by default.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, RFC 8314). Port 465 by default.
    Tls,
}

/// `[login.otp]` as read.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtpConfig {
    /// The SMTP server's host name (or IP address); its certificate must name it.
    pub smtp_host: String,
    /// The port (default: 587 with STARTTLS, 465 with implicit TLS).
    pub smtp_port: Option<u16>,
    /// STARTTLS (default) or implicit TLS.
    #[serde(default)]
    pub tls: SmtpTls,
    /// PEM roots for the server's certificate (default: the system's).
    pub smtp_ca: Option<PathBuf>,
    /// The SMTP user, with a password from `password_file` or `password_env`.
    pub username: Option<String>,
    /// A file holding the password (trailing line break ignored).
    pub password_file: Option<PathBuf>,
    /// An environment variable holding the password.
    pub password_env: Option<String>,
    /// The sender address.
    pub from: String,
    /// How long a code is valid (`10m`).
    pub code_ttl: Option<String>,
    /// Wrong tries before a code is dead.
    pub max_attempts_per_code: Option<u32>,
    /// Codes mailed to one address per hour.
    pub max_sends_per_address_per_hour: Option<u32>,
    /// Codes one client address may ask for per hour.
    pub max_sends_per_client_per_hour: Option<u32>,
    /// The mail's subject.
    pub subject: Option<String>,
}

/// A password: shown as `..` by `Debug`.
#[derive(Clone)]
pub(crate) struct Secret(pub(crate) String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The configuration checked, durations read, password and roots loaded.
#[derive(Clone, Debug)]
pub(crate) struct OtpSettings {
    pub(crate) smtp_host: String,
    pub(crate) smtp_port: u16,
    pub(crate) tls: SmtpTls,
    pub(crate) roots: Arc<rustls::RootCertStore>,
    pub(crate) credentials: Option<(String, Secret)>,
    pub(crate) from: String,
    pub(crate) subject: String,
    pub(crate) code_ttl: Duration,
    pub(crate) max_attempts: u32,
    pub(crate) sends_per_address: u32,
    pub(crate) sends_per_client: u32,
}

fn problem(key: &str, problem: ConfigProblem) -> GateError {
    GateError::ConfigValue {
        key: format!("login.otp.{key}"),
        problem,
    }
}

fn count(key: &str, value: Option<u32>, default: u32, max: u32) -> Result<u32, GateError> {
    match value {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(problem(key, ConfigProblem::OutOfRange)),
    }
}

/// Whether `host` is a DNS name or an IP address, nothing a header or a command could
/// be smuggled in.
pub(crate) fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && (host.parse::<std::net::IpAddr>().is_ok()
            || host.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            }))
}

impl OtpConfig {
    /// Checks the values and loads the password and roots, reading relative paths from
    /// `base_dir`.
    ///
    /// # Errors
    /// [`GateError::ConfigValue`] naming the key (`login.otp.code_ttl`): a host that is
    /// not a name, a `from` that is not one plain address, a subject with line breaks, a
    /// duration or a count out of range, a username without a password source or the
    /// reverse, an unset password variable. [`GateError::Read`] for a password or CA
    /// file that cannot be read, [`GateError::Pem`] for a CA file without certificates.
    pub(crate) fn resolve(&self, base_dir: &Path) -> Result<OtpSettings, GateError> {
        if !is_host_name(&self.smtp_host) {
            return Err(problem("smtp_host", ConfigProblem::NotAHostName));
        }
        if certgate_policy::Identity::new(self.from.as_str(), "otp").is_err() {
            return Err(problem("from", ConfigProblem::NotAnEmailAddress));
        }
        let subject = self.subject.as_deref().unwrap_or(DEFAULT_SUBJECT);
        if subject.trim().is_empty()
            || subject.len() > MAX_SUBJECT_LEN
            || !subject.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
        {
            return Err(problem("subject", ConfigProblem::NotPrintable));
        }
        let code_ttl = match self.code_ttl.as_deref() {
            None => DEFAULT_CODE_TTL,
            Some(text) => parse_duration(text)
                .filter(|d| (Duration::from_secs(60)..=MAX_CODE_TTL).contains(d))
                .ok_or_else(|| problem("code_ttl", ConfigProblem::NotADuration))?,
        };
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base_dir.join(p)
            }
        };
        Ok(OtpSettings {
            smtp_host: self.smtp_host.clone(),
            smtp_port: self.smtp_port.unwrap_or(match self.tls {
                SmtpTls::Starttls => 587,
                SmtpTls::Tls => 465,
            }),
            tls: self.tls,
            roots: Arc::new(self.roots(&resolve)?),
            credentials: self.credentials(&resolve)?,
            from: self.from.clone(),
            subject: subject.to_owned(),
            code_ttl,
            max_attempts: count(
                "max_attempts_per_code",
                self.max_attempts_per_code,
                DEFAULT_MAX_ATTEMPTS,
                MAX_ATTEMPTS_LIMIT,
            )?,
            sends_per_address: count(
                "max_sends_per_address_per_hour",
                self.max_sends_per_address_per_hour,
                DEFAULT_SENDS_PER_ADDRESS,
                MAX_SENDS_PER_HOUR,
            )?,
            sends_per_client: count(
                "max_sends_per_client_per_hour",
                self.max_sends_per_client_per_hour,
                DEFAULT_SENDS_PER_CLIENT,
                MAX_SENDS_PER_HOUR,
            )?,
        })
    }

    fn credentials(
        &self,
        resolve: &dyn Fn(&Path) -> PathBuf,
    ) -> Result<Option<(String, Secret)>, GateError> {
        let password = match (&self.password_file, &self.password_env) {
            (None, None) => None,
            (Some(file), None) => {
                let path = resolve(file);
                let text = crate::files::read_bounded(&path, "SMTP password", MAX_PASSWORD_BYTES)?;
                let text = String::from_utf8(text)
                    .map_err(|_| problem("password_file", ConfigProblem::NotPrintable))?;
                Some(text.trim_end_matches(['\r', '\n']).to_owned())
            }
            (None, Some(var)) => Some(
                std::env::var(var)
                    .map_err(|_| problem("password_env", ConfigProblem::PasswordSource))?,
            ),
            (Some(_), Some(_)) => {
                return Err(problem("password_env", ConfigProblem::PasswordSource));
            }
        };
        match (&self.username, password) {
            (None, None) => Ok(None),
            (Some(user), Some(password))
                if !user.is_empty()
                    && !password.is_empty()
                    && !user.contains('\0')
                    && !password.contains('\0') =>
            {
                Ok(Some((user.clone(), Secret(password))))
            }
            _ => Err(problem("username", ConfigProblem::PasswordSource)),
        }
    }

    fn roots(
        &self,
        resolve: &dyn Fn(&Path) -> PathBuf,
    ) -> Result<rustls::RootCertStore, GateError> {
        let mut roots = rustls::RootCertStore::empty();
        match &self.smtp_ca {
            Some(file) => {
                let path = resolve(file);
                for der in crate::files::certificates(&path, "SMTP CA")? {
                    roots.add(der).map_err(|_| GateError::Pem {
                        what: "SMTP CA",
                        path: path.clone(),
                        problem: PemProblem::Unreadable,
                    })?;
                }
            }
            None => {
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            }
        }
        Ok(roots)
    }
}
