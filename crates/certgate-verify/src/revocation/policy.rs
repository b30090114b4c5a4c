//! The revocation policy: small enums with secure defaults, and what the store says of
//! one certificate.

use std::time::Duration;

use crate::info::FailureReason;

/// Which certificates of a path are checked against CRLs.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RevocationCheckDepth {
    /// Only the client's certificate.
    EndEntity,
    /// Every certificate below the trust anchor (the default).
    #[default]
    Chain,
}

/// What to do with a certificate whose issuer has no CRL in the store.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownStatusPolicy {
    /// Refuse it (the default: with a store, every issuer must publish a CRL).
    #[default]
    Deny,
    /// Accept it.
    Allow,
}

/// What to do once a CRL is past its nextUpdate.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExpirationPolicy {
    /// Refuse certificates it covers (the default: a stale CRL fails closed, whatever
    /// the [`UnknownStatusPolicy`]).
    #[default]
    Enforce,
    /// Keep using it for this long past nextUpdate.
    Grace(Duration),
}

/// The revocation policy of a verifier. Start from [`RevocationPolicy::default`] (whole
/// chain, unknown status refused, stale CRLs refused) and change what you need:
///
/// ```
/// use certgate_verify::{RevocationCheckDepth, RevocationPolicy, UnknownStatusPolicy};
///
/// let leaf_only = RevocationPolicy::default()
///     .with_depth(RevocationCheckDepth::EndEntity)
///     .with_unknown_status(UnknownStatusPolicy::Allow);
/// assert_eq!(leaf_only.depth, RevocationCheckDepth::EndEntity);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RevocationPolicy {
    /// Which certificates are checked.
    pub depth: RevocationCheckDepth,
    /// Issuers without a CRL.
    pub unknown_status: UnknownStatusPolicy,
    /// Stale CRLs.
    pub expiration: ExpirationPolicy,
}

impl RevocationPolicy {
    /// The same policy checking `depth`.
    pub const fn with_depth(mut self, depth: RevocationCheckDepth) -> Self {
        self.depth = depth;
        self
    }

    /// The same policy treating issuers without a CRL as `unknown_status` says.
    pub const fn with_unknown_status(mut self, unknown_status: UnknownStatusPolicy) -> Self {
        self.unknown_status = unknown_status;
        self
    }

    /// The same policy treating stale CRLs as `expiration` says.
    pub const fn with_expiration(mut self, expiration: ExpirationPolicy) -> Self {
        self.expiration = expiration;
        self
    }

    /// What the policy makes of a certificate's status.
    pub(crate) fn verdict(&self, status: RevocationStatus) -> Result<(), FailureReason> {
        match status {
            RevocationStatus::Good => Ok(()),
            RevocationStatus::Revoked(_) => Err(FailureReason::Revoked),
            // The store reports a CRL as stale only past the grace period.
            RevocationStatus::Stale { next_update } => {
                Err(FailureReason::CrlExpired { next_update })
            }
            RevocationStatus::Unknown if self.unknown_status == UnknownStatusPolicy::Allow => {
                Ok(())
            }
            RevocationStatus::Unknown => Err(FailureReason::RevocationStatusUnknown),
        }
    }
}

/// What the store says of one certificate.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Its issuer's current CRL does not list it.
    Good,
    /// Listed, with the reason code if the CRL gives one.
    Revoked(Option<u8>),
    /// No CRL of its issuer is loaded.
    Unknown,
    /// The issuer's CRL is past nextUpdate (and past the grace period).
    Stale {
        /// The CRL's nextUpdate.
        next_update: certgate_x509::Timestamp,
    },
}
