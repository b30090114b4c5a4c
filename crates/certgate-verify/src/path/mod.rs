//! The path: building it and validating it, RFC 5280 §6.1 (basic path validation) with
//! the name chaining of §7.1, the name constraints of §4.2.1.10, the certificate policies
//! of §4.2.1.4–§4.2.1.14 and the key usages of §4.2.1.3 and §4.2.1.12. certgate's own:
//! rustls-webpki no longer builds paths (it stays in the tests and fuzzing as an oracle).
//!
//! - [`chain`]: the usage-generic [`ChainVerifier`](crate::ChainVerifier), its builder
//!   and what is checked of the leaf alone.
//! - [`build`]: path building — candidate issuers by name ([`dn`], §7.1) with the one
//!   the authorityKeyIdentifier names first, backtracking, loops, budgets — and what
//!   every intermediate must be wherever it sits (valid, a CA, keyCertSign, no unknown
//!   critical extension, the usage's EKUs).
//! - [`signature`]: a signature checked by the configured `CryptoProvider`'s
//!   algorithms, through [`link_cache`] between CA certificates.
//! - [`validate`]: §6.1 over a path that reached an anchor: path length (self-issued
//!   certificates not counted), [`name_constraints`] across the path, [`policy`]
//!   (§6.1.3 (d)–(f), §6.1.4, §6.1.5, as RFC 9618's policy graph, [`policy_graph`], on
//!   the four extensions [`policy_ext`] reads), the depth limit, revocation (§6.3, in
//!   `crate::revocation`, asked through [`candidate`]).
//! - [`anchor`] (§6.1.1 (d)), [`rfc5280`] (the rules on one certificate's own fields,
//!   with the name syntax of [`names`]), [`usage`] (what a path must be good for),
//!   [`rank`] (the most relevant failure across candidates), [`violation`] (the rules a
//!   certificate or an anchor breaks, built without rustls), [`der_walk`].

#[cfg(feature = "rustls")]
pub(crate) mod anchor;
#[cfg(feature = "rustls")]
pub(crate) mod build;
#[cfg(feature = "rustls")]
pub(crate) mod candidate;
#[cfg(feature = "rustls")]
pub(crate) mod chain;
#[cfg(feature = "rustls")]
pub(crate) mod der_walk;
#[cfg(feature = "rustls")]
pub(crate) mod dn;
#[cfg(feature = "rustls")]
pub(crate) mod link_cache;
#[cfg(feature = "rustls")]
pub(crate) mod name_constraints;
#[cfg(feature = "rustls")]
pub(crate) mod names;
// Certificate policies (RFC 5280 6.1 on RFC 9618's graph): the public options and sets
// build without rustls (ClientCertInfo carries the sets); the readers and the algorithm
// are called by the path validation.
#[cfg_attr(not(feature = "rustls"), allow(dead_code))]
pub(crate) mod policy;
#[cfg_attr(not(feature = "rustls"), allow(dead_code))]
pub(crate) mod policy_ext;
#[cfg_attr(not(feature = "rustls"), allow(dead_code))]
pub(crate) mod policy_graph;
#[cfg(feature = "rustls")]
pub(crate) mod rank;
#[cfg(feature = "rustls")]
pub(crate) mod rfc5280;
#[cfg(feature = "rustls")]
pub(crate) mod signature;
#[cfg(feature = "rustls")]
pub(crate) mod usage;
#[cfg(feature = "rustls")]
pub(crate) mod validate;
pub(crate) mod violation;
