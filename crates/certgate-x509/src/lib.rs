//! certgate's one reading layer for X.509: borrowed, allocation-free views of
//! certificates ([`CertView`]), CRLs ([`CrlView`]) and certification requests
//! ([`CsrView`]) over one strict DER reader ([`der`]), and the types every certgate crate
//! shares — [`Serial`], [`KeyId`], [`Sha256Fingerprint`], [`SanEntry`], [`IpNet`],
//! [`KeyUsage`] and [`KeyPurpose`], names with their RFC 4514 and RFC 2253 forms
//! ([`NameView`]), one time type ([`Timestamp`]), PEM ([`pem`]) and the owned
//! description of a certificate ([`CertificateInfo`]).
//!
//! No rustls, no issuance, no I/O: certgate-verify, certgate-policy, certgate-ca and the
//! fuzz targets build on it, so the same bytes are read the same way everywhere.
//!
//! # Strictness
//! The reader accepts DER only: single-octet tags; definite lengths, minimal, of at most
//! four octets; INTEGERs without superfluous leading octets; BOOLEANs of 0x00 or 0xff
//! (BER's 0x01 would turn a critical extension into a non-critical one); nothing after
//! a value that ends a structure; each extension once; a field that may occur once (a
//! CRL's revokedCertificates) once. Limits on work per input are in [`limits`].
//!
//! ```
//! use certgate_x509::{CertificateInfo, X509Error, pem};
//!
//! fn describe(pem_text: &[u8]) -> Result<String, X509Error> {
//!     let block = pem::first_labelled(pem_text, &["CERTIFICATE"])?;
//!     let info = CertificateInfo::from_der(&block.der)?;
//!     Ok(format!(
//!         "{} serial {} valid until {}",
//!         info.subject().to_rfc4514(),
//!         info.serial(),
//!         info.not_after()
//!     ))
//! }
//! # assert!(describe(b"nothing here").is_err());
//! ```
#![forbid(unsafe_code)]

mod cert;
mod crl;
mod csr;
pub mod der;
mod distribution_point;
mod error;
mod extension;
mod fingerprint;
mod general_name;
pub mod hex;
mod info;
mod ip;
pub mod limits;
mod name;
pub mod oid;
pub mod pem;
mod serial;
mod time;
mod usage;

pub use cert::CertView;
pub use crl::{CrlView, IssuingDistributionPoint, ReasonCode, RevokedEntry};
pub use csr::CsrView;
pub use distribution_point::{DistributionPoint, MAX_DISTRIBUTION_POINTS, ReasonFlags};
pub use error::{ParseProblem, PemProblem, Problem, Structure, X509Error};
pub use extension::{AuthorityKeyId, BasicConstraints, Extension, Extensions, subject_key_id};
pub use fingerprint::{KeyId, Sha1Fingerprint, Sha256Fingerprint};
pub use general_name::{GeneralNameRef, SanEntry, general_names, ip_from_octets};
pub use info::CertificateInfo;
pub use ip::IpNet;
pub use name::{
    ATTRIBUTE_TYPES, AttributeRef, AttributeType, COMMON_NAME, NameAttribute, NameView,
    attribute_oid, string_eq, string_text,
};
pub use serial::{Serial, SerialKey, SerialRef};
pub use time::Timestamp;
pub use usage::{KeyPurpose, KeyPurposes, KeyUsage, KeyUsageBit, key_purposes};
