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
            origin: None,
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

use std::fmt;
use std::path::Path;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::rsa::{self, KeySize};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    KeyPair as _,
};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{ID_EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP_256_R_1, SECP_384_R_1};
use der::{Decode, Encode};
use zeroize::Zeroizing;

use crate::password::Password;
use crate::{KeyProblem, SignerError, pem};

/// OID of Ed25519 keys (RFC 8410).
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// PBKDF2-HMAC-SHA256 iterations for keys we encrypt: OWASP's 2023 figure for that PRF.
pub const PKCS8_PBKDF2_ITERATIONS: u32 = 600_000;

/// A private key held in memory by aws-lc-rs, which does every operation on it.
pub struct PrivateKey {
    inner: KeyInner,
}

enum KeyInner {
    Rsa(rsa::KeyPair),
    Ecdsa(EcdsaKeyPair, KeySpec),
    Ed25519(Ed25519KeyPair),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("spec", &self.spec())
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generates a new key.
    ///
    /// # Errors
    /// [`CaError::UnsupportedKey`] for an RSA size other than 2048, 3072 or 4096.
    pub fn generate(spec: KeySpec) -> Result<Self, CaError> {
        let failed = |e: aws_lc_rs::error::Unspecified| CaError::KeyGeneration {
            key: spec,
            source: Box::new(e),
        };
        let inner = match spec {
            KeySpec::Rsa(bits) => {
                let size = match bits {
                    2048 => KeySize::Rsa2048,
                    3072 => KeySize::Rsa3072,
                    4096 => KeySize::Rsa4096,
                    _ => {
                        return Err(CaError::UnsupportedKey {
                            origin: None,
                            algo: "rsa".into(),
                            size: bits,
                        });
                    }
                };
                KeyInner::Rsa(rsa::KeyPair::generate(size).map_err(failed)?)
            }
            KeySpec::EcdsaP256 | KeySpec::EcdsaP384 => {
                let alg = ecdsa_alg(spec);
                KeyInner::Ecdsa(EcdsaKeyPair::generate(alg).map_err(failed)?, spec)
            }
            KeySpec::Ed25519 => KeyInner::Ed25519(Ed25519KeyPair::generate().map_err(failed)?),
        };
        Ok(Self { inner })
    }

    /// Reads a key from PEM: `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1, as cfssl
    /// writes RSA keys), `EC PRIVATE KEY` (SEC1, as cfssl writes ECDSA keys) or
    /// `ENCRYPTED PRIVATE KEY` (PKCS#8 with PBES2, which needs `password`).
    ///
    /// # Errors
    /// [`CaError::Pem`] when there is no key block, [`CaError::Key`] when the key cannot
    /// be used, [`CaError::WrongPassword`] when the password does not decrypt it.
    pub fn from_pem(
        pem: &[u8],
        origin: &str,
        password: Option<&Password>,
    ) -> Result<Self, CaError> {
        let block = pem::find_block(
            pem,
            origin,
            &[
                "PRIVATE KEY",
                "RSA PRIVATE KEY",
                "EC PRIVATE KEY",
                "ENCRYPTED PRIVATE KEY",
            ],
        )?;
        let der = Zeroizing::new(block.der);
        match block.label.as_str() {
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&der, origin),
            "EC PRIVATE KEY" => Self::from_sec1_der(&der, origin),
            "ENCRYPTED PRIVATE KEY" => {
                let password =
                    password.ok_or_else(|| key_error(origin, KeyProblem::NoPassword, None))?;
                Self::from_encrypted_pkcs8_der(&der, origin, password)
            }
            _ => Self::from_pkcs8_der(&der, origin),
        }
    }

    /// Reads a key from a PEM file (see [`PrivateKey::from_pem`]).
    ///
    /// # Errors
    /// [`CaError::Io`] when the file cannot be read, else as [`PrivateKey::from_pem`].
    pub fn from_pem_file(
        path: impl AsRef<Path>,
        password: Option<&Password>,
    ) -> Result<Self, CaError> {
        let path = path.as_ref();
        let bytes = Zeroizing::new(CaError::read_file(path)?);
        Self::from_pem(&bytes, &path.display().to_string(), password)
    }

    /// Reads an unencrypted PKCS#8 `PrivateKeyInfo` (RSA, P-256, P-384 or Ed25519).
    ///
    /// # Errors
    /// [`CaError::Key`] when it is malformed or of an unsupported algorithm.
    pub fn from_pkcs8_der(der: &[u8], origin: &str) -> Result<Self, CaError> {
        let bad = |problem: KeyProblem| key_error(origin, problem, None);
        let info = pkcs8::PrivateKeyInfoRef::from_der(der)
            .map_err(|e| key_error(origin, KeyProblem::MalformedPkcs8, Some(Box::new(e))))?;
        let rejected = |e: aws_lc_rs::error::KeyRejected| {
            key_error(origin, KeyProblem::Rejected, Some(Box::new(e)))
        };
        let oid = info.algorithm.oid;
        let inner = if oid == RSA_ENCRYPTION {
            let rsa_key = info.private_key.as_bytes();
            KeyInner::Rsa(
                rsa::KeyPair::from_pkcs8(der).map_err(|e| rsa_rejected(e, rsa_key, origin))?,
            )
        } else if oid == ID_EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            let spec = match curve {
                Some(c) if c == SECP_256_R_1 => KeySpec::EcdsaP256,
                Some(c) if c == SECP_384_R_1 => KeySpec::EcdsaP384,
                _ => {
                    return Err(bad(KeyProblem::UnsupportedCurve));
                }
            };
            KeyInner::Ecdsa(
                EcdsaKeyPair::from_pkcs8(ecdsa_alg(spec), der).map_err(rejected)?,
                spec,
            )
        } else if oid == ID_ED25519 {
            KeyInner::Ed25519(Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(rejected)?)
        } else {
            return Err(bad(KeyProblem::UnsupportedAlgorithm {
                oid: oid.to_string(),
            }));
        };
        let key = Self { inner };
        key.check_size(origin)?;
        Ok(key)
    }

    /// Reads a PKCS#1 `RSAPrivateKey`.
    ///
    /// # Errors
    /// [`CaError::Key`] when it is malformed or too small.
    pub fn from_pkcs1_der(der: &[u8], origin: &str) -> Result<Self, CaError> {
        let pair = rsa::KeyPair::from_der(der).map_err(|e| match rsa_modulus_bits(der) {
            Some(bits) if bits < MIN_RSA_BITS => too_small(bits, origin),
            _ => key_error(origin, KeyProblem::MalformedPkcs1, Some(Box::new(e))),
        })?;
        let key = Self {
            inner: KeyInner::Rsa(pair),
        };
        key.check_size(origin)?;
        Ok(key)
    }

    /// Reads a SEC1 `ECPrivateKey` on P-256 or P-384.
    ///
    /// # Errors
    /// [`CaError::Key`] when it is malformed or on another curve.
    pub fn from_sec1_der(der: &[u8], origin: &str) -> Result<Self, CaError> {
        for spec in [KeySpec::EcdsaP256, KeySpec::EcdsaP384] {
            if let Ok(pair) = EcdsaKeyPair::from_private_key_der(ecdsa_alg(spec), der) {
                return Ok(Self {
                    inner: KeyInner::Ecdsa(pair, spec),
                });
            }
        }
        Err(key_error(origin, KeyProblem::MalformedSec1, None))
    }

    /// Reads a PBES2-encrypted PKCS#8 `EncryptedPrivateKeyInfo`.
    ///
    /// Its key derivation (PBKDF2 iterations; scrypt's N, r, p and memory) is checked
    /// against certgate-pkcs12's limits ([`certgate_pkcs12::check_key_derivation`])
    /// before any of it runs: a hostile CA key file cannot take minutes or gigabytes.
    ///
    /// # Errors
    /// [`CaError::WrongPassword`] when the password does not decrypt it (or the
    /// decrypted bytes are not a key), [`CaError::Key`] when it is malformed or its key
    /// derivation is over the limits or unsupported.
    pub fn from_encrypted_pkcs8_der(
        der: &[u8],
        origin: &str,
        password: &Password,
    ) -> Result<Self, CaError> {
        let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(der).map_err(|e| {
            key_error(
                origin,
                KeyProblem::MalformedEncryptedPkcs8,
                Some(Box::new(e)),
            )
        })?;
        let algorithm = info.encryption_algorithm.to_der().map_err(|e| {
            key_error(
                origin,
                KeyProblem::MalformedEncryptedPkcs8,
                Some(Box::new(e)),
            )
        })?;
        certgate_pkcs12::check_key_derivation(&algorithm)
            .map_err(|e| key_error(origin, KeyProblem::KeyDerivationRefused, Some(Box::new(e))))?;
        let plain = info
            .encryption_algorithm
            .decrypt(password.as_bytes(), info.encrypted_data.as_bytes())
            .map(Zeroizing::new)
            .map_err(|_| CaError::WrongPassword {
                origin: origin.to_owned(),
            })?;
        Self::from_pkcs8_der(&plain, origin).map_err(|_| CaError::WrongPassword {
            origin: origin.to_owned(),
        })
    }

    fn check_size(&self, origin: &str) -> Result<(), CaError> {
        if let KeyInner::Rsa(pair) = &self.inner
            && pair.public_modulus_len() * 8 < MIN_RSA_BITS
        {
            return Err(too_small(pair.public_modulus_len() * 8, origin));
        }
        Ok(())
    }

    /// The key's algorithm and size.
    pub fn spec(&self) -> KeySpec {
        match &self.inner {
            KeyInner::Rsa(pair) => {
                KeySpec::Rsa(u32::try_from(pair.public_modulus_len() * 8).unwrap_or(u32::MAX))
            }
            KeyInner::Ecdsa(_, spec) => *spec,
            KeyInner::Ed25519(_) => KeySpec::Ed25519,
        }
    }

    /// The public key as a DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> Vec<u8> {
        let der = match &self.inner {
            KeyInner::Rsa(pair) => pair.public_key().as_der().map(|d| d.as_ref().to_vec()),
            KeyInner::Ecdsa(pair, _) => pair.public_key().as_der().map(|d| d.as_ref().to_vec()),
            KeyInner::Ed25519(pair) => pair.public_key().as_der().map(|d| d.as_ref().to_vec()),
        };
        // Serialising a public key that aws-lc-rs holds does not fail.
        der.unwrap_or_default()
    }

    /// The key as an unencrypted PKCS#8 `PrivateKeyInfo` (wiped when dropped).
    ///
    /// # Errors
    /// [`CaError::Encoding`] if aws-lc-rs cannot serialise the key.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, CaError> {
        let der = match &self.inner {
            KeyInner::Rsa(pair) => {
                AsDer::<Pkcs8V1Der<'_>>::as_der(pair).map(|d| d.as_ref().to_vec())
            }
            KeyInner::Ecdsa(pair, _) => pair.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
            KeyInner::Ed25519(pair) => pair.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
        };
        der.map(Zeroizing::new).map_err(|_| {
            CaError::encoding("PKCS#8 private key", "aws-lc-rs refused to serialise it")
        })
    }

    /// The key as PEM `PRIVATE KEY` (PKCS#8), the form certgate writes by default.
    ///
    /// # Errors
    /// As [`PrivateKey::to_pkcs8_der`].
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CaError> {
        Ok(Zeroizing::new(pem::encode(
            "PRIVATE KEY",
            &self.to_pkcs8_der()?,
        )))
    }

    /// The key as PEM `ENCRYPTED PRIVATE KEY`: PBES2 with PBKDF2-HMAC-SHA256
    /// ([`PKCS8_PBKDF2_ITERATIONS`] iterations, 16-byte random salt) and AES-256-CBC,
    /// which OpenSSL 3 reads and writes by default.
    ///
    /// # Errors
    /// [`CaError::Encoding`] if encryption or encoding fails.
    pub fn to_encrypted_pkcs8_pem(&self, password: &Password) -> Result<String, CaError> {
        self.to_encrypted_pkcs8_pem_with_iterations(password, PKCS8_PBKDF2_ITERATIONS)
    }

    pub(crate) fn to_encrypted_pkcs8_pem_with_iterations(
        &self,
        password: &Password,
        iterations: u32,
    ) -> Result<String, CaError> {
        let enc =
            |e: &dyn fmt::Display| CaError::encoding("encrypted PKCS#8 private key", e.to_string());
        let rng = SystemRandom::new();
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        rng.fill(&mut salt).map_err(|e| enc(&e))?;
        rng.fill(&mut iv).map_err(|e| enc(&e))?;
        let params =
            pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(iterations, &salt, iv)
                .map_err(|e| enc(&e))?;
        let scheme = pkcs5::EncryptionScheme::from(params);
        let plain = self.to_pkcs8_der()?;
        let encrypted = scheme
            .encrypt(password.as_bytes(), &plain)
            .map_err(|e| enc(&e))?;
        let info = pkcs8::EncryptedPrivateKeyInfoRef {
            encryption_algorithm: scheme,
            encrypted_data: der::asn1::OctetStringRef::new(&encrypted).map_err(|e| enc(&e))?,
        };
        let der = info.to_der().map_err(|e| enc(&e))?;
        Ok(pem::encode("ENCRYPTED PRIVATE KEY", &der))
    }

    /// Signs `message` with the given algorithm, which must fit the key.
    pub(crate) fn sign(
        &self,
        algorithm: crate::SignatureAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, SignerError> {
        use crate::SignatureAlgorithm as Alg;
        let failed = SignerError::new;
        let rng = SystemRandom::new();
        match (&self.inner, algorithm) {
            (
                KeyInner::Rsa(pair),
                Alg::RsaPkcs1Sha256 | Alg::RsaPkcs1Sha384 | Alg::RsaPkcs1Sha512,
            ) => {
                let padding: &'static dyn aws_lc_rs::signature::RsaEncoding = match algorithm {
                    Alg::RsaPkcs1Sha384 => &aws_lc_rs::signature::RSA_PKCS1_SHA384,
                    Alg::RsaPkcs1Sha512 => &aws_lc_rs::signature::RSA_PKCS1_SHA512,
                    _ => &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                };
                let mut sig = vec![0u8; pair.public_modulus_len()];
                pair.sign(padding, &rng, message, &mut sig)
                    .map_err(failed)?;
                Ok(sig)
            }
            (KeyInner::Ecdsa(pair, KeySpec::EcdsaP256), Alg::EcdsaP256Sha256)
            | (KeyInner::Ecdsa(pair, KeySpec::EcdsaP384), Alg::EcdsaP384Sha384) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(failed),
            (KeyInner::Ed25519(pair), Alg::Ed25519) => Ok(pair.sign(message).as_ref().to_vec()),
            _ => Err(SignerError::new(CaError::WrongAlgorithm {
                key: self.spec(),
                algorithm,
            })),
        }
    }
}

fn key_error(origin: &str, problem: KeyProblem, source: Option<crate::error::BoxError>) -> CaError {
    CaError::Key {
        origin: origin.to_owned(),
        problem,
        source,
    }
}

/// The smallest RSA modulus used or accepted, in bits: NIST has disallowed smaller
/// RSA keys for signatures since 2013 (SP 800-131A), and aws-lc refuses them.
const MIN_RSA_BITS: usize = 2048;

/// The error for an RSA key below [`MIN_RSA_BITS`], instead of aws-lc's `TooSmall`.
fn too_small(bits: usize, origin: &str) -> CaError {
    key_error(origin, KeyProblem::TooSmall { bits }, None)
}

/// An RSA key aws-lc refused: too small, with its size, else aws-lc's reason.
fn rsa_rejected(err: aws_lc_rs::error::KeyRejected, rsa_key: &[u8], origin: &str) -> CaError {
    match rsa_modulus_bits(rsa_key) {
        Some(bits) if bits < MIN_RSA_BITS => too_small(bits, origin),
        _ => key_error(origin, KeyProblem::Rejected, Some(Box::new(err))),
    }
}

/// The size of the modulus of a PKCS#1 `RSAPrivateKey`, in bits.
fn rsa_modulus_bits(rsa_private_key: &[u8]) -> Option<usize> {
    use der::Reader as _;
    let key = der::asn1::AnyRef::from_der(rsa_private_key).ok()?;
    let mut fields = der::SliceReader::new(key.value()).ok()?;
    let _version: der::asn1::UintRef<'_> = fields.decode().ok()?;
    let modulus: der::asn1::UintRef<'_> = fields.decode().ok()?;
    let top = modulus.as_bytes().first()?;
    Some(modulus.as_bytes().len() * 8 - usize::try_from(top.leading_zeros()).ok()?)
}

fn ecdsa_alg(spec: KeySpec) -> &'static aws_lc_rs::signature::EcdsaSigningAlgorithm {
    if spec == KeySpec::EcdsaP384 {
        &ECDSA_P384_SHA384_ASN1_SIGNING
    } else {
        &ECDSA_P256_SHA256_ASN1_SIGNING
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_round_trip_for_every_fast_key_type() {
        for spec in [
            KeySpec::EcdsaP256,
            KeySpec::EcdsaP384,
            KeySpec::Ed25519,
            KeySpec::Rsa(2048),
        ] {
            let key = PrivateKey::generate(spec).unwrap();
            let pem = key.to_pkcs8_pem().unwrap();
            let back = PrivateKey::from_pem(pem.as_bytes(), "k", None).unwrap();
            assert_eq!(back.spec(), spec);
            assert_eq!(back.public_key_der(), key.public_key_der());
        }
    }

    #[test]
    fn encrypted_pkcs8_needs_the_right_password() {
        let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let pw = Password::new("correct horse");
        let pem = key
            .to_encrypted_pkcs8_pem_with_iterations(&pw, 1000)
            .unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let back = PrivateKey::from_pem(pem.as_bytes(), "ca-key.pem", Some(&pw)).unwrap();
        assert_eq!(back.public_key_der(), key.public_key_der());
        let err = PrivateKey::from_pem(pem.as_bytes(), "ca-key.pem", Some(&Password::new("nope")))
            .unwrap_err();
        assert!(matches!(err, CaError::WrongPassword { .. }), "{err}");
        let err = PrivateKey::from_pem(pem.as_bytes(), "ca-key.pem", None).unwrap_err();
        assert!(err.to_string().contains("no password"), "{err}");
    }

    #[test]
    fn unsupported_sizes_and_garbage_are_typed_errors() {
        assert!(matches!(
            PrivateKey::generate(KeySpec::Rsa(1024)),
            Err(CaError::UnsupportedKey { size: 1024, .. })
        ));
        let err = PrivateKey::from_pkcs8_der(b"\x30\x03\x02\x01\x00", "k.der").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("k.der: private key: malformed PKCS#8"),
            "{err}"
        );
    }

    /// An encrypted PKCS#8 key under PBES2 with `kdf` and AES-256-CBC, its ciphertext junk.
    fn encrypted_with(kdf: pkcs5::pbes2::Kdf) -> Vec<u8> {
        let scheme = pkcs5::EncryptionScheme::from(pkcs5::pbes2::Parameters {
            kdf,
            encryption: pkcs5::pbes2::EncryptionScheme::Aes256Cbc { iv: [1; 16] },
        });
        pkcs8::EncryptedPrivateKeyInfoRef {
            encryption_algorithm: scheme,
            encrypted_data: der::asn1::OctetStringRef::new(&[0; 48]).unwrap(),
        }
        .to_der()
        .unwrap()
    }

    fn scrypt(n: u64, r: u16, p: u16) -> pkcs5::pbes2::Kdf {
        pkcs5::pbes2::Kdf::Scrypt(pkcs5::pbes2::ScryptParams {
            salt: pkcs5::pbes2::Salt::new([2; 16]).unwrap(),
            cost_parameter: n,
            block_size: r,
            parallelization: p,
            key_length: None,
        })
    }

    #[test]
    fn hostile_key_derivations_are_refused_before_decrypting() {
        let pbkdf2 = |iteration_count| {
            pkcs5::pbes2::Kdf::Pbkdf2(pkcs5::pbes2::Pbkdf2Params {
                salt: pkcs5::pbes2::Salt::new([3; 16]).unwrap(),
                iteration_count,
                key_length: None,
                prf: pkcs5::pbes2::Pbkdf2Prf::HmacWithSha256,
            })
        };
        for (kdf, says) in [
            (scrypt(0, 8, 1), "N must be a power of two"), // panicked in pkcs5
            (scrypt(1 << 30, 8, 1), "scrypt memory"),      // aborted allocating 1 TiB
            (scrypt(1 << 22, 8, 1), "scrypt memory"),      // 4 GiB and 13 s
            (scrypt(1 << 14, 8, 65_535), "scrypt parallelization"), // half an hour
            (pbkdf2(1 << 31), "iteration count"),          // minutes
        ] {
            let der = encrypted_with(kdf);
            let err =
                PrivateKey::from_encrypted_pkcs8_der(&der, "ca-key.pem", &Password::new("pw"))
                    .unwrap_err();
            let text = err.to_string();
            assert!(
                matches!(err, CaError::Key { .. }) && text.contains(says),
                "{says}: {text}"
            );
            assert!(
                text.starts_with("ca-key.pem: private key: encrypted PKCS#8 refused"),
                "{text}"
            );
        }
    }

    #[test]
    fn openssl_scrypt_and_pbkdf2_keys_are_read() {
        if !certgate_test_support::require_tool("openssl") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        std::fs::write(
            dir.path().join("k.pem"),
            key.to_pkcs8_pem().unwrap().as_bytes(),
        )
        .unwrap();
        for (out, flags) in [
            ("scrypt.pem", &["-scrypt"][..]),
            ("pbkdf2.pem", &["-v2", "aes-256-cbc"]),
        ] {
            let mut args = vec![
                "pkcs8", "-topk8", "-in", "k.pem", "-out", out, "-passout", "pass:pw",
            ];
            args.extend(flags);
            certgate_test_support::run_ok("openssl", &args, dir.path());
            let back = PrivateKey::from_pem_file(dir.path().join(out), Some(&Password::new("pw")))
                .unwrap();
            assert_eq!(back.public_key_der(), key.public_key_der(), "{out}");
        }
    }

    #[test]
    fn rsa_1024_is_refused_with_a_sentence_that_says_why() {
        if !certgate_test_support::require_tool("openssl") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| certgate_test_support::run_ok("openssl", args, dir.path());
        run(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
            "-out",
            "k.pem",
        ]);
        run(&["pkey", "-in", "k.pem", "-traditional", "-out", "pkcs1.pem"]);
        for file in ["k.pem", "pkcs1.pem"] {
            let err = PrivateKey::from_pem_file(dir.path().join(file), None).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("RSA-1024 is below 2048 bits") && !text.contains("TooSmall"),
                "{file}: {text}"
            );
        }
    }
}
