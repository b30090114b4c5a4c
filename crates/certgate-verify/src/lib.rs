//! Client-certificate verification for rustls servers, and [`ClientCertInfo`]: the
//! verdict and the fields of the certificate a client presented.
//!
//! - `ClientVerifier` (feature `rustls`, on by default) implements rustls'
//!   `ClientCertVerifier`: plug it into your own `ServerConfig`. In
//!   `VerifyMode::Enforce` a bad or missing certificate fails the handshake with the
//!   matching alert; in `VerifyMode::Report` every handshake completes and
//!   `ClientVerifier::verify_presented` tells the application why a certificate was
//!   refused. clientAuth must be in the leaf's extendedKeyUsage unless
//!   `danger::allow_leaf_without_eku` says otherwise.
//! - `ChainVerifier` (feature `rustls`) is the usage-generic heart both rest on:
//!   `verify_chain(leaf, intermediates, usage, expected_peer_name, now)`. It has its own
//!   RFC 5280 §6 path validator (rustls-webpki stays in the tests as an oracle): path
//!   building with backtracking over every issuer of the right name (compared as §7.1
//!   says, across string types, case and spaces), the authorityKeyIdentifier's first;
//!   self-issued certificates (key rollover both ways) outside path lengths and name
//!   constraints; name constraints of every form (DNS, IP, email, URI, directoryName)
//!   across the whole path; certificate policies with mappings, constraints and
//!   inhibitAnyPolicy under `PolicyOptions` (the user-initial-policy-set and the three
//!   initial flags), the resulting policy sets in `VerifiedChain` and `ClientCertInfo`;
//!   and what RFC 5280 forbids (duplicate extensions, empty names, a CA without
//!   keyCertSign, malformed name constraints, expired anchors, unknown critical
//!   extensions, ...), the depth limit and revocation. Relying-party leniency where
//!   §6 asks for it: a CA whose basicConstraints is not critical, unique IDs, UTCTime
//!   years 50–99. A CA certificate presented as the leaf is refused (a documented
//!   choice, as webpki and browsers do). The signature checks between CA certificates
//!   are remembered across verifications (`with_link_cache`: a known intermediate
//!   costs no second check). The duties RFC 5280 puts on the CA rather than on the
//!   relying party (key identifiers, criticality, serial numbers, ...) are checked only
//!   with `Rfc5280Rules::Strict`. When every candidate path fails, the most relevant
//!   [`FailureReason`] is reported (revoked before expired, wrong usage before a broken
//!   rule, any of them before a bad signature). `certgate limbo` runs the x509-limbo
//!   suite through it.
//! - Signatures are checked with aws-lc-rs, or with the algorithms of any rustls
//!   `CryptoProvider` given to `builder_with_provider` (feature `ring` brings ring's).
//!   rustls itself is re-exported as `certgate_verify::rustls`.
//! - `RevocationStore` (feature `rustls`) holds CRLs, each checked once at load against
//!   its issuer, and swaps them atomically at run time: from files (reloaded), and from
//!   named sources whose bytes the caller replaces (`set_source`: a CRL fetched from its
//!   distribution point; on error the source keeps its last good CRL, and an older CRL
//!   Number is refused). Without a store, revocation is not checked.
//! - `HostTrust` (feature `rustls`) chooses a `ServerConfig` by SNI, so each hostname
//!   trusts its own CAs; `mtls_server_config` builds such a config from a verifier and
//!   a certificate resolver.
//! - `Resumption` (feature `rustls`) keeps session resumption from outliving a CRL
//!   update: a resumed session skips the verifier, so sessions are tied to the
//!   `RevocationStore`'s generation, or resumption is off.
//! - [`ClientCertInfo`] builds without rustls, for policy engines and fuzzing.
//! - [`danger`] holds what weakens verification: leaves without extendedKeyUsage, and
//!   verdicts (and certificate policy sets) asserted by the caller instead of reached by
//!   a verifier.
//! - [`PolicyOptions`] are RFC 5280's inputs to certificate policy processing, and
//!   [`PolicySets`] its outputs, which [`ClientCertInfo::policies`] reports for a
//!   verified certificate (processed over a policy graph, RFC 9618).
//!
//! Where each part lives: `path/` is path building and validation (RFC 5280 §6.1): the
//! `ChainVerifier`, path building, the validation of each candidate path, signatures,
//! names and name constraints, policies, key usages, trust anchors, the ranking of
//! failures and the [`Rfc5280Violation`] vocabulary. `revocation/` is CRL processing (§6.3): reading and
//! checking CRLs, the table of revoked serials, the `RevocationStore` with its builder,
//! files, named sources and live serial lists, its policy and its watcher. `tls/` is the
//! glue to rustls' traits: `ClientVerifier` (`ClientCertVerifier`), the verdict memo,
//! `HostTrust` (per-host trust by SNI) and `Resumption`. At the top: [`ClientCertInfo`]
//! and its verdicts, the error enum and [`danger`].
//!
//! Verifying client certificates in your own `ServerConfig` (the README shows it too):
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use certgate_verify::{
//!     ClientVerifier, Resumption, RevocationPolicy, RevocationStore, VerifyMode, apply_resumption,
//! };
//! use rustls::pki_types::pem::PemObject;
//! use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let anchors: Vec<CertificateDer<'static>> =
//!         CertificateDer::pem_file_iter("ca.pem")?.collect::<Result<_, _>>()?;
//!     // CRLs are checked once, here; the watcher swaps in new ones when the file changes.
//!     let store = RevocationStore::builder(anchors.iter().map(|c| c.as_ref()))?
//!         .with_crl_file("crl.pem")
//!         .build()?;
//!     let _watcher = store.watch(Duration::from_secs(30))?;
//!     let verifier = Arc::new(
//!         ClientVerifier::builder(anchors)
//!             .with_revocation(store.clone(), RevocationPolicy::default())
//!             .with_mode(VerifyMode::Report) // complete every handshake, decide in HTTP
//!             .build()?,
//!     );
//!     let chain = CertificateDer::pem_file_iter("server.pem")?.collect::<Result<_, _>>()?;
//!     let mut config = rustls::ServerConfig::builder()
//!         .with_client_cert_verifier(verifier.clone())
//!         .with_single_cert(chain, PrivateKeyDer::from_pem_file("server-key.pem")?)?;
//!     // A resumed session skips the verifier: end sessions whenever the CRLs change.
//!     apply_resumption(&mut config, Resumption::TiedTo(store));
//!
//!     // ... accept a connection with `config`; after the handshake, per request:
//!     let conn = rustls::ServerConnection::new(Arc::new(config))?;
//!     let info = verifier.verify_presented(conn.peer_certificates(), UnixTime::now());
//!     if !info.verified() {
//!         // 403, and say why: "revoked", "expired", "unknown-ca", ...
//!         let why = info.failure_reason().map_or("no certificate", |r| r.id());
//!         println!("403 {why}");
//!     }
//!     Ok(())
//! }
//! ```
#![forbid(unsafe_code)]

pub mod danger;
mod error;
mod info;
mod path;
#[cfg(feature = "rustls")]
mod revocation;
#[cfg(feature = "rustls")]
mod tls;
mod verdict;

pub use certgate_x509::{NameAttribute, SanEntry};
pub use error::{CrlIssuerProblem, CrlProblem, HostPatternProblem, VerifyError};
pub use info::{ClientCertInfo, FailureReason, Verdict};
#[cfg(feature = "rustls")]
pub use path::anchor::check_trust_anchor;
#[cfg(feature = "rustls")]
pub use path::chain::{ChainVerifier, ChainVerifierBuilder, VerifiedChain};
#[cfg(feature = "rustls")]
pub use path::link_cache::DEFAULT_LINK_CACHE_ENTRIES;
pub use path::policy::{PolicyOptions, PolicySets};
#[cfg(feature = "rustls")]
pub use path::rfc5280::Rfc5280Rules;
#[cfg(feature = "rustls")]
pub use path::usage::{KeyPurpose, KeyUsageBit, Usage};
pub use path::violation::{AnchorError, OtherFailure, Rfc5280Violation};
#[cfg(feature = "rustls")]
pub use revocation::builder::{RevocationStoreBuilder, store_from_files};
#[cfg(feature = "rustls")]
pub use revocation::policy::{
    ExpirationPolicy, RevocationCheckDepth, RevocationPolicy, RevocationStatus, UnknownStatusPolicy,
};
#[cfg(feature = "rustls")]
pub use revocation::serial_source::MAX_LIVE_SERIALS;
#[cfg(feature = "rustls")]
pub use revocation::store::{CrlSummary, RevocationStore};
#[cfg(feature = "rustls")]
pub use revocation::watch::CrlWatcher;
/// rustls, re-exported so that a server builds its `ServerConfig` with the same version
/// certgate-verify implements `ClientCertVerifier` for.
#[cfg(feature = "rustls")]
pub use rustls;
#[cfg(feature = "rustls")]
pub use tls::host::{HostTrust, HostTrustBuilder, mtls_server_config};
#[cfg(feature = "rustls")]
pub use tls::memo::MAX_PENDING_VERDICTS;
#[cfg(feature = "rustls")]
pub use tls::resumption::{Resumption, apply_resumption};
#[cfg(feature = "rustls")]
pub use tls::verifier::{ClientVerifier, ClientVerifierBuilder, VerifyMode};
