//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong while reading CA inputs, issuing or revoking.
///
/// Each variant names the thing it is about (`origin`: a file path, or a label
/// such as `<stdin>` for input that did not come from a file) and the reason.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// JSON that does not parse, or does not match cfssl's schema.
    #[error("{origin}: invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// Where the JSON came from.
        origin: String,
        /// 1-based line of the error (0 when unknown).
        line: usize,
        /// 1-based column of the error (0 when unknown).
        column: usize,
        /// What is wrong.
        message: String,
    },

    /// A configuration value that parses but cannot be used.
    #[error("{origin}: {field}: {reason}")]
    InvalidConfig {
        /// Where the configuration came from.
        origin: String,
        /// The JSON path of the field, for example `signing.profiles.client.expiry`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A signing profile name that the configuration does not define.
    #[error("unknown signing profile {name:?}; {}", if known.is_empty() {
        "the configuration defines no named profiles (only the default one)".to_owned()
    } else {
        format!("the configuration defines: {}", known.join(", "))
    })]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The profile names that exist.
        known: Vec<String>,
    },

    /// A usage string that is not in cfssl's table.
    #[error("{field}: unknown usage {usage:?}; valid usages: {}", crate::cfssl::USAGE_NAMES.join(", "))]
    UnknownUsage {
        /// The JSON path of the profile's `usages` field.
        field: String,
        /// The string that was given.
        usage: String,
    },

    /// A duration string that cannot be parsed.
    #[error("{field}: invalid duration {value:?}: {reason}")]
    InvalidDuration {
        /// The JSON path (or flag) of the duration.
        field: String,
        /// The string that was given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A key algorithm or size that is not supported.
    #[error(
        "unsupported key {algo:?} of size {size}; supported: rsa 2048/3072/4096, ecdsa 256/384, ed25519"
    )]
    UnsupportedKey {
        /// The algorithm name as given.
        algo: String,
        /// The size as given.
        size: u32,
    },

    /// PEM input that is malformed or holds the wrong kind of object.
    #[error("{origin}: {reason}")]
    Pem {
        /// Where the PEM came from.
        origin: String,
        /// What is wrong.
        reason: String,
    },

    /// A private key that cannot be parsed or used.
    #[error("{origin}: private key: {reason}")]
    Key {
        /// Where the key came from.
        origin: String,
        /// What is wrong.
        reason: String,
    },

    /// An encrypted private key that the given password does not open.
    #[error("{origin}: wrong password for the encrypted private key")]
    WrongPassword {
        /// Where the key came from.
        origin: String,
    },

    /// A password source (`pass:`, `env:`, `file:`) that cannot be read.
    #[error("password source {spec:?}: {reason}")]
    Password {
        /// The source as given, with any literal password elided.
        spec: String,
        /// What is wrong.
        reason: String,
    },

    /// A certificate that cannot be parsed.
    #[error("{origin}: certificate: {reason}")]
    Certificate {
        /// Where the certificate came from.
        origin: String,
        /// What is wrong.
        reason: String,
    },

    /// A certificate signing request that cannot be parsed or is not acceptable.
    #[error("{origin}: certificate request: {reason}")]
    Csr {
        /// Where the request came from.
        origin: String,
        /// What is wrong.
        reason: String,
    },

    /// A certificate signing request whose self-signature does not verify.
    #[error("{origin}: certificate request signature does not verify")]
    CsrSignature {
        /// Where the request came from.
        origin: String,
    },

    /// The CA key does not belong to the CA certificate.
    #[error("the CA key {key} does not match the public key of the CA certificate {cert}")]
    KeyMismatch {
        /// Where the key came from.
        key: String,
        /// Where the certificate came from.
        cert: String,
    },

    /// A certificate used as an issuer that may not issue.
    #[error("{origin}: not usable as a CA: {reason}")]
    NotCa {
        /// Where the certificate came from.
        origin: String,
        /// Why it cannot issue.
        reason: String,
    },

    /// Issuing a CA certificate below a CA whose path length forbids it.
    #[error(
        "{origin}: the CA has a path length constraint of 0, so it cannot issue another CA certificate"
    )]
    PathLength {
        /// The issuing CA certificate.
        origin: String,
    },

    /// A request that cannot be turned into a certificate.
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What is wrong.
        reason: String,
    },

    /// A host name that the profile's `name_whitelist` does not allow.
    #[error("name {name:?} is not allowed by the profile's name_whitelist")]
    NameNotAllowed {
        /// The name that was refused.
        name: String,
    },

    /// The signer failed.
    #[error("signing failed: {reason}")]
    Signing {
        /// What went wrong.
        reason: String,
    },

    /// DER encoding or decoding failed while building an object.
    #[error("{what}: {reason}")]
    Encoding {
        /// The object being built or read.
        what: &'static str,
        /// What went wrong.
        reason: String,
    },
}

impl CaError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// Reads a whole file, naming it in the error.
    pub(crate) fn read_file(path: &std::path::Path) -> Result<Vec<u8>, Self> {
        std::fs::read(path).map_err(|e| Self::io(path, e))
    }

    /// Wraps a DER error met while building or reading `what`.
    pub(crate) fn encoding(what: &'static str, err: impl std::fmt::Display) -> Self {
        Self::Encoding {
            what,
            reason: err.to_string(),
        }
    }
}
