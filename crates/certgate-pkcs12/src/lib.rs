//! placeholder
#![forbid(unsafe_code)]

mod bundle;
mod crypto;
mod error;
mod export;
mod import;
mod limits;
mod oids;

pub use bundle::{BundleCertificate, BundleInfo, BundleKey, Pkcs12Bundle};
pub use error::Pkcs12Error;
pub use export::{Pkcs12Builder, Pkcs12Profile};
pub use limits::{DEFAULT_ITERATIONS, MAX_BAGS, MAX_BUNDLE_SIZE, MAX_ITERATIONS};
