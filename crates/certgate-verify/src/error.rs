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
}

impl VerifyError {
    pub(crate) fn malformed(field: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::MalformedCertificate {
            field,
            reason: reason.to_string(),
        }
    }
}
