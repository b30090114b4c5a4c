//! Client-certificate verification for rustls servers (in progress), and
//! [`ClientCertInfo`]: the verdict and the fields of the certificate a client presented.
#![forbid(unsafe_code)]

mod dn;
mod error;
mod info;

pub use dn::NameAttribute;
pub use error::VerifyError;
pub use info::{ClientCertInfo, FailureReason, SanEntry, Verdict, hex};
