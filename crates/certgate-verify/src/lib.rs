//! Client-certificate verification for rustls servers (in progress), and
//! [`ClientCertInfo`]: the verdict and the fields of the certificate a client presented.
#![forbid(unsafe_code)]

mod crl;
mod dn;
mod error;
mod info;
mod revocation;
mod verifier;

pub use dn::NameAttribute;
pub use error::VerifyError;
pub use info::{ClientCertInfo, FailureReason, SanEntry, Verdict, hex};
pub use revocation::{
    ExpirationPolicy, RevocationCheckDepth, RevocationPolicy, RevocationStatus, RevocationStore,
    RevocationStoreBuilder, UnknownStatusPolicy, store_from_files,
};
pub use verifier::{ClientVerifier, ClientVerifierBuilder, VerifyMode, danger, shared};
