//! The one error type of this crate, and the small enums its variants carry.

use std::error::Error as StdError;
use std::fmt;

/// A dependency's error, kept as the source of ours without naming its type.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What can go wrong reading or writing a PKCS#12 bundle.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Pkcs12Error {
    /// The bytes are not a PKCS#12 structure (truncated, not BER or DER, wrong shape).
    #[error("malformed PKCS#12: {what}: {problem}{}", cause(source.as_ref()))]
    Malformed {
        /// The structure being read.
        what: &'static str,
        /// What is wrong with it.
        problem: MalformedProblem,
        /// The decoder's error, when one said more.
        #[source]
        source: Option<BoxError>,
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
    #[error("cannot encode {what}: {}", one_line(&source.to_string()))]
    Encoding {
        /// What was being written.
        what: &'static str,
        /// Why it failed: the encoder's (or the random source's) error.
        #[source]
        source: BoxError,
    },
}

/// What is wrong with a structure ([`Pkcs12Error::Malformed`]).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MalformedProblem {
    /// The DER decoder refused it (its error is the source).
    NotDer,
    /// BER (as NSS writes it) that cannot be converted to DER.
    Ber {
        /// The byte offset in the structure where reading stopped.
        offset: usize,
        /// What is wrong there.
        problem: BerProblem,
    },
    /// Not a SEQUENCE where one must be.
    NotASequence,
    /// A required field is absent.
    MissingField {
        /// The field (`parameters`, `content`, `[0] encryptedContent`, ...).
        field: &'static str,
    },
    /// More fields than the structure has.
    ExtraFields,
    /// An attribute without values.
    AttributeWithoutValues,
    /// An iteration count of zero (or below).
    ZeroIterations,
    /// scrypt's N (cost) is not a power of two of at least 2 (RFC 7914 section 2).
    ScryptCostNotPowerOfTwo,
    /// scrypt's r (block size) or p (parallelization) is zero.
    ScryptZeroParameter,
    /// Parameters that do not suit the algorithm with this OID.
    InvalidParameters {
        /// The algorithm's OID.
        oid: String,
    },
}

impl fmt::Display for MalformedProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotDer => f.write_str("not DER of its shape"),
            Self::Ber { offset, problem } => write!(f, "BER at byte {offset}: {problem}"),
            Self::NotASequence => f.write_str("not a SEQUENCE"),
            Self::MissingField { field } => write!(f, "{field} missing"),
            Self::ExtraFields => f.write_str("more fields than the structure has"),
            Self::AttributeWithoutValues => f.write_str("an attribute without values"),
            Self::ZeroIterations => f.write_str("zero iterations"),
            Self::ScryptCostNotPowerOfTwo => f.write_str("N must be a power of two, at least 2"),
            Self::ScryptZeroParameter => f.write_str("r and p must be at least 1"),
            Self::InvalidParameters { oid } => write!(f, "invalid for {oid}"),
        }
    }
}

/// What is wrong with BER input ([`MalformedProblem::Ber`]).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BerProblem {
    /// The input ends inside an element.
    Truncated,
    /// Something follows the structure.
    TrailingData,
    /// A tag number in the high-tag-number form that is not minimal or too large.
    InvalidTagNumber,
    /// An indefinite length on a primitive element.
    IndefinitePrimitive,
    /// A length of more than four octets.
    LengthTooLong,
    /// A length past the end of the enclosing element.
    LengthBeyondEnclosing,
    /// An end-of-contents marker outside an indefinite length.
    StrayEndOfContents,
    /// An indefinite length that is never closed.
    NoEndOfContents,
    /// A constructed string holding something other than segments of its type.
    MixedConstructedString,
}

impl fmt::Display for BerProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Truncated => "truncated",
            Self::TrailingData => "trailing data after the structure",
            Self::InvalidTagNumber => "invalid tag number",
            Self::IndefinitePrimitive => "indefinite length on a primitive element",
            Self::LengthTooLong => "length of more than 4 octets",
            Self::LengthBeyondEnclosing => "length beyond the end of the enclosing element",
            Self::StrayEndOfContents => "end-of-contents outside an indefinite length",
            Self::NoEndOfContents => "no end-of-contents",
            Self::MixedConstructedString => "a constructed string holds something else",
        })
    }
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
    /// `what` is malformed in this way.
    pub(crate) fn malformed(what: &'static str, problem: MalformedProblem) -> Self {
        Self::Malformed {
            what,
            problem,
            source: None,
        }
    }

    /// The DER decoder refused `what`.
    pub(crate) fn not_der(what: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Malformed {
            what,
            problem: MalformedProblem::NotDer,
            source: Some(source.into()),
        }
    }

    /// Writing `what` failed.
    pub(crate) fn encoding(what: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Encoding {
            what,
            source: source.into(),
        }
    }

    pub(crate) fn limit(limit: Limit, value: u64, max: u64) -> Self {
        Self::LimitExceeded { limit, value, max }
    }
}

/// `: ` and a dependency's message on one line, or nothing.
fn cause(source: Option<&BoxError>) -> String {
    source.map_or_else(String::new, |e| format!(": {}", one_line(&e.to_string())))
}

/// A message on one line (some decoders' errors span several).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
