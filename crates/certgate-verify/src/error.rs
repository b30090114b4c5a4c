//! The one error type of this crate.

/// What can go wrong reading a certificate or verifying it.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The certificate is not DER of the X.509 shape.
    #[error("malformed certificate: {field}: {reason}")]
    MalformedCertificate {
        /// The field being read (`tbsCertificate`, `validity`, `extensions`, ...).
        field: &'static str,
        /// What is wrong.
        reason: String,
    },

    /// A CRL that is not DER of the RFC 5280 shape, or uses what we do not support.
    #[error("malformed or unsupported CRL: {field}: {reason}")]
    MalformedCrl {
        /// The field being read.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },

    /// A CRL whose issuer is unknown, may not sign CRLs, or whose signature fails.
    #[error("CRL not accepted: {reason}")]
    CrlIssuer {
        /// Why.
        reason: String,
    },

    /// A trust anchor that cannot be used.
    #[error("trust anchor {index}: {reason}")]
    BadTrustAnchor {
        /// Its position in the list given.
        index: usize,
        /// Why.
        reason: crate::AnchorError,
    },

    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// PEM input that holds no block of the expected kind.
    #[error("{origin}: {reason}")]
    Pem {
        /// Where it came from.
        origin: String,
        /// What is wrong.
        reason: String,
    },

    /// A hostname pattern that `HostTrust` cannot use, or one given twice.
    #[error("host pattern {pattern:?}: {reason}")]
    BadHostPattern {
        /// The pattern as given.
        pattern: String,
        /// Why it is refused.
        reason: String,
    },

    /// A `HostTrust` with neither a host nor a default, which would refuse everyone.
    #[error("host trust has no host and no default: every connection would be refused")]
    NoHosts,

    /// rustls refused to build a `ServerConfig`.
    #[error("TLS configuration: {reason}")]
    TlsConfig {
        /// What rustls said.
        reason: String,
    },
}

impl VerifyError {
    pub(crate) fn malformed(field: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::MalformedCertificate {
            field,
            reason: reason.to_string(),
        }
    }
}
