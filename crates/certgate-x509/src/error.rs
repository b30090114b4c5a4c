//! The one error type of this crate.

use std::fmt;

/// The structure being read when something went wrong.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Structure {
    /// An X.509 certificate (RFC 5280 section 4).
    Certificate,
    /// A certificate revocation list (RFC 5280 section 5).
    Crl,
    /// A PKCS#10 certification request (RFC 2986).
    Csr,
    /// A distinguished name.
    Name,
    /// A GeneralNames list (subjectAltName, name constraints, distribution points).
    GeneralNames,
    /// An extension's value.
    Extension,
    /// A single DER value read on its own.
    Der,
}

impl fmt::Display for Structure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Certificate => "certificate",
            Self::Crl => "CRL",
            Self::Csr => "certification request",
            Self::Name => "name",
            Self::GeneralNames => "general names",
            Self::Extension => "extension",
            Self::Der => "DER value",
        })
    }
}

/// What is wrong with a DER value.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Problem {
    /// The input ends inside a value, or a length runs past it.
    Truncated,
    /// A tag of more than one octet (none is used by X.509).
    MultiByteTag,
    /// A universal tag with the wrong form: a constructed string, INTEGER or OID (BER's
    /// constructed strings are not DER), or a primitive SEQUENCE or SET.
    WrongConstruction,
    /// A universal tag that no X.509 structure holds (end-of-contents, EXTERNAL, EMBEDDED
    /// PDV, ...).
    UnknownUniversalTag,
    /// An indefinite length (BER, not DER).
    IndefiniteLength,
    /// A length in long form that fits a shorter form, or with a leading zero.
    NonMinimalLength,
    /// A length of more than four octets.
    LengthTooLarge,
    /// A value with another tag than the one the structure has there.
    UnexpectedTag {
        /// The tag the structure has there.
        expected: u8,
        /// The tag found.
        found: u8,
    },
    /// A tag the structure does not have at all, or not there.
    UnknownTag {
        /// The tag found.
        found: u8,
    },
    /// Bytes after the value.
    TrailingData,
    /// A required value is absent.
    Missing,
    /// An INTEGER with no content octets.
    EmptyInteger,
    /// An INTEGER with a superfluous leading 0x00 or 0xff octet.
    NonMinimalInteger,
    /// An INTEGER that must not be negative is.
    NegativeInteger,
    /// An INTEGER larger than the structure allows.
    IntegerTooLarge,
    /// A BOOLEAN whose content is not one octet 0x00 or 0xff (DER, X.690 11.1).
    NonDerBoolean,
    /// A BIT STRING with more than 7 unused bits, or set unused bits.
    BadBitString,
    /// A BIT STRING that must hold whole octets has unused bits.
    PartialOctets,
    /// A time that is not UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`.
    BadTime,
    /// A string whose octets are not valid for its type.
    BadString,
    /// A malformed OBJECT IDENTIFIER.
    BadOid,
    /// An extension (or field) that may occur once occurs again.
    Duplicate,
    /// A version this reader does not know or that the structure forbids.
    UnsupportedVersion,
    /// More elements than [`crate::limits`] allows.
    TooMany,
    /// Nested more deeply than [`crate::limits::MAX_DEPTH`].
    TooDeep,
    /// An empty SEQUENCE or SET where the structure requires at least one element.
    Empty,
    /// A value out of the range the structure allows (a reason code, an IP length ...).
    OutOfRange,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("truncated"),
            Self::MultiByteTag => f.write_str("multi-byte tag"),
            Self::WrongConstruction => {
                f.write_str("universal tag in the wrong form (constructed or primitive)")
            }
            Self::UnknownUniversalTag => f.write_str("universal tag that X.509 does not use"),
            Self::IndefiniteLength => f.write_str("indefinite length (BER, not DER)"),
            Self::NonMinimalLength => f.write_str("length not minimally encoded"),
            Self::LengthTooLarge => f.write_str("length of more than four octets"),
            Self::UnexpectedTag { expected, found } => {
                write!(f, "expected tag 0x{expected:02x}, found 0x{found:02x}")
            }
            Self::UnknownTag { found } => write!(f, "unexpected tag 0x{found:02x}"),
            Self::TrailingData => f.write_str("data after the value"),
            Self::Missing => f.write_str("missing"),
            Self::EmptyInteger => f.write_str("INTEGER without content"),
            Self::NonMinimalInteger => f.write_str("INTEGER not minimally encoded"),
            Self::NegativeInteger => f.write_str("negative INTEGER"),
            Self::IntegerTooLarge => f.write_str("INTEGER too large"),
            Self::NonDerBoolean => f.write_str("BOOLEAN neither 0x00 nor 0xff (not DER)"),
            Self::BadBitString => f.write_str("malformed BIT STRING"),
            Self::PartialOctets => f.write_str("BIT STRING of partial octets"),
            Self::BadTime => f.write_str("not a UTCTime or GeneralizedTime of RFC 5280's form"),
            Self::BadString => f.write_str("string octets invalid for its type"),
            Self::BadOid => f.write_str("malformed OBJECT IDENTIFIER"),
            Self::Duplicate => f.write_str("occurs more than once"),
            Self::UnsupportedVersion => f.write_str("unsupported version"),
            Self::TooMany => f.write_str("more elements than allowed"),
            Self::TooDeep => f.write_str("nested too deeply"),
            Self::Empty => f.write_str("empty where at least one element is required"),
            Self::OutOfRange => f.write_str("value out of range"),
        }
    }
}

/// What is wrong with PEM input.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PemProblem {
    /// The input holds no `-----BEGIN ...-----` line.
    NoBlock,
    /// A BEGIN line without the matching END line.
    Unterminated {
        /// The BEGIN line's label.
        label: String,
    },
    /// The base64 between BEGIN and END does not decode.
    BadBase64 {
        /// The block's label.
        label: String,
    },
    /// The block has RFC 1421 headers (`Proc-Type`, `DEK-Info`): legacy encrypted PEM.
    Headers {
        /// The block's label.
        label: String,
    },
    /// No block has one of the labels asked for.
    WrongLabel {
        /// The labels asked for.
        expected: &'static [&'static str],
        /// The labels found.
        found: Vec<String>,
    },
    /// More input than [`crate::limits::MAX_PEM_INPUT`].
    TooLarge,
}

impl fmt::Display for PemProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoBlock => f.write_str("no PEM block found"),
            Self::Unterminated { label } => write!(f, "PEM block {label:?} has no END line"),
            Self::BadBase64 { label } => write!(f, "PEM block {label:?} is not valid base64"),
            Self::Headers { label } => write!(
                f,
                "PEM block {label:?} has headers (legacy OpenSSL encryption): not supported, \
                 convert it with `openssl pkcs8 -topk8`"
            ),
            Self::WrongLabel { expected, found } => write!(
                f,
                "expected a PEM block labelled {}, found {}",
                expected.join(" or "),
                if found.is_empty() {
                    "none".to_owned()
                } else {
                    found.join(", ")
                }
            ),
            Self::TooLarge => write!(
                f,
                "input larger than {} bytes",
                crate::limits::MAX_PEM_INPUT
            ),
        }
    }
}

/// Why certgate-x509 refused its input.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum X509Error {
    /// The input is not DER of the structure's shape, or breaks one of its rules.
    #[error("malformed {structure}: {field}: {problem}")]
    Malformed {
        /// What was being read.
        structure: Structure,
        /// The field (`tbsCertificate`, `validity`, `revokedCertificates`, ...).
        field: &'static str,
        /// What is wrong with it.
        problem: Problem,
    },
    /// PEM input that cannot be read.
    #[error("{0}")]
    Pem(PemProblem),
    /// A string (a serial, a fingerprint, an IP network) that does not parse.
    #[error("{what} {input:?}: {problem}")]
    Parse {
        /// What the string should be (`serial`, `IP network`, ...).
        what: &'static str,
        /// The input, as given.
        input: String,
        /// What is wrong.
        problem: ParseProblem,
    },
}

/// What is wrong with a string given for a serial, fingerprint or network.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParseProblem {
    /// Empty input.
    Empty,
    /// A character that is not a hex digit (or `:` between octet pairs).
    NotHex,
    /// An odd number of hex digits, or `:` not between octet pairs.
    OddDigits,
    /// A character that is not a decimal digit.
    NotDecimal,
    /// Longer than allowed.
    TooLong,
    /// Not an IPv4 or IPv6 address.
    NotAnAddress,
    /// A prefix length that is not a number from 0 to the address's width.
    BadPrefix {
        /// The address's width in bits (32 or 128).
        max: u8,
    },
}

impl fmt::Display for ParseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty",
            Self::NotHex => "not hex",
            Self::OddDigits => "hex digits must come in pairs",
            Self::NotDecimal => "not a decimal number",
            Self::TooLong => "too long",
            Self::NotAnAddress => "not an IP address",
            Self::BadPrefix { max } => return write!(f, "prefix length must be 0 to {max}"),
        })
    }
}

impl X509Error {
    /// A [`X509Error::Malformed`].
    pub(crate) fn malformed(structure: Structure, field: &'static str, problem: Problem) -> Self {
        Self::Malformed {
            structure,
            field,
            problem,
        }
    }

    /// The problem, when the input was malformed DER.
    pub fn problem(&self) -> Option<Problem> {
        match self {
            Self::Malformed { problem, .. } => Some(*problem),
            _ => None,
        }
    }
}
