//! The one error type of this crate, and the small enums its variants carry.

use std::fmt;

/// What can go wrong reading or writing a PKCS#12 bundle.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Pkcs12Error {
    /// The bytes are not a PKCS#12 structure (truncated, not BER or DER, wrong shape).
    #[error("malformed PKCS#12: {what}: {reason}")]
    Malformed {
        /// The structure being read.
        what: &'static str,
        /// What is wrong with it, for a human: the decoder's own words.
        reason: String,
    },

    /// The password does not open the bundle (the MAC, or the decrypted padding, says so).
    #[error("wrong password, or a modified bundle (the {checked_by} does not verify)")]
    WrongPassword {
        /// What told us: `MAC`, or `decryption` for bundles without a MAC.
        checked_by: &'static str,
    },

    /// An algorithm we do not implement.
    #[error("unsupported {what} algorithm {oid}")]
    UnsupportedAlgorithm {
        /// Where it is used: `MAC`, `encryption`, `key derivation`, `PRF`.
        what: &'static str,
        /// Its OID.
        oid: String,
    },

    /// A limit protecting against hostile input was exceeded, before the work it bounds.
    #[error("{limit} is {value}, over the limit of {max}")]
    LimitExceeded {
        /// Which limit (each is a `MAX_*` constant of this crate).
        limit: Limit,
        /// The value found (or, for a running total, the total it would reach).
        value: u64,
        /// The limit.
        max: u64,
    },

    /// A bag whose content is not what its type says.
    #[error("bag {index} ({bag_type}): {problem}")]
    BadBag {
        /// The bag's position, counted from 1 across the whole bundle.
        index: usize,
        /// The bag type.
        bag_type: &'static str,
        /// What is wrong.
        problem: BagProblem,
    },

    /// Input to export that cannot be used.
    #[error("cannot export: {problem}")]
    InvalidInput {
        /// What is wrong.
        problem: InputProblem,
    },

    /// Encryption or encoding failed while writing.
    #[error("cannot encode {what}: {reason}")]
    Encoding {
        /// What was being written.
        what: &'static str,
        /// Why it failed, for a human.
        reason: String,
    },
}

/// Which limit a [`Pkcs12Error::LimitExceeded`] is about.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`crate::MAX_BUNDLE_SIZE`], in bytes (also the size of a bundle once converted from BER).
    BundleSize,
    /// [`crate::MAX_BAGS`].
    Bags,
    /// [`crate::MAX_ITERATIONS`], for PBKDF2, the PKCS#12 KDF and the MAC.
    Iterations,
    /// [`crate::MAX_SCRYPT_MEMORY`]: scrypt's 128·N·r bytes.
    ScryptMemory,
    /// [`crate::MAX_SCRYPT_BLOCK_SIZE`]: scrypt's r.
    ScryptBlockSize,
    /// [`crate::MAX_SCRYPT_PARALLELISM`]: scrypt's p.
    ScryptParallelism,
    /// [`crate::MAX_ITERATIONS`] again, for scrypt's N·r·p.
    ScryptWork,
    /// [`crate::MAX_KDF_WORK`]: the key-derivation work of a whole import.
    KdfWork,
    /// [`crate::MAX_NESTING_DEPTH`]: how deep BER or DER elements nest.
    NestingDepth,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BundleSize => "bundle size in bytes",
            Self::Bags => "number of bags",
            Self::Iterations => "iteration count",
            Self::ScryptMemory => "scrypt memory in bytes (128·N·r)",
            Self::ScryptBlockSize => "scrypt block size r",
            Self::ScryptParallelism => "scrypt parallelization p",
            Self::ScryptWork => "scrypt work N·r·p",
            Self::KdfWork => "key-derivation work for the whole bundle (in iterations)",
            Self::NestingDepth => "nesting depth",
        })
    }
}

/// What is wrong with a bag ([`Pkcs12Error::BadBag`]).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BagProblem {
    /// The bag is not a `SafeBag` (OID, `[0]` value, optional attributes).
    NotASafeBag,
    /// The bag has no `[0] EXPLICIT` value.
    MissingValue,
    /// A certBag whose value is not a `CertBag`.
    NotACertBag,
    /// A certBag whose certificate is not an X.509 certificate.
    NotAnX509Certificate,
    /// A pkcs8ShroudedKeyBag whose value is not an `EncryptedPrivateKeyInfo`.
    NotAnEncryptedPrivateKeyInfo,
    /// A key bag whose (decrypted) value is not a PKCS#8 `PrivateKeyInfo`.
    NotAPkcs8Key,
    /// safeContentsBags nested in one another more than four deep.
    NestedTooDeep,
    /// A bag type RFC 7292 does not define.
    UnknownType {
        /// The bag type's OID.
        oid: String,
    },
}

impl fmt::Display for BagProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotASafeBag => f.write_str("not a SafeBag"),
            Self::MissingValue => f.write_str("no [0] value"),
            Self::NotACertBag => f.write_str("not a CertBag"),
            Self::NotAnX509Certificate => f.write_str("not an X.509 certificate"),
            Self::NotAnEncryptedPrivateKeyInfo => f.write_str("not an EncryptedPrivateKeyInfo"),
            Self::NotAPkcs8Key => f.write_str("not a PKCS#8 private key"),
            Self::NestedTooDeep => f.write_str("safeContentsBags nested too deep"),
            Self::UnknownType { oid } => write!(f, "unknown bag type {oid}"),
        }
    }
}

/// What is wrong with the input to export ([`Pkcs12Error::InvalidInput`]).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputProblem {
    /// The key is not a DER PKCS#8 `PrivateKeyInfo`.
    KeyNotPkcs8,
    /// A certificate is not DER X.509; 0 is the leaf, 1 the first of the chain.
    CertificateNotDer {
        /// Which certificate.
        index: usize,
    },
    /// An iteration count of 0, or above [`crate::MAX_ITERATIONS`].
    IterationsOutOfRange {
        /// The count asked for.
        iterations: u32,
    },
    /// The friendly name holds a control character (NUL included): a device shows the
    /// name to a person, and importers drop Windows' trailing NUL, so it would not come back.
    FriendlyNameControlCharacter {
        /// The character's position, in characters.
        position: usize,
    },
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyNotPkcs8 => f.write_str("the key is not PKCS#8 DER"),
            Self::CertificateNotDer { index: 0 } => f.write_str("the certificate is not DER"),
            Self::CertificateNotDer { index } => {
                write!(f, "certificate {index} of the chain is not DER")
            }
            Self::IterationsOutOfRange { iterations } => write!(
                f,
                "{iterations} iterations is out of range (1 to {})",
                crate::MAX_ITERATIONS
            ),
            Self::FriendlyNameControlCharacter { position } => write!(
                f,
                "the friendly name has a control character at position {position}"
            ),
        }
    }
}

impl Pkcs12Error {
    pub(crate) fn malformed(what: &'static str, reason: impl fmt::Display) -> Self {
        Self::Malformed {
            what,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn encoding(what: &'static str, reason: impl fmt::Display) -> Self {
        Self::Encoding {
            what,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn limit(limit: Limit, value: u64, max: u64) -> Self {
        Self::LimitExceeded { limit, value, max }
    }
}
