//! The verdict on a presented certificate, and why it failed.

use certgate_x509::Timestamp;

use crate::path::violation::{OtherFailure, Rfc5280Violation};

/// Why a presented certificate was not accepted.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureReason {
    /// No chain to a trusted anchor.
    UnknownIssuer,
    /// Past notAfter.
    Expired,
    /// Before notBefore.
    NotYetValid,
    /// Listed on its issuer's CRL.
    Revoked,
    /// No CRL covers the certificate and the policy says to refuse.
    RevocationStatusUnknown,
    /// The CRL that covers the certificate is past its nextUpdate (and any grace the
    /// policy allows): it no longer says whether the certificate is revoked.
    CrlExpired {
        /// The CRL's nextUpdate.
        next_update: Timestamp,
    },
    /// The extended key usage does not allow client authentication.
    WrongKeyUsage,
    /// A signature on the chain does not verify.
    BadSignature,
    /// The certificate is not valid for the expected peer name.
    NameMismatch,
    /// A certificate on the path is malformed or breaks a rule of RFC 5280.
    Malformed(Rfc5280Violation),
    /// Anything else.
    Other(OtherFailure),
}

impl FailureReason {
    /// A short, stable identifier: `unknown-ca`, `expired`, `not-yet-valid`, `revoked`,
    /// `revocation-unknown`, `crl-expired`, `wrong-usage`, `bad-signature`,
    /// `name-mismatch`, `malformed` or `other`.
    pub fn id(&self) -> &'static str {
        match self {
            Self::UnknownIssuer => "unknown-ca",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
            Self::Revoked => "revoked",
            Self::RevocationStatusUnknown => "revocation-unknown",
            Self::CrlExpired { .. } => "crl-expired",
            Self::WrongKeyUsage => "wrong-usage",
            Self::BadSignature => "bad-signature",
            Self::NameMismatch => "name-mismatch",
            Self::Malformed(_) => "malformed",
            Self::Other(_) => "other",
        }
    }
}

impl FailureReason {
    /// The reason with this [`id`](Self::id). Reasons that carry details get none:
    /// `Malformed(Rfc5280Violation::Unspecified)`, `Other(OtherFailure::Unspecified)`,
    /// `CrlExpired { next_update: 1970-01-01T00:00:00Z }`.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "unknown-ca" => Self::UnknownIssuer,
            "expired" => Self::Expired,
            "not-yet-valid" => Self::NotYetValid,
            "revoked" => Self::Revoked,
            "revocation-unknown" => Self::RevocationStatusUnknown,
            "crl-expired" => Self::CrlExpired {
                next_update: Timestamp::from_unix_seconds(0),
            },
            "wrong-usage" => Self::WrongKeyUsage,
            "bad-signature" => Self::BadSignature,
            "name-mismatch" => Self::NameMismatch,
            "malformed" => Self::Malformed(Rfc5280Violation::Unspecified),
            "other" => Self::Other(OtherFailure::Unspecified),
            _ => return None,
        })
    }
}

impl std::fmt::Display for FailureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownIssuer => f.write_str("no path to a trusted anchor"),
            Self::Expired => f.write_str("certificate expired"),
            Self::NotYetValid => f.write_str("certificate not yet valid"),
            Self::Revoked => f.write_str("certificate revoked"),
            Self::RevocationStatusUnknown => {
                f.write_str("revocation status unknown (no current CRL of its issuer)")
            }
            Self::CrlExpired { next_update } => write!(
                f,
                "the issuer's CRL expired: its nextUpdate was {}",
                next_update
            ),
            Self::WrongKeyUsage => f.write_str("extended key usage does not allow this use"),
            Self::BadSignature => f.write_str("a signature on the chain does not verify"),
            Self::NameMismatch => f.write_str("not valid for the expected name"),
            Self::Malformed(why) => write!(f, "malformed certificate: {why}"),
            Self::Other(why) => why.fmt(f),
        }
    }
}

/// The outcome of verification, as carried by a [`ClientCertInfo`](crate::ClientCertInfo).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not (yet) verified: the fields were read, nothing was checked.
    Unverified,
    /// Chains to a trusted anchor, valid, not revoked.
    Verified {
        /// The anchor's subject, RFC 4514.
        anchor_subject: String,
    },
    /// Checked and refused.
    Failed(FailureReason),
}
