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
//! use it); [`der_walk`] gives the hand-walked extensions their shape; [`link_cache`]
//! remembers the signature checks between CA certificates that succeeded, so a known
//! intermediate costs no second signature check. [`policy`] runs certificate policy
//! processing over a path (§6.1.3 (d)–(f), §6.1.4 (a), (b), (h)–(j), §6.1.5 (g)) as
//! RFC 9618's policy graph ([`policy_graph`]), on the four extensions [`policy_ext`] reads.

#[cfg(feature = "rustls")]
pub(crate) mod anchor;
#[cfg(feature = "rustls")]
pub(crate) mod candidate;
#[cfg(feature = "rustls")]
pub(crate) mod chain;
#[cfg(feature = "rustls")]
pub(crate) mod der_walk;
#[cfg(feature = "rustls")]
pub(crate) mod email_nc;
#[cfg(feature = "rustls")]
pub(crate) mod link_cache;
#[cfg(feature = "rustls")]
pub(crate) mod names;
// Certificate policies (RFC 5280 6.1 with RFC 9618's graph): the public options and
// sets build without rustls; the readers and the algorithm are called by the path
// validation.
// TODO(lead): drop this allow once path/validate.rs calls `process_policies`.
#[allow(dead_code)]
pub(crate) mod policy;
#[allow(dead_code)]
pub(crate) mod policy_ext;
#[allow(dead_code)]
pub(crate) mod policy_graph;
#[cfg(feature = "rustls")]
pub(crate) mod rank;
#[cfg(feature = "rustls")]
pub(crate) mod rfc5280;
#[cfg(feature = "rustls")]
pub(crate) mod usage;
pub(crate) mod violation;
