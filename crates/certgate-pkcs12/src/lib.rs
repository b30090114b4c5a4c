//! PKCS#12 (`.p12`, `.pfx`) bundles that phones, browsers and tools import, and that
//! certgate reads back from any producer.
//!
//! The seed walkthrough ends with `openssl pkcs12 -export` so that an iPhone can install
//! its client certificate; this crate is that step. It is built directly on RustCrypto's
//! `pkcs12` types (with `pkcs5`, `des`, `rc2`, `hmac`, `sha1`, `sha2`, `blake2`): one
//! implementation for export and import.
//!
//! # Export
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let csr = certgate_ca::cfssl::CsrJson::from_json(br#"{"CN": "iphone"}"#, "csr")?;
//! # let key = certgate_ca::PrivateKey::generate(certgate_ca::KeySpec::EcdsaP256)?;
//! # let key_pkcs8 = key.to_pkcs8_der()?.to_vec();
//! # let root = certgate_ca::RootCaBuilder::new(&csr, Box::new(certgate_ca::KeySigner::new(key))).build()?;
//! # let cert_der = root.certificate.der().to_vec();
//! use certgate_pkcs12::{Pkcs12Builder, Pkcs12Bundle, Pkcs12Profile};
//!
//! let p12 = Pkcs12Builder::new(&key_pkcs8, &cert_der, "correct horse")
//!     .with_friendly_name("Sam's iPhone")
//!     .with_profile(Pkcs12Profile::Legacy) // for an older iPhone or Android
//!     .build()?;
//! let back = Pkcs12Bundle::parse(&p12, "correct horse")?;
//! assert_eq!(back.key().map(|k| k.pkcs8_der()), Some(key_pkcs8.as_slice()));
//! # Ok(())
//! # }
//! ```
//!
//! # Which profile for which device
//!
//! | device or tool | [`Pkcs12Profile::Modern`] | [`Pkcs12Profile::Legacy`] |
//! |---|---|---|
//! | OpenSSL 3, curl, Python `cryptography`, NSS (Firefox, Chromium on Linux) | yes (tested) | yes (tested) |
//! | current iOS, iPadOS and macOS | reported to import | reported to import |
//! | older iOS and macOS, Android 13 and earlier, older Java (`keytool`) | reported to refuse AES/PBKDF2 bundles | yes |
//! | Windows 10 1709 and later | reported to import | reported to import |
//!
//! Legacy is 3DES (pbeWithSHAAnd3-KeyTripleDES-CBC) for both the key and the
//! certificates with an HMAC-SHA1 MAC, not OpenSSL 1.x's RC2 for the certificates:
//! Android cannot read RC2. Modern is OpenSSL 3's default: PBES2 with
//! PBKDF2-HMAC-SHA256 and AES-256-CBC, HMAC-SHA256 MAC.
//!
//! Phones do not take Ed25519 client keys, and NSS 3.87 cannot import an Ed25519 bundle
//! (not even one OpenSSL made): for device certificates use ECDSA P-256 or RSA. Ed25519
//! bundles are written and read, and OpenSSL and Python read them.
//!
//! # Import
//!
//! [`Pkcs12Bundle::parse`] reads what OpenSSL, NSS, Java, macOS, Windows and pyca write:
//! PBES2 (AES-128/192/256-CBC, PBKDF2 with HMAC-SHA1/256/512, or scrypt), 3DES,
//! RC2-40/128 (read only), MACs with SHA-1/256/384/512 and BLAKE2b-512, bundles with no
//! MAC, no key or no certificate, and both conventions for an empty password. A wrong
//! password is [`Pkcs12Error::WrongPassword`].
//!
//! Import accepts BER as well as DER: NSS (Firefox's certificate backup, `pk12util -o`)
//! writes indefinite lengths and constructed OCTET STRINGs, which OpenSSL reads too.
//! Each level of the bundle is converted to DER, with bounded nesting and size, before
//! it is decoded. Export always writes DER.
//!
//! Hostile input is refused before the work it asks for, with
//! [`Pkcs12Error::LimitExceeded`] naming the [`Limit`]: the size ([`MAX_BUNDLE_SIZE`]),
//! the bags (counted while decoding, [`MAX_BAGS`]), the nesting
//! ([`MAX_NESTING_DEPTH`]), each key derivation ([`MAX_ITERATIONS`], and for scrypt
//! [`MAX_SCRYPT_MEMORY`], [`MAX_SCRYPT_BLOCK_SIZE`], [`MAX_SCRYPT_PARALLELISM`]) and the
//! key-derivation work of the whole import ([`MAX_KDF_WORK`]).
//! [`check_key_derivation`] applies the same per-derivation limits to any
//! password-based encryption, such as an encrypted PKCS#8 key's.
//!
//! # Security
//!
//! The legacy profile's 3DES and SHA-1 MAC are weak by today's standards; they exist
//! only for devices that read nothing else. A PKCS#12 password protects the key at rest
//! and in transit to the device, not more: send the bundle and its password separately.
//! Decrypted keys are wiped from memory when a [`BundleKey`] is dropped. MACs are
//! compared in constant time.
#![forbid(unsafe_code)]

mod ber;
mod bundle;
mod crypto;
mod error;
mod export;
mod import;
mod kdf;
mod limits;
mod oids;

pub use bundle::{BundleCertificate, BundleInfo, BundleKey, Pkcs12Bundle};
pub use error::{BagProblem, BerProblem, InputProblem, Limit, MalformedProblem, Pkcs12Error};
pub use export::{Pkcs12Builder, Pkcs12Profile};
pub use kdf::check_key_derivation;
pub use limits::{
    DEFAULT_ITERATIONS, MAX_BAGS, MAX_BUNDLE_SIZE, MAX_ITERATIONS, MAX_KDF_WORK, MAX_NESTING_DEPTH,
    MAX_SCRYPT_BLOCK_SIZE, MAX_SCRYPT_MEMORY, MAX_SCRYPT_PARALLELISM,
};
