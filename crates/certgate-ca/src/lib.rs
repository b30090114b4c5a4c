//! placeholder: crate docs are written at the end
#![forbid(unsafe_code)]

mod cert;
mod certinfo;
pub mod cfssl;
mod crl;
mod csr;
mod error;
mod issue;
mod key;
mod output;
mod password;
mod pem;
mod signer;
mod signer_adapter;
mod x509;

pub use cert::CaCertificate;
pub use certinfo::{CertificateInfo, NameInfo};
pub use crl::{Crl, CrlBuilder, REVOCATION_REASON_NAMES, RevocationReason, RevokedEntry};
pub use csr::CertificateRequest;
pub use error::CaError;
pub use issue::{
    CertificateAuthority, DEFAULT_BACKDATE, DEFAULT_ROOT_EXPIRY, IssueBuilder, IssuedCertificate,
    NewRootCa, RootCaBuilder, SERIAL_LEN,
};
pub use key::{KeySpec, PKCS8_PBKDF2_ITERATIONS, PrivateKey};
pub use output::{FileMode, OutputFile, bare_files, write_all_or_nothing, write_atomic};
pub use password::{Password, PasswordSource};
pub use signer::{CaSigner, KeySigner, SignatureAlgorithm, SignatureHash};
pub use x509::{SubjectName, colon_hex};
