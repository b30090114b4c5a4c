//! placeholder: crate docs are written at the end
#![forbid(unsafe_code)]

pub mod cfssl;
mod error;
mod key;

pub use error::CaError;
pub use key::KeySpec;
