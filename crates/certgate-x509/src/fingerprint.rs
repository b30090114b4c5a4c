//! Fingerprints and key identifiers.

use std::fmt;

use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::hex;

/// SHA-256 of a DER encoding: a certificate's fingerprint, or an SPKI pin (RFC 7469).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Fingerprint(pub [u8; 32]);

/// SHA-1 of a DER encoding (what older tools show; never used for trust).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha1Fingerprint(pub [u8; 20]);

impl Sha256Fingerprint {
    /// SHA-256 of `der`.
    pub fn of(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::lower(&self.0)
    }
}

impl Sha1Fingerprint {
    /// SHA-1 of `der`.
    pub fn of(der: &[u8]) -> Self {
        Self(Sha1::digest(der).into())
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::lower(&self.0)
    }
}

/// A key identifier (subjectKeyIdentifier or an authorityKeyIdentifier's keyIdentifier),
/// borrowed from DER.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId<'a>(pub &'a [u8]);

impl KeyId<'_> {
    /// The identifier's octets.
    pub fn as_bytes(&self) -> &[u8] {
        self.0
    }

    /// Upper-case hex with colons (`0A:1B:...`), as cfssl and OpenSSL print it.
    pub fn to_colon_hex(&self) -> String {
        hex::colon_upper(self.0)
    }

    /// RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits.
    pub fn sha1_of_key(public_key_bits: &[u8]) -> [u8; 20] {
        Sha1::digest(public_key_bits).into()
    }
}

macro_rules! hex_fmt {
    ($t:ty) => {
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::lower(&self.0))
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::lower(&self.0))
            }
        }
    };
}
hex_fmt!(Sha256Fingerprint);
hex_fmt!(Sha1Fingerprint);
hex_fmt!(KeyId<'_>);
