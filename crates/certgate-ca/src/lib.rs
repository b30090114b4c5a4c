//! A certificate authority for device certificates, compatible with cfssl.
//!
//! certgate-ca reads the JSON files cfssl reads (`ca-csr.json`, `ca-config.json`,
//! `client-csr.json`), makes root and intermediate CAs, issues client certificates for
//! devices — from a key it generates, or from a PKCS#10 request a device made itself, so
//! that the device keeps its key — and signs CRLs. Every certificate goes through one
//! path: the fields are built with x509-cert's builder, and a [`CaSigner`] signs them
//! (a [`KeySigner`] over a key aws-lc-rs holds, or your own for an HSM or a KMS).
//!
//! # Example: the seed walkthrough
//!
//! ```
//! use certgate_ca::cfssl::{CsrJson, SigningConfig};
//! use certgate_ca::{CertificateRequest, KeySigner, PrivateKey, RootCaBuilder};
//!
//! # fn main() -> Result<(), certgate_ca::CaError> {
//! // cfssl genkey -initca ca-csr.json | cfssljson -bare ca
//! let ca_csr = CsrJson::from_json(br#"{"CN": "Sam Money App", "key": {"algo": "ecdsa", "size": 256},
//!     "names": [{"C": "PT", "L": "Lisboa", "O": "Money App Test", "OU": "Sam Projects", "ST": "Lisboa"}]}"#,
//!     "ca-csr.json")?;
//! let ca_key = PrivateKey::generate(ca_csr.key_spec()?)?;
//! let root = RootCaBuilder::new(&ca_csr, Box::new(KeySigner::new(ca_key))).build()?;
//!
//! // cfssl gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile client client-csr.json
//! let config = SigningConfig::from_json(br#"{"signing": {"default": {"expiry": "8760h"},
//!     "profiles": {"client": {"usages": ["signing", "key encipherment", "client auth"], "expiry": "8760h"}}}}"#,
//!     "ca-config.json")?;
//! let client_csr = CsrJson::from_json(br#"{"CN": "Rhea Group", "hosts": [""]}"#, "client-csr.json")?;
//! let (client_key, request) = CertificateRequest::generate(&client_csr)?;
//! let client = root.ca.sign_csr(&request, config.profile("client")?)?;
//! assert!(client.to_pem().starts_with("-----BEGIN CERTIFICATE-----"));
//! # let _ = client_key;
//! # Ok(())
//! # }
//! ```
//!
//! # What cfssl does, and where we differ on purpose
//!
//! The same defaults: an ECDSA P-256 key when none is asked for; roots for 43800 hours;
//! notBefore five minutes back from now rounded to the minute, notAfter that plus the
//! profile's expiry; cfssl's 23 usage strings with its meanings; the subject in Go's
//! order (C, ST, L, O, OU, CN); 20-byte serials; SKI as the SHA-1 of the public key bits;
//! the signature hash chosen from the CA key (RSA of 4096 bits or more: SHA-512, 3072 or
//! more: SHA-384, else SHA-256; ECDSA by curve), which [`KeySigner::with_hash`] overrides.
//! `tests/cfssl_interop.rs` compares the two tools' certificates field by field. The
//! intended differences:
//!
//! | cfssl 1.2 | certgate | why |
//! |---|---|---|
//! | an unknown `-profile` silently uses the default profile | [`CaError::UnknownProfile`] listing the profiles | a typo must not issue a certificate with other usages |
//! | an unknown usage string is ignored | [`CaError::UnknownUsage`] listing the 23 valid ones | same |
//! | unknown JSON keys are ignored | an error naming the key and its line | `"host"` for `"hosts"` would drop every SAN |
//! | `auth_key`, `remote` and other server features | refused as unsupported | silently ignoring authentication would be worse |
//! | `"hosts": [""]` adds an empty DNS name | no SAN for an empty host | verifiers reject empty DNS names |
//! | durations in Go syntax only | also `d` (days) and `y` (365 days) | `"1y"` is what people write |
//! | EC and Ed25519 leaves get keyEncipherment when asked | left out for non-RSA keys | those keys cannot encipher keys |
//! | duplicate usages listed twice | merged | |
//! | self-signed roots have no AKI | AKI = own SKI on every certificate | uniform chain building |
//! | subject strings are PrintableString where possible | UTF8String except C and serialNumber | RFC 5280 4.1.2.6 |
//! | several OUs in one multi-valued RDN | one RDN per value | what OpenSSL and most verifiers expect |
//! | a CA profile may issue below a pathlen-0 CA | [`CaError::PathLength`]; a child CA's path length stays below its issuer's | RFC 5280 4.2.1.9 |
//! | `cert sign` may be set on a leaf | refused unless the profile is a CA | a leaf must not sign certificates |
//! | an expired or not-yet-valid CA issues as usual | [`CaError::CaExpired`] / [`CaError::CaNotYetValid`], naming the CA's validity and the time | what it signs would chain to nothing valid |
//! | a certificate that would end after its CA is issued without a word: 1.2 keeps the longer notAfter (`tests/cfssl_interop.rs` checks), signers built on cfssl such as Kubernetes' clamp it silently | [`CaError::OutlivesCa`], or notAfter clamped to the CA's with [`IssueBuilder::with_clamp_to_ca`] (`certgate gencert`/`sign -clamp-to-ca`); roots are exempt | a certificate shorter than its profile says should be a choice, not a surprise |
//! | no name constraints | `name_constraints` on CA profiles: DNS, email, IP, `permitted_dn`/`excluded_dn` (cfssl name objects with `CN`, encoded as subjects are) and `permitted_uri`/`excluded_uri` (a host or a `.domain`; schemes, ports and paths refused) | bound what an intermediate may certify |
//! | `policies` (`[{"ID": OID, "qualifiers": [{"type": "id-qt-cps" or "id-qt-unotice", "value": ..}]}]`) read as cfssl reads them | the same, but a bad OID, an unknown qualifier type or a policy listed twice is an error naming the key | cfssl drops what it cannot read |
//! | no policy controls | on CA profiles only: `"policy_mappings": [{"issuer_domain": OID, "subject_domain": OID}]` (policyMappings, critical; anyPolicy refused on either side), `"policy_constraints": {"require_explicit_policy": N, "inhibit_policy_mapping": N}` (at least one; critical), `"inhibit_any_policy": N` (critical) | enterprise PKIs bound which policies hold below an intermediate (RFC 5280 4.2.1.5, 4.2.1.11, 4.2.1.14) |
//! | one `crl_url`, no delta CRLs | also `crl_urls` (more URLs of the same CRL, one distribution point) and `freshest_crl_url` (freshestCRL, non-critical) | mirrors, and delta CRLs (RFC 5280 4.2.1.15) |
//! | CRLs with CRL Number and AKI only | also [`CrlBuilder::with_issuing_distribution_point`] (scope: user or CA certificates, some reasons, indirect), [`CrlBuilder::with_delta_of`] (delta CRLs; removeFromCRL only there), [`CrlBuilder::with_freshest_crl`], [`CrlBuilder::with_entry_of_issuer`] (certificateIssuer in indirect CRLs), and a dedicated CRL-signing key ([`CrlBuilder::with_crl_signer`]); all of them also from a CRL configuration in cfssl's style ([`cfssl::CrlConfig`], `certgate gencrl --config crl.json`) | RFC 5280 5.2.4-5.2.6, 5.3.3; inconsistent combinations are [`CrlProblem`]s, or errors naming the configuration's key |
//! | CA keys are plain PEM | also encrypted PKCS#8 ([`PasswordSource`]: `pass:`, `env:`, `file:`) | |
//! | no Ed25519 keys (1.2) | Ed25519 keys | |
//!
//! # Errors
//!
//! [`CaError`] is the one error type. Its variants carry what a caller branches on: the
//! origin (a file, or a label such as `<stdin>`), the field, the values involved and a
//! small `*Problem` enum ([`ConfigProblem`], [`HostProblem`], [`KeyProblem`], ...) that
//! says what exactly is wrong. Where a dependency (the JSON parser, the DER decoder, an
//! HSM behind a [`CaSigner`]) reported the failure, its error stays reachable through
//! [`std::error::Error::source`].
//!
//! # Validity
//!
//! A certificate issued by a CA ([`IssueBuilder::build`]) must fit in the CA's life: the
//! CA must be valid at the time of issue, and the certificate may not end after the CA
//! unless [`IssueBuilder::with_clamp_to_ca`] shortens it to end with the CA. A root made
//! by [`RootCaBuilder`] is self-signed, so nothing bounds it.
//!
//! # Why not rcgen for issuing
//!
//! rcgen 0.14 is where the benches measure us against, but it cannot issue what cfssl
//! issues: a second OU replaces the first, C is written as UTF8String, the issuer name is
//! re-encoded instead of copied, AKI is off by default, its default serial is derived
//! from the key, CSR parsing refuses extensions other than SAN/KU/EKU/basic constraints,
//! and a P-384 request signed with SHA-256 gives a broken certificate (rcgen #448). So
//! there is one issuing path on x509-cert 0.3's builder with an aws-lc-rs signer.
//!
//! # Security
//!
//! Private keys are generated and used by aws-lc-rs, written as PKCS#8 (mode 0600 through
//! [`write_all_or_nothing`]), wiped from memory on drop where we hold their bytes, and
//! never printed by `Debug`. Requests from devices have their signatures checked before
//! anything is issued, and the profile, never the request, decides key usage and
//! constraints.
#![forbid(unsafe_code)]

mod cert;
mod certinfo;
pub mod cfssl;
mod crl;
mod crl_der;
mod crl_ext;
mod csr;
mod error;
mod extensions;
mod issue;
mod key;
mod output;
mod password;
mod pem;
mod policy_ext;
mod problem;
mod root;
mod signer;
mod signer_adapter;
mod x509;

pub use cert::{CaCertificate, certificate_public_key, certificates_from_pem};
pub use certinfo::{CfsslCertInfo, NameInfo};
pub use crl::{
    Crl, CrlBuilder, REVOCATION_REASON_NAMES, RevocationReason, RevokedEntry,
    parse_revocation_reason,
};
pub use crl_ext::IssuingDistributionPoint;
pub use csr::CertificateRequest;
pub use error::{CaError, MAX_INPUT_FILE};
pub use issue::{
    CertificateAuthority, DEFAULT_BACKDATE, DEFAULT_ROOT_EXPIRY, IssueBuilder, IssuedCertificate,
    SERIAL_LEN,
};
pub use key::{KeySpec, PKCS8_PBKDF2_ITERATIONS, PrivateKey};
pub use output::{FileMode, OutputFile, bare_files, write_all_or_nothing, write_atomic};
pub use password::{Password, PasswordSource};
pub use problem::{
    CertificateProblem, ConfigProblem, CrlProblem, CsrProblem, DurationProblem, HostProblem,
    IpNetProblem, JsonProblem, KeyProblem, NameProblem, NotCaProblem, PasswordProblem, PemProblem,
};
pub use root::{NewRootCa, RootCaBuilder};
pub use signer::{CaSigner, KeySigner, SignatureAlgorithm, SignatureHash, SignerError};
pub use x509::SubjectName;
