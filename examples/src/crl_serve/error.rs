//! The one error type of `crl_serve`.

use std::path::PathBuf;

/// Why a publisher could not be built or a CRL published.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CrlServeError {
    /// An issuer path the publisher cannot serve.
    #[error("issuer path {path:?}: {problem}")]
    BadPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A path given twice to the builder.
    #[error("issuer path {path:?} is configured twice")]
    DuplicatePath {
        /// The path.
        path: String,
    },
    /// A publication for a path that is not configured.
    #[error("issuer path {path:?} is not configured")]
    UnknownPath {
        /// The path.
        path: String,
    },
    /// Bytes that are not a CRL.
    #[error("not a CRL: {source}")]
    NotACrl {
        /// What the reader found.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The copy on disk could not be written (the publication is served all the same).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The configuration file cannot be read.
    #[error("cannot read {}: {source}", file.display())]
    ConfigRead {
        /// The file.
        file: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The configuration is not TOML of the right shape (an unknown or missing key, a
    /// wrong type: the message names it).
    #[error("{}: {source}", file.display())]
    ConfigSyntax {
        /// The file.
        file: PathBuf,
        /// What the TOML reader said.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A configuration value that is not allowed.
    #[error("{}: {key} {problem}{}", file.display(), with_cause(source.as_deref()))]
    ConfigValue {
        /// The file.
        file: PathBuf,
        /// The key, as `issuers[0].validity`.
        key: String,
        /// What is wrong with it.
        problem: &'static str,
        /// The underlying error, when there is one.
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A file the configuration names cannot be read.
    #[error("cannot read {}: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// An issuer's certificate or key cannot be used (unreadable, wrong password, the
    /// key not the certificate's).
    #[error("issuer {issuer}: {source}")]
    Key {
        /// The issuer's name.
        issuer: String,
        /// What certgate-ca said.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A certificate that does not allow signing CRLs (no cRLSign in its keyUsage).
    #[error("{}: the certificate lacks the cRLSign key usage: it may not sign CRLs", cert.display())]
    NoCrlSign {
        /// The certificate.
        cert: PathBuf,
    },
    /// A signing certificate that is not one of the CA itself (indirect CRLs are not
    /// made).
    #[error("{}: not a CRL-signing certificate of the CA itself: {problem}", cert.display())]
    NotTheCasSigner {
        /// The certificate.
        cert: PathBuf,
        /// What does not match.
        problem: &'static str,
    },
    /// The inventory failed (its message names the database).
    #[error("{source}")]
    Database {
        /// What certgate-db said.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The CRL could not be made or signed.
    #[error("{source}")]
    Signing {
        /// What certgate-ca said.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A time a CRL cannot hold.
    #[error("time {unix_seconds} (Unix seconds) is out of range")]
    Time {
        /// The time.
        unix_seconds: i64,
    },
    /// The listening socket cannot be opened.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
}

/// `": CAUSE"` when there is a cause.
fn with_cause(source: Option<&(dyn std::error::Error + Send + Sync)>) -> String {
    source.map_or_else(String::new, |e| format!(": {e}"))
}
