//! The revocation policy: small enums with secure defaults, and what the store says of
//! one certificate.

use std::time::Duration;

/// Which certificates of a path are checked against CRLs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RevocationCheckDepth {
    /// Only the client's certificate.
    EndEntity,
    /// Every certificate below the trust anchor (the default).
    #[default]
    Chain,
}

/// What to do with a certificate whose issuer has no CRL in the store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownStatusPolicy {
    /// Refuse it (the default: with a store, every issuer must publish a CRL).
    #[default]
    Deny,
    /// Accept it.
    Allow,
}

/// What to do once a CRL is past its nextUpdate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExpirationPolicy {
    /// Refuse certificates it covers (the default: a stale CRL fails closed).
    #[default]
    Enforce,
    /// Keep using it for this long past nextUpdate.
    Grace(Duration),
}

/// The revocation policy of a verifier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RevocationPolicy {
    /// Which certificates are checked.
    pub depth: RevocationCheckDepth,
    /// Issuers without a CRL.
    pub unknown_status: UnknownStatusPolicy,
    /// Stale CRLs.
    pub expiration: ExpirationPolicy,
}

/// What the store says of one certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Its issuer's current CRL does not list it.
    Good,
    /// Listed, with the reason code if the CRL gives one.
    Revoked(Option<u8>),
    /// No CRL of its issuer is loaded.
    Unknown,
    /// The issuer's CRL is past nextUpdate (and past the grace period).
    Stale,
}
