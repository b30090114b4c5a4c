//! The gate's one error type.

use std::path::PathBuf;

/// Why the gate could not load its configuration or start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// A file could not be read.
    #[error("cannot read {what} {}: {source}", path.display())]
    Read {
        /// What the file is (`config`, `server certificate`, `CRL`, ...).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML for the gate's schema (an unknown key
    /// included).
    #[error("config {}: {detail}", path.display())]
    ConfigSyntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        detail: String,
    },
    /// A value in the configuration is not usable.
    #[error("config: {key}: {problem}")]
    ConfigValue {
        /// The key, dotted (`host[0].origin`).
        key: String,
        /// What is wrong.
        problem: ConfigProblem,
    },
    /// A PEM file holds nothing usable of the kind named.
    #[error("{what} {}: {problem}", path.display())]
    Pem {
        /// What the file should hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: PemProblem,
    },
    /// certgate-verify refused the trust settings of a host.
    #[error("host {host}: trust: {source}")]
    Trust {
        /// The host.
        host: String,
        /// Why.
        source: certgate_verify::VerifyError,
    },
    /// certgate-policy refused a host's policy file.
    #[error("host {host}: policy: {source}")]
    Policy {
        /// The host.
        host: String,
        /// Why.
        source: certgate_policy::PolicyError,
    },
    /// rustls refused the server certificate and key of a host.
    #[error("host {host}: server certificate and key do not make a TLS config: {source}")]
    Tls {
        /// The host.
        host: String,
        /// rustls' error, boxed.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A listening socket could not be opened.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address.
        address: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The session keys' directory or a key in it cannot be read or written.
    #[error("session keys {}: {source}", path.display())]
    SessionKeys {
        /// The directory or file.
        path: PathBuf,
        /// The I/O error (`InvalidData` for a file that is not a key).
        source: std::io::Error,
    },
}

/// What is wrong with a configuration value ([`GateError::ConfigValue`]).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    /// Not a socket address (`127.0.0.1:8443`, `[::1]:8443`).
    #[error("not a socket address")]
    NotAnAddress,
    /// Not a duration (`500ms`, `10s`, `5m`, `1h`).
    #[error("not a duration (500ms, 10s, 5m, 1h)")]
    NotADuration,
    /// Not an origin URL (`http://host:port` or `unix:/path/to.sock`).
    #[error("not an origin (http://HOST:PORT[/prefix] or unix:/PATH)")]
    NotAnOrigin,
    /// Zero or out of range.
    #[error("out of range")]
    OutOfRange,
    /// No host is configured.
    #[error("no [[host]] is configured")]
    NoHosts,
    /// The same host name twice.
    #[error("the host is configured twice")]
    DuplicateHost,
    /// `default_host` names no configured host.
    #[error("names no configured host")]
    UnknownHost,
    /// No listen address.
    #[error("no listen address")]
    NoListenAddress,
    /// Not a CRL URL (`http://HOST[:PORT]/PATH` or `https://...`).
    #[error("not an http:// or https:// URL with a host")]
    NotACrlUrl,
    /// The same CRL URL twice in one host.
    #[error("the CRL URL is listed twice")]
    DuplicateCrlUrl,
    /// No root to verify `https` CRL URLs with (an empty `crl_fetch_ca`, no system roots).
    #[error("no root certificates to verify https CRL URLs with")]
    NoCrlFetchRoots,
    /// Not a database URL certgate-db reads (`sqlite:///PATH`, `postgres://...`).
    #[error("not a database URL (sqlite:///PATH or postgres://...)")]
    NotADatabaseUrl,
    /// Not an OpenID issuer URL the gate talks to (`https://...`, or `http://` to a
    /// loopback address).
    #[error("not an issuer URL (https://..., or http:// to a loopback address)")]
    NotAnIssuer,
    /// A login provider's name is not lowercase letters, digits and `-`.
    #[error("not a provider name (lowercase letters, digits, -)")]
    NotAProviderName,
    /// Two login providers with one name.
    #[error("the provider name is used twice")]
    DuplicateProvider,
    /// Not exactly one of `client_secret_file` and `client_secret_env`, or the secret
    /// is empty or unset.
    #[error(
        "give the client secret with exactly one of client_secret_file and client_secret_env, not empty"
    )]
    ClientSecret,
    /// Scopes without `openid`, or an empty or spaced one.
    #[error("scopes must include openid, each one word")]
    Scopes,
    /// `revocation_db` in a gate built without the `db` feature.
    #[error("this gate is built without database support (the `db` feature)")]
    DatabaseUnsupported,
    /// Not one plain email address (`login.otp.from`).
    #[error("not one plain email address")]
    NotAnEmailAddress,
    /// Not a host name or IP address (`login.otp.smtp_host`).
    #[error("not a host name or IP address")]
    NotAHostName,
    /// A password source without a username, a username without one, or both
    /// `password_file` and `password_env`.
    #[error("set username with exactly one of password_file and password_env")]
    PasswordSource,
    /// Empty, too long, or not printable ASCII (a header value: no line breaks).
    #[error("empty, too long, or not printable ASCII")]
    NotPrintable,
}

/// What is wrong with a PEM file ([`GateError::Pem`]).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PemProblem {
    /// Not PEM, or a block is broken.
    #[error("not readable PEM")]
    Unreadable,
    /// No block of the expected label.
    #[error("no {0} block")]
    Missing(&'static str),
}
