//! The algorithms inside a bundle: password-based encryption (PBES2 and the PKCS#12
//! PBEs), the PKCS#12 key derivation, and the MAC.
//!
//! Two password encodings meet here (RFC 7292 Appendix B.1): PBES2 takes the password's
//! UTF-8 bytes; the PKCS#12 KDF (legacy PBEs and the MAC) takes it as a BMPString with a
//! two-byte zero terminator. An empty password has two conventions in the wild — the
//! terminator alone, or no bytes at all — so import tries both.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit, KeyIvInit};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode};
use digest::{Digest, FixedOutputReset, Mac, block_api::BlockSizeUser};
use pkcs12::kdf::{Pkcs12KeyType, derive_key};
use pkcs12::pbe_params::Pkcs12PbeParams;
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef};
use zeroize::Zeroizing;

use crate::Pkcs12Error;
use crate::error::MalformedProblem;
use crate::kdf::{KdfBudget, pbes2_work, pkcs12_kdf_work};

/// OID of PBES2 (RFC 8018).
pub(crate) const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const BLAKE2B512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.1722.12.2.1.16");

/// The password as the PKCS#12 KDF wants it: a big-endian BMPString, zero-terminated.
/// `None` is the "no bytes at all" convention for an empty password.
pub(crate) fn bmp_password(password: &str, empty_as_nothing: bool) -> Zeroizing<Vec<u8>> {
    if password.is_empty() && empty_as_nothing {
        return Zeroizing::new(Vec::new());
    }
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    for unit in password.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// The legacy PKCS#12 PBEs (RFC 7292 Appendix C) we read; 3DES is also written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LegacyPbe {
    TripleDes,
    Rc2_128,
    Rc2_40,
}

impl LegacyPbe {
    fn from_oid(oid: ObjectIdentifier) -> Option<Self> {
        match oid {
            o if o == pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC => Some(Self::TripleDes),
            o if o == pkcs12::PKCS_12_PBE_WITH_SHAAND128_BIT_RC2_CBC => Some(Self::Rc2_128),
            o if o == pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC => Some(Self::Rc2_40),
            _ => None,
        }
    }

    fn key_len(self) -> usize {
        match self {
            Self::TripleDes => 24,
            Self::Rc2_128 => 16,
            Self::Rc2_40 => 5,
        }
    }

    /// SHA-1 blocks the PKCS#12 KDF derives for the key and the 8-byte IV.
    fn blocks(self) -> u64 {
        match self {
            Self::TripleDes => 3,
            Self::Rc2_128 | Self::Rc2_40 => 2,
        }
    }
}

/// The key-derivation work of one decryption under `alg` (one password convention),
/// checked against the per-derivation limits before any of it is done.
pub(crate) fn decryption_work(alg: &AlgorithmIdentifierOwned) -> Result<u64, Pkcs12Error> {
    if alg.oid == PBES2 {
        return pbes2_work(pbes2_parameters(&pbes2_scheme(alg)?)?);
    }
    let pbe = LegacyPbe::from_oid(alg.oid).ok_or_else(|| Pkcs12Error::UnsupportedAlgorithm {
        what: "encryption",
        oid: alg.oid.to_string(),
    })?;
    pkcs12_kdf_work(legacy_params(alg)?.iterations, pbe.blocks())
}

fn pbes2_parameters(
    scheme: &pkcs5::EncryptionScheme,
) -> Result<&pkcs5::pbes2::Parameters, Pkcs12Error> {
    scheme
        .pbes2()
        .ok_or_else(|| Pkcs12Error::UnsupportedAlgorithm {
            what: "encryption",
            oid: scheme.oid().to_string(),
        })
}

/// A short description of an encryption algorithm, for `-info`.
pub(crate) fn describe_encryption(alg: &AlgorithmIdentifierOwned) -> String {
    if alg.oid == PBES2 {
        let Ok(scheme) = pbes2_scheme(alg) else {
            return "PBES2".to_owned();
        };
        let Some(p) = scheme.pbes2() else {
            return "PBES2".to_owned();
        };
        let kdf = match &p.kdf {
            pkcs5::pbes2::Kdf::Pbkdf2(k) => {
                format!("PBKDF2 with {:?}, {} iterations", k.prf, k.iteration_count)
            }
            pkcs5::pbes2::Kdf::Scrypt(k) => format!(
                "scrypt with N={}, r={}, p={}",
                k.cost_parameter, k.block_size, k.parallelization
            ),
            _ => "an unknown KDF".to_owned(),
        };
        let cipher = format!("{:?}", p.encryption);
        let cipher = match cipher.split([' ', '{']).next().unwrap_or_default() {
            "Aes128Cbc" => "AES-128-CBC",
            "Aes192Cbc" => "AES-192-CBC",
            "Aes256Cbc" => "AES-256-CBC",
            "DesEde3Cbc" => "DES-EDE3-CBC",
            "DesCbc" => "DES-CBC",
            other => other,
        }
        .to_owned();
        return format!("PBES2, {kdf}, {cipher}");
    }
    let name = match LegacyPbe::from_oid(alg.oid) {
        Some(LegacyPbe::TripleDes) => "pbeWithSHA1And3-KeyTripleDES-CBC",
        Some(LegacyPbe::Rc2_128) => "pbeWithSHA1And128BitRC2-CBC",
        Some(LegacyPbe::Rc2_40) => "pbeWithSHA1And40BitRC2-CBC",
        None => return alg.oid.to_string(),
    };
    let iterations = legacy_params(alg).map(|p| p.iterations).unwrap_or(0);
    format!("{name}, {iterations} iterations")
}

fn legacy_params(alg: &AlgorithmIdentifierOwned) -> Result<Pkcs12PbeParams, Pkcs12Error> {
    alg.parameters
        .as_ref()
        .ok_or_else(|| {
            Pkcs12Error::malformed(
                "PBE parameters",
                MalformedProblem::MissingField {
                    field: "parameters",
                },
            )
        })?
        .decode_as()
        .map_err(|e| Pkcs12Error::not_der("PBE parameters", e))
}

/// Reads PBES2 parameters (RFC 8018 A.4).
fn pbes2_scheme(alg: &AlgorithmIdentifierOwned) -> Result<pkcs5::EncryptionScheme, Pkcs12Error> {
    let der = alg
        .to_der()
        .map_err(|e| Pkcs12Error::not_der("PBES2 parameters", e))?;
    let alg_ref = AlgorithmIdentifierRef::from_der(&der)
        .map_err(|e| Pkcs12Error::not_der("PBES2 parameters", e))?;
    pkcs5::EncryptionScheme::try_from(alg_ref).map_err(|e| Pkcs12Error::UnsupportedAlgorithm {
        what: "PBES2 scheme",
        oid: e.to_string(),
    })
}

/// Decrypts `data` encrypted under `alg` with `password`, once the key derivation has
/// passed its limits and been charged to `budget`.
///
/// A padding failure means a wrong password (there is no other way to tell).
pub(crate) fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    password: &str,
    data: &[u8],
    budget: &mut KdfBudget,
) -> Result<Zeroizing<Vec<u8>>, Pkcs12Error> {
    let work = decryption_work(alg)?;
    if alg.oid == PBES2 {
        budget.charge(work)?;
        return pbes2_scheme(alg)?
            .decrypt(password.as_bytes(), data)
            .map(Zeroizing::new)
            .map_err(pkcs5_error);
    }
    let pbe = LegacyPbe::from_oid(alg.oid).ok_or_else(|| Pkcs12Error::UnsupportedAlgorithm {
        what: "encryption",
        oid: alg.oid.to_string(),
    })?;
    let params = legacy_params(alg)?;
    let (rounds, salt) = (params.iterations, params.salt.as_bytes());
    // Both empty-password conventions: the first whose padding checks wins.
    for empty_as_nothing in [false, true] {
        if !password.is_empty() && empty_as_nothing {
            break;
        }
        budget.charge(work)?;
        let pw = bmp_password(password, empty_as_nothing);
        let key = Zeroizing::new(derive_key::<sha1::Sha1>(
            &pw,
            salt,
            Pkcs12KeyType::EncryptionKey,
            rounds,
            pbe.key_len(),
        ));
        let iv = derive_key::<sha1::Sha1>(&pw, salt, Pkcs12KeyType::Iv, rounds, 8);
        let result = match pbe {
            LegacyPbe::TripleDes => cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                .map_err(|e| Pkcs12Error::not_der("3DES key", e))?
                .decrypt_padded_vec::<Pkcs7>(data),
            LegacyPbe::Rc2_128 | LegacyPbe::Rc2_40 => {
                let cipher = rc2::Rc2::new_with_eff_key_len(&key, pbe.key_len() * 8);
                cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(cipher, &iv)
                    .map_err(|e| Pkcs12Error::not_der("RC2 IV", e))?
                    .decrypt_padded_vec::<Pkcs7>(data)
            }
        };
        if let Ok(plain) = result {
            return Ok(Zeroizing::new(plain));
        }
    }
    Err(Pkcs12Error::WrongPassword {
        checked_by: "decryption",
    })
}

/// What a PBES2 decryption's failure means: a padding (or GCM tag) failure is a wrong
/// password; parameters pkcs5 cannot use are malformed or unsupported.
fn pkcs5_error(err: pkcs5::Error) -> Pkcs12Error {
    match err {
        pkcs5::Error::AlgorithmParametersInvalid { oid } => Pkcs12Error::malformed(
            "PBES2 parameters",
            MalformedProblem::InvalidParameters {
                oid: oid.to_string(),
            },
        ),
        pkcs5::Error::UnsupportedAlgorithm { oid } => Pkcs12Error::UnsupportedAlgorithm {
            what: "PBES2",
            oid: oid.to_string(),
        },
        _ => Pkcs12Error::WrongPassword {
            checked_by: "decryption",
        },
    }
}

/// How export encrypts: PBES2/AES-256 or the legacy 3DES PBE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encryption {
    Pbes2Aes256,
    TripleDes,
}

/// Encrypts `data` for export, returning the algorithm identifier and the ciphertext.
pub(crate) fn encrypt(
    how: Encryption,
    password: &str,
    iterations: u32,
    data: &[u8],
) -> Result<(AlgorithmIdentifierOwned, Vec<u8>), Pkcs12Error> {
    let enc = |e: &dyn std::fmt::Display| Pkcs12Error::encoding("encrypted content", e.to_string());
    match how {
        Encryption::Pbes2Aes256 => {
            let salt = random::<16>()?;
            let iv = random::<16>()?;
            let params =
                pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(iterations, &salt, iv)
                    .map_err(|e| enc(&e))?;
            let scheme = pkcs5::EncryptionScheme::from(params);
            let ciphertext = scheme
                .encrypt(password.as_bytes(), data)
                .map_err(|e| enc(&e))?;
            let der = scheme.to_der().map_err(|e| enc(&e))?;
            let alg = AlgorithmIdentifierOwned::from_der(&der).map_err(|e| enc(&e))?;
            Ok((alg, ciphertext))
        }
        Encryption::TripleDes => {
            let salt = random::<8>()?;
            let rounds = i32::try_from(iterations).map_err(|e| enc(&e))?;
            let pw = bmp_password(password, false);
            let key = Zeroizing::new(derive_key::<sha1::Sha1>(
                &pw,
                &salt,
                Pkcs12KeyType::EncryptionKey,
                rounds,
                24,
            ));
            let iv = derive_key::<sha1::Sha1>(&pw, &salt, Pkcs12KeyType::Iv, rounds, 8);
            let ciphertext = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                .map_err(|e| enc(&e))?
                .encrypt_padded_vec::<Pkcs7>(data);
            let params = Pkcs12PbeParams {
                salt: OctetString::new(salt.to_vec()).map_err(|e| enc(&e))?,
                iterations: rounds,
            };
            let alg = AlgorithmIdentifierOwned {
                oid: pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC,
                parameters: Some(der::Any::encode_from(&params).map_err(|e| enc(&e))?),
            };
            Ok((alg, ciphertext))
        }
    }
}

/// Random bytes for salts and IVs, from the operating system.
///
/// Not aws-lc's DRBG: its first use in a process seeds a CPU-jitter entropy source,
/// about 20 ms, which would dominate a one-shot `certgate pkcs12 -export`.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], Pkcs12Error> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| Pkcs12Error::encoding("salt", e))?;
    Ok(out)
}

/// The MAC digests we know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MacDigest {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    Blake2b512,
}

impl MacDigest {
    pub(crate) fn from_oid(oid: ObjectIdentifier) -> Result<Self, Pkcs12Error> {
        Ok(match oid {
            o if o == SHA1 => Self::Sha1,
            o if o == SHA256 => Self::Sha256,
            o if o == SHA384 => Self::Sha384,
            o if o == SHA512 => Self::Sha512,
            o if o == BLAKE2B512 => Self::Blake2b512,
            o => {
                return Err(Pkcs12Error::UnsupportedAlgorithm {
                    what: "MAC",
                    oid: o.to_string(),
                });
            }
        })
    }

    pub(crate) fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => SHA1,
            Self::Sha256 => SHA256,
            Self::Sha384 => SHA384,
            Self::Sha512 => SHA512,
            Self::Blake2b512 => BLAKE2B512,
        }
    }

    /// The name OpenSSL prints.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
            Self::Blake2b512 => "blake2b512",
        }
    }

    /// HMAC over `data` with the key the PKCS#12 KDF derives from `password`.
    pub(crate) fn mac(
        self,
        password: &[u8],
        salt: &[u8],
        rounds: i32,
        data: &[u8],
    ) -> Result<Vec<u8>, Pkcs12Error> {
        match self {
            Self::Sha1 => hmac_with::<sha1::Sha1>(password, salt, rounds, data),
            Self::Sha256 => hmac_with::<sha2::Sha256>(password, salt, rounds, data),
            Self::Sha384 => hmac_with::<sha2::Sha384>(password, salt, rounds, data),
            Self::Sha512 => hmac_with::<sha2::Sha512>(password, salt, rounds, data),
            Self::Blake2b512 => {
                let key = Zeroizing::new(derive_key::<blake2::Blake2b512>(
                    password,
                    salt,
                    Pkcs12KeyType::Mac,
                    rounds,
                    64,
                ));
                let mut mac =
                    <hmac::SimpleHmac<blake2::Blake2b512> as KeyInit>::new_from_slice(&key)
                        .map_err(|e| Pkcs12Error::encoding("MAC key", e))?;
                mac.update(data);
                Ok(mac.finalize().into_bytes().to_vec())
            }
        }
    }
}

fn hmac_with<D>(
    password: &[u8],
    salt: &[u8],
    rounds: i32,
    data: &[u8],
) -> Result<Vec<u8>, Pkcs12Error>
where
    D: Digest + FixedOutputReset + BlockSizeUser + Clone + hmac::EagerHash,
{
    let key = Zeroizing::new(derive_key::<D>(
        password,
        salt,
        Pkcs12KeyType::Mac,
        rounds,
        <D as Digest>::output_size(),
    ));
    let mut mac = <hmac::Hmac<D> as KeyInit>::new_from_slice(&key)
        .map_err(|e| Pkcs12Error::encoding("MAC key", e))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}
