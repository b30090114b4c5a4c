//! Private keys: generation, PEM/DER reading (PKCS#8, PKCS#1, SEC1, encrypted PKCS#8) and writing.

use crate::CaError;

/// The algorithm and size of a key to generate.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeySpec {
    /// RSA with a modulus of 2048, 3072 or 4096 bits.
    Rsa(u32),
    /// ECDSA on NIST P-256 (cfssl's default key).
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
}

impl KeySpec {
    /// Maps cfssl's `{"algo": .., "size": ..}` to a key spec.
    ///
    /// `algo` is `rsa`, `ecdsa` or `ed25519` (case-insensitive); a `size` of 0
    /// takes the algorithm's default as cfssl does (RSA 2048, ECDSA 256).
    ///
    /// # Errors
    /// [`CaError::UnsupportedKey`] for any other algorithm or size.
    pub fn from_cfssl(algo: &str, size: u32) -> Result<Self, CaError> {
        let unsupported = || CaError::UnsupportedKey {
            algo: algo.to_owned(),
            size,
        };
        match (algo.to_ascii_lowercase().as_str(), size) {
            ("rsa", 0) => Ok(Self::Rsa(2048)),
            ("rsa", 2048 | 3072 | 4096) => Ok(Self::Rsa(size)),
            ("ecdsa", 0 | 256) => Ok(Self::EcdsaP256),
            ("ecdsa", 384) => Ok(Self::EcdsaP384),
            ("ed25519", 0 | 256) => Ok(Self::Ed25519),
            _ => Err(unsupported()),
        }
    }

    /// cfssl's name of the algorithm: `rsa`, `ecdsa` or `ed25519`.
    pub fn algo(self) -> &'static str {
        match self {
            Self::Rsa(_) => "rsa",
            Self::EcdsaP256 | Self::EcdsaP384 => "ecdsa",
            Self::Ed25519 => "ed25519",
        }
    }

    /// cfssl's size of the key: RSA modulus bits, curve bits, 256 for Ed25519.
    pub fn size(self) -> u32 {
        match self {
            Self::Rsa(bits) => bits,
            Self::EcdsaP256 | Self::Ed25519 => 256,
            Self::EcdsaP384 => 384,
        }
    }
}

impl Default for KeySpec {
    /// cfssl's default: ECDSA P-256.
    fn default() -> Self {
        Self::EcdsaP256
    }
}
