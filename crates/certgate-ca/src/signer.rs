//! Signing through a trait, so that a key held elsewhere (an HSM, a cloud KMS) can sign.

use std::fmt;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, SHA_256_WITH_RSA_ENCRYPTION,
    SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
};
use der::asn1::Null;
use spki::AlgorithmIdentifierOwned;

use crate::{CaError, KeySpec, PrivateKey};

/// A signature algorithm a CA can sign with.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// `sha256WithRSAEncryption`.
    RsaPkcs1Sha256,
    /// `sha384WithRSAEncryption`.
    RsaPkcs1Sha384,
    /// `sha512WithRSAEncryption`.
    RsaPkcs1Sha512,
    /// `ecdsa-with-SHA256` with a P-256 key.
    EcdsaP256Sha256,
    /// `ecdsa-with-SHA384` with a P-384 key.
    EcdsaP384Sha384,
    /// `Ed25519` (RFC 8410).
    Ed25519,
}

/// The hash of a signature, for overriding cfssl's choice on RSA keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureHash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl SignatureAlgorithm {
    /// cfssl's choice for a CA key: RSA of 4096 bits or more signs with SHA-512, of
    /// 3072 or more with SHA-384, else SHA-256; ECDSA with the curve's hash.
    pub fn default_for(spec: KeySpec) -> Self {
        match spec {
            KeySpec::Rsa(bits) if bits >= 4096 => Self::RsaPkcs1Sha512,
            KeySpec::Rsa(bits) if bits >= 3072 => Self::RsaPkcs1Sha384,
            KeySpec::Rsa(_) => Self::RsaPkcs1Sha256,
            KeySpec::EcdsaP256 => Self::EcdsaP256Sha256,
            KeySpec::EcdsaP384 => Self::EcdsaP384Sha384,
            KeySpec::Ed25519 => Self::Ed25519,
        }
    }

    /// The algorithm for a key with an explicit hash.
    ///
    /// # Errors
    /// [`CaError::UnsupportedHash`] when the key cannot sign with that hash: Ed25519 has a fixed
    /// hash, and ECDSA keys sign with their curve's hash only (P-256 with SHA-256,
    /// P-384 with SHA-384).
    pub fn with_hash(spec: KeySpec, hash: SignatureHash) -> Result<Self, CaError> {
        let alg = match (spec, hash) {
            (KeySpec::Rsa(_), SignatureHash::Sha256) => Self::RsaPkcs1Sha256,
            (KeySpec::Rsa(_), SignatureHash::Sha384) => Self::RsaPkcs1Sha384,
            (KeySpec::Rsa(_), SignatureHash::Sha512) => Self::RsaPkcs1Sha512,
            (KeySpec::EcdsaP256, SignatureHash::Sha256) => Self::EcdsaP256Sha256,
            (KeySpec::EcdsaP384, SignatureHash::Sha384) => Self::EcdsaP384Sha384,
            _ => return Err(CaError::UnsupportedHash { key: spec, hash }),
        };
        Ok(alg)
    }

    /// The algorithm's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::RsaPkcs1Sha256 => SHA_256_WITH_RSA_ENCRYPTION,
            Self::RsaPkcs1Sha384 => SHA_384_WITH_RSA_ENCRYPTION,
            Self::RsaPkcs1Sha512 => SHA_512_WITH_RSA_ENCRYPTION,
            Self::EcdsaP256Sha256 => ECDSA_WITH_SHA_256,
            Self::EcdsaP384Sha384 => ECDSA_WITH_SHA_384,
            Self::Ed25519 => ObjectIdentifier::new_unwrap("1.3.101.112"),
        }
    }

    /// The `AlgorithmIdentifier`: RSA carries NULL parameters, the others none (RFC 4055, 5758, 8410).
    pub(crate) fn identifier(self) -> AlgorithmIdentifierOwned {
        let parameters = match self {
            Self::RsaPkcs1Sha256 | Self::RsaPkcs1Sha384 | Self::RsaPkcs1Sha512 => Some(Null.into()),
            _ => None,
        };
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters,
        }
    }
}

impl fmt::Display for SignatureHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        })
    }
}

/// The hashes a key of `spec` can sign with, in words.
pub(crate) fn usable_hashes(spec: KeySpec) -> &'static str {
    match spec {
        KeySpec::Rsa(_) => "SHA-256, SHA-384 or SHA-512",
        KeySpec::EcdsaP256 => "SHA-256 only",
        KeySpec::EcdsaP384 => "SHA-384 only",
        KeySpec::Ed25519 => "its own fixed hash only",
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RsaPkcs1Sha256 => "SHA256WithRSA",
            Self::RsaPkcs1Sha384 => "SHA384WithRSA",
            Self::RsaPkcs1Sha512 => "SHA512WithRSA",
            Self::EcdsaP256Sha256 => "ECDSAWithSHA256",
            Self::EcdsaP384Sha384 => "ECDSAWithSHA384",
            Self::Ed25519 => "Ed25519",
        })
    }
}

/// Something that signs for a CA: a key in memory ([`KeySigner`]), or one held in an
/// HSM or a cloud KMS behind an implementation of this trait.
pub trait CaSigner: fmt::Debug + Send + Sync {
    /// The signer's public key as a DER `SubjectPublicKeyInfo`.
    fn public_key_der(&self) -> Vec<u8>;

    /// The algorithm [`CaSigner::sign`] uses.
    fn algorithm(&self) -> SignatureAlgorithm;

    /// Signs `message` (the DER of a to-be-signed structure) and returns the signature
    /// in the form X.509 carries it (PKCS#1 v1.5 bytes, a DER ECDSA-Sig-Value, or the
    /// 64 Ed25519 bytes).
    ///
    /// # Errors
    /// A [`SignerError`] carrying the signer's own cause (the HSM's or the KMS's error);
    /// issuing turns it into [`CaError::Signing`], whose source it stays.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError>;
}

/// Why a [`CaSigner`] could not sign: the signer's own error, boxed, so that an HSM or a
/// KMS implementation can report its cause without certgate knowing its type.
///
/// The cause is this error's [`source`](std::error::Error::source), and it stays in the
/// chain of the [`CaError::Signing`] a caller gets:
///
/// ```
/// # use certgate_ca::{CaError, SignerError};
/// # use std::error::Error;
/// let hsm = std::io::Error::new(std::io::ErrorKind::TimedOut, "HSM did not answer");
/// let err = CaError::from(SignerError::new(hsm));
/// let cause = err.source().and_then(|s| s.source()).unwrap();
/// assert!(cause.downcast_ref::<std::io::Error>().is_some());
/// ```
#[derive(Debug)]
pub struct SignerError {
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl SignerError {
    /// Wraps the signer's own error (any error type, or a message).
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self {
            source: source.into(),
        }
    }

    /// Gives the signer's error back.
    pub fn into_source(self) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self.source
    }
}

impl fmt::Display for SignerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The cause's own words: `CaError::Signing` says that signing failed.
        fmt::Display::fmt(&self.source, f)
    }
}

impl std::error::Error for SignerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

/// A [`CaSigner`] over a [`PrivateKey`] in memory.
#[derive(Debug)]
pub struct KeySigner {
    key: PrivateKey,
    algorithm: SignatureAlgorithm,
    public_key: Vec<u8>,
}

impl KeySigner {
    /// Signs with the key and cfssl's choice of hash for it.
    pub fn new(key: PrivateKey) -> Self {
        let algorithm = SignatureAlgorithm::default_for(key.spec());
        let public_key = key.public_key_der();
        Self {
            key,
            algorithm,
            public_key,
        }
    }

    /// Signs with the key and the given hash.
    ///
    /// # Errors
    /// As [`SignatureAlgorithm::with_hash`].
    pub fn with_hash(key: PrivateKey, hash: SignatureHash) -> Result<Self, CaError> {
        let algorithm = SignatureAlgorithm::with_hash(key.spec(), hash)?;
        let public_key = key.public_key_der();
        Ok(Self {
            key,
            algorithm,
            public_key,
        })
    }

    /// The key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// Gives the key back.
    pub fn into_key(self) -> PrivateKey {
        self.key
    }
}

impl CaSigner for KeySigner {
    fn public_key_der(&self) -> Vec<u8> {
        self.public_key.clone()
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.key.sign(self.algorithm, message)
    }
}
