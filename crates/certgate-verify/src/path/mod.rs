//! The path: building it and validating it, RFC 5280 §6.1 (basic path validation) with
//! the name constraints of §4.2.1.10 and the key usages of §4.2.1.3 and §4.2.1.12.
//!
//! [`chain`] is the usage-generic [`ChainVerifier`](crate::ChainVerifier): rustls-webpki
//! builds candidate paths and checks signatures, validity, basic constraints, name
//! constraints and EKUs (§6.1.3, §6.1.4); from its path hook, [`candidate`] checks each
//! candidate for what webpki does not: the anchor ([`anchor`], §6.1.1 d), what RFC 5280
//! forbids and webpki lets through ([`rfc5280`], with the name syntax of [`names`]), the
//! email name constraints webpki refuses ([`email_nc`]), the depth limit, and revocation
//! from the store (§6.3, in `crate::revocation`). [`usage`] says what a path must be good
//! for; [`rank`] picks the most relevant failure across candidates; [`violation`] names
//! the rules a certificate or an anchor breaks (built without rustls, as the verdicts
//! use it); [`dn`] compares distinguished names (RFC 5280 §7.1) and [`name_constraints`]
//! checks the name constraints of every CA on a path (§6.1.3 b, c; §6.1.4 g), both for
//! certgate's own path validation; [`der_walk`] gives the hand-walked extensions their shape; [`link_cache`]
//! remembers the signature checks between CA certificates that succeeded, so a known
//! intermediate costs no second signature check.

#[cfg(feature = "rustls")]
pub(crate) mod anchor;
#[cfg(feature = "rustls")]
pub(crate) mod candidate;
#[cfg(feature = "rustls")]
pub(crate) mod chain;
#[cfg(feature = "rustls")]
pub(crate) mod der_walk;
#[cfg(feature = "rustls")]
// Called by the own path builder (validate.rs) from integration on.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod dn;
#[cfg(feature = "rustls")]
pub(crate) mod email_nc;
#[cfg(feature = "rustls")]
pub(crate) mod link_cache;
#[cfg(feature = "rustls")]
// Called by the own path builder (validate.rs) from integration on.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod name_constraints;
#[cfg(feature = "rustls")]
pub(crate) mod names;
#[cfg(feature = "rustls")]
pub(crate) mod rank;
#[cfg(feature = "rustls")]
pub(crate) mod rfc5280;
#[cfg(feature = "rustls")]
pub(crate) mod usage;
pub(crate) mod violation;
