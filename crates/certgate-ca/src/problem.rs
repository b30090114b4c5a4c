//! What exactly is wrong, as small enums a caller can match on: the `problem` field of
//! several [`CaError`](crate::CaError) variants. Each prints as the words the error
//! message uses.

use std::fmt;

/// Writes the `Display` of the problem enums from one `match` of string literals.
macro_rules! display_words {
    ($ty:ty { $($pat:pat => $($words:expr),+;)+ }) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $($pat => write!(f, $($words),+),)+
                }
            }
        }
    };
}

/// What is wrong with a value of the cfssl configuration or CSR JSON
/// ([`CaError::InvalidConfig`](crate::CaError::InvalidConfig)).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigProblem {
    /// A cfssl feature certgate does not implement (`auth_key`, `remote`, ...); it is
    /// refused rather than silently ignored.
    Unsupported,
    /// A field that must be present is absent.
    Missing,
    /// A duration that must be longer than zero.
    NotPositive,
    /// A number outside the range the field allows.
    OutOfRange {
        /// The number given.
        value: i64,
        /// The smallest allowed.
        min: i64,
        /// The largest allowed.
        max: i64,
    },
    /// A time that is not in RFC 3339 form (`2030-01-01T00:00:00Z`).
    NotRfc3339 {
        /// The text given.
        value: String,
    },
    /// A `name_whitelist` that is not a valid regular expression.
    InvalidRegex,
    /// An IP network of `name_constraints` that is not usable.
    InvalidIpNetwork {
        /// The text given.
        value: String,
        /// What is wrong with it.
        problem: IpNetProblem,
    },
    /// A URL (`crl_url`, `ocsp_url`, `issuer_urls`) that is not ASCII.
    NotAscii {
        /// The text given.
        value: String,
    },
    /// `name_constraints` on a profile that does not issue CAs.
    NameConstraintsNeedCa,
    /// `name_constraints` with no permitted or excluded names.
    EmptyNameConstraints,
    /// `"cert sign"` on a profile that does not issue CAs.
    CertSignOnLeaf,
    /// A profile that sets no key usage and no extended key usage.
    NoKeyUsage,
    /// A validity window whose end is not after its beginning.
    EndsBeforeItBegins,
    /// A policy OID that is not a dotted object identifier.
    InvalidOid {
        /// The text given.
        value: String,
    },
    /// The same policy OID listed twice in `policies`.
    DuplicatePolicy {
        /// The OID.
        oid: String,
    },
    /// A policy qualifier type other than `id-qt-cps` and `id-qt-unotice`.
    UnknownQualifier {
        /// The type given.
        value: String,
    },
    /// A text longer than the field allows.
    TooLong {
        /// The most characters allowed.
        max: usize,
    },
    /// anyPolicy on either side of a policy mapping (RFC 5280 4.2.1.5).
    AnyPolicyMapped,
    /// `policy_constraints` with neither of its two numbers.
    EmptyPolicyConstraints,
    /// `policy_mappings`, `policy_constraints` or `inhibit_any_policy` on a profile
    /// that does not issue CAs.
    PolicyControlsNeedCa,
    /// A URI name constraint that is not a host or a `.domain` (RFC 5280 4.2.1.10).
    NotAUriConstraint {
        /// The text given.
        value: String,
    },
    /// A key that cannot be given together with another one.
    Conflicts {
        /// The other key.
        with: &'static str,
    },
    /// A key that only makes sense with another one, which is absent.
    Needs {
        /// The key it needs.
        field: &'static str,
    },
    /// A CRL number (`number`, `delta_of`) that is not an integer from 0 to 2^64 - 1.
    NotACrlNumber {
        /// The JSON given.
        value: String,
    },
    /// A delta CRL's base CRL number that is not below the CRL's own number.
    BaseNotBelowNumber {
        /// The base CRL's number (`delta_of`).
        base: u64,
        /// The CRL's own number.
        number: u64,
    },
    /// A revocation reason that is neither an RFC 5280 or cfssl name nor a reason code.
    UnknownRevocationReason {
        /// The text given.
        value: String,
    },
    /// A reason that has no ReasonFlags bit (unspecified, removeFromCRL), so cannot be
    /// one of onlySomeReasons.
    NotAReasonFlag {
        /// The text given.
        value: String,
    },
    /// A value listed twice.
    Duplicate {
        /// The text given.
        value: String,
    },
    /// A list longer than the field allows.
    TooMany {
        /// The most entries allowed.
        max: usize,
    },
    /// An `issuing_distribution_point` with nothing in it (RFC 5280 5.2.5 forbids an
    /// empty extension).
    EmptyIssuingDistributionPoint,
}

display_words!(ConfigProblem {
    Self::Unsupported => "is not supported by certgate";
    Self::Missing => "missing";
    Self::NotPositive => "must be longer than zero";
    Self::OutOfRange { value, min, max } => "{} is not between {} and {}", value, min, max;
    Self::NotRfc3339 { value } => "{:?} is not an RFC 3339 time", value;
    Self::InvalidRegex => "is not a valid regular expression";
    Self::InvalidIpNetwork { value, problem } => "{:?} {}", value, problem;
    Self::NotAscii { value } => "{:?} is not ASCII (IDNs must be given in punycode)", value;
    Self::NameConstraintsNeedCa =>
        "only a CA profile (ca_constraint.is_ca) can carry name constraints";
    Self::EmptyNameConstraints => "no permitted or excluded names given";
    Self::CertSignOnLeaf =>
        "\"cert sign\" needs ca_constraint.is_ca: a leaf may not sign certificates";
    Self::NoKeyUsage => "the profile gives no key usage";
    Self::EndsBeforeItBegins => "the certificate would end before it begins";
    Self::InvalidOid { value } => "{:?} is not a dotted object identifier", value;
    Self::DuplicatePolicy { oid } => "policy {} is listed more than once", oid;
    Self::UnknownQualifier { value } =>
        "unknown policy qualifier type {:?} (id-qt-cps and id-qt-unotice are known)", value;
    Self::TooLong { max } => "is longer than {} characters", max;
    Self::AnyPolicyMapped => "anyPolicy (2.5.29.32.0) may not be mapped (RFC 5280 4.2.1.5)";
    Self::EmptyPolicyConstraints =>
        "neither require_explicit_policy nor inhibit_policy_mapping given";
    Self::PolicyControlsNeedCa =>
        "only a CA profile (ca_constraint.is_ca) can carry policy mappings and constraints";
    Self::NotAUriConstraint { value } =>
        "{:?} is not a host or a .domain (no scheme, port or path; RFC 5280 4.2.1.10)", value;
    Self::Conflicts { with } => "cannot be used with {}", with;
    Self::Needs { field } => "needs {}", field;
    Self::NotACrlNumber { value } =>
        "{} is not a CRL number (an integer from 0 to 18446744073709551615)", value;
    Self::BaseNotBelowNumber { base, number } =>
        "the base CRL number {} must be below this CRL's number {}", base, number;
    Self::UnknownRevocationReason { value } =>
        "unknown revocation reason {:?}; valid reasons: {}", value,
        crate::REVOCATION_REASON_NAMES.join(", ");
    Self::NotAReasonFlag { value } =>
        "{:?} cannot be one of only_some_reasons (unspecified and removeFromCRL have no flag)",
        value;
    Self::Duplicate { value } => "{:?} is listed more than once", value;
    Self::TooMany { max } => "has more than {} entries", max;
    Self::EmptyIssuingDistributionPoint =>
        "gives none of urls, only_user_certs, only_ca_certs, only_some_reasons, indirect \
         (RFC 5280 5.2.5 forbids an empty extension)";
});

/// Why an IP network in CIDR form does not parse (the error of `IpNet`'s `FromStr`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpNetProblem {
    /// No `/prefix`.
    NotCidr,
    /// The part before `/` is not an IP address.
    NotAnAddress,
    /// The part after `/` is not a number.
    NotAPrefixLength,
    /// A prefix longer than the address.
    PrefixTooLong {
        /// The prefix length given.
        prefix_len: u8,
        /// The address width: 32 or 128.
        width: u8,
    },
    /// Bits set after the prefix (`10.0.0.1/8`).
    HostBitsSet,
}

display_words!(IpNetProblem {
    Self::NotCidr => "is not in CIDR form (address/prefix)";
    Self::NotAnAddress => "does not start with an IP address";
    Self::NotAPrefixLength => "does not end with a prefix length";
    Self::PrefixTooLong { prefix_len, width } =>
        "has a prefix /{} longer than {} bits", prefix_len, width;
    Self::HostBitsSet => "has host bits set";
});

/// Why a `hosts` entry cannot become a DNS subjectAltName
/// ([`CaError::InvalidHost`](crate::CaError::InvalidHost)).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostProblem {
    /// It contains white space.
    WhiteSpace,
    /// Longer than 253 characters.
    TooLong,
    /// An empty label, or one longer than 63 characters.
    BadLabelLength,
    /// Characters other than letters, digits, `-`, `_` and `.`.
    NotADnsName,
    /// A label that starts or ends with `-`.
    HyphenAtLabelEdge,
}

display_words!(HostProblem {
    Self::WhiteSpace => "contains white space";
    Self::TooLong => "is longer than 253 characters";
    Self::BadLabelLength => "has an empty label or one longer than 63 characters";
    Self::NotADnsName => "is not a DNS name (letters, digits, '-' and '.'; IDNs in punycode)";
    Self::HyphenAtLabelEdge => "has a label that starts or ends with '-'";
});

/// Why a duration does not parse ([`CaError::InvalidDuration`](crate::CaError::InvalidDuration)).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationProblem {
    /// An empty string.
    Empty,
    /// A leading `-`.
    Negative,
    /// A unit where a number should be.
    ExpectedNumber,
    /// A number that does not parse (`1..5h`).
    MalformedNumber,
    /// A number without a unit.
    MissingUnit,
    /// A unit other than `ns`, `us`, `ms`, `s`, `m`, `h`, `d` and `y`.
    UnknownUnit,
    /// More than a thousand years.
    TooLong,
}

display_words!(DurationProblem {
    Self::Empty => "empty";
    Self::Negative => "negative durations are not allowed";
    Self::ExpectedNumber => "expected a number";
    Self::MalformedNumber => "malformed number";
    Self::MissingUnit => "missing unit (use ns, us, ms, s, m, h, d or y)";
    Self::UnknownUnit => "unknown unit (use ns, us, ms, s, m, h, d or y)";
    Self::TooLong => "longer than a thousand years";
});

pub use certgate_x509::PemProblem;

/// What is wrong with a private key ([`CaError::Key`](crate::CaError::Key)).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyProblem {
    /// An encrypted key, and no password.
    NoPassword,
    /// A PKCS#8 `PrivateKeyInfo` that does not parse.
    MalformedPkcs8,
    /// A PKCS#1 `RSAPrivateKey` that does not parse.
    MalformedPkcs1,
    /// A SEC1 `ECPrivateKey` that does not parse, or is on a curve other than P-256/P-384.
    MalformedSec1,
    /// An `EncryptedPrivateKeyInfo` that does not parse.
    MalformedEncryptedPkcs8,
    /// An EC key on a curve other than P-256 and P-384.
    UnsupportedCurve,
    /// A key algorithm other than RSA, EC and Ed25519.
    UnsupportedAlgorithm {
        /// The algorithm's OID.
        oid: String,
    },
    /// aws-lc-rs refused the key (inconsistent or malformed values).
    Rejected,
    /// An RSA key under 2048 bits.
    /// An encrypted key whose key derivation is past certgate-pkcs12's limits (scrypt
    /// or PBKDF2 costs a hostile file could set), refused before any work.
    KeyDerivationRefused,
    /// An RSA key below 2048 bits.
    TooSmall {
        /// The key's size.
        bits: usize,
    },
}

display_words!(KeyProblem {
    Self::NoPassword => "the key is encrypted and no password was given";
    Self::MalformedPkcs8 => "malformed PKCS#8";
    Self::MalformedPkcs1 => "malformed PKCS#1 RSA key";
    Self::MalformedSec1 => "malformed SEC1 EC key, or a curve other than P-256 and P-384";
    Self::MalformedEncryptedPkcs8 => "malformed encrypted PKCS#8";
    Self::UnsupportedCurve => "unsupported elliptic curve (P-256 and P-384 are)";
    Self::UnsupportedAlgorithm { oid } => "unsupported key algorithm {}", oid;
    Self::Rejected => "aws-lc-rs rejected the key";
    Self::TooSmall { bits } =>
        "RSA-{} is below 2048 bits, the least considered safe today (NIST has disallowed \
         smaller RSA keys since 2013); use a key of 2048 bits or more", bits;
    Self::KeyDerivationRefused => "encrypted PKCS#8 refused before decrypting";
});

/// What is wrong with a password source ([`CaError::Password`](crate::CaError::Password)).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Not `pass:`, `env:` or `file:`.
    UnknownForm,
    /// `env:` with no variable name.
    NoVariableName,
    /// `file:` with no file name.
    NoFileName,
    /// The environment variable is not set.
    VariableNotSet,
    /// The environment variable is not UTF-8.
    VariableNotUnicode,
}

display_words!(PasswordProblem {
    Self::UnknownForm => "expected pass:PASSWORD, env:VARIABLE or file:PATH";
    Self::NoVariableName => "no environment variable named after env:";
    Self::NoFileName => "no file named after file:";
    Self::VariableNotSet => "environment variable not found";
    Self::VariableNotUnicode => "environment variable was not valid unicode";
});

/// What is wrong with a certificate ([`CaError::Certificate`](crate::CaError::Certificate)).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateProblem {
    /// The DER does not parse as a certificate.
    MalformedDer,
    /// An extension that does not parse.
    MalformedExtension {
        /// The extension's name (`basicConstraints`, `keyUsage`, ...).
        extension: &'static str,
    },
}

display_words!(CertificateProblem {
    Self::MalformedDer => "malformed DER";
    Self::MalformedExtension { extension } => "malformed {}", extension;
});

/// Why a certificate may not issue ([`CaError::NotCa`](crate::CaError::NotCa)).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotCaProblem {
    /// No basicConstraints with cA set.
    NotCaConstraint,
    /// A keyUsage without keyCertSign.
    NoKeyCertSign,
}

display_words!(NotCaProblem {
    Self::NotCaConstraint => "basicConstraints does not say cA=TRUE";
    Self::NoKeyCertSign => "keyUsage lacks keyCertSign";
});

/// What is wrong with a PKCS#10 request ([`CaError::Csr`](crate::CaError::Csr)).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CsrProblem {
    /// The DER does not parse as a request.
    MalformedDer,
    /// A public key other than RSA 2048+, ECDSA P-256/P-384 and Ed25519.
    UnsupportedKey,
    /// A signature algorithm that does not fit the key.
    UnsupportedSignatureAlgorithm {
        /// The algorithm's OID.
        oid: String,
        /// The key's algorithm (`rsa`, `ecdsa`, `ed25519`).
        key: &'static str,
    },
    /// An extensionRequest attribute that does not parse.
    MalformedExtensionRequest,
    /// A requested subjectAltName that does not parse.
    MalformedSubjectAltName,
    /// A subjectAltName entry other than DNS, email, URI and IP.
    UnsupportedSubjectAltName {
        /// The entry, as parsed.
        entry: String,
    },
}

display_words!(CsrProblem {
    Self::MalformedDer => "malformed DER";
    Self::UnsupportedKey =>
        "unsupported public key (RSA 2048+, ECDSA P-256/P-384 and Ed25519 are)";
    Self::UnsupportedSignatureAlgorithm { oid, key } =>
        "unsupported signature algorithm {} for a {} key", oid, key;
    Self::MalformedExtensionRequest => "malformed extensionRequest";
    Self::MalformedSubjectAltName => "malformed subjectAltName";
    Self::UnsupportedSubjectAltName { entry } => "unsupported subjectAltName entry {}", entry;
});

/// Why a subject attribute or a subjectAltName cannot be encoded
/// ([`CaError::InvalidName`](crate::CaError::InvalidName)).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// A country that is not two letters.
    NotTwoLetterCountry,
    /// Characters a PrintableString cannot hold.
    NotPrintable,
    /// Characters an IA5String cannot hold.
    NotAscii,
    /// A kind of subjectAltName certgate does not issue.
    UnsupportedKind,
}

display_words!(NameProblem {
    Self::NotTwoLetterCountry => "is not a two-letter ISO 3166 code";
    Self::NotPrintable => "has characters a PrintableString cannot hold";
    Self::NotAscii => "is not ASCII (IDNs must be given in punycode)";
    Self::UnsupportedKind => "is a kind of subjectAltName certgate does not issue";
});

/// What is wrong with a CRL to be signed ([`CaError::InvalidCrl`](crate::CaError::InvalidCrl)).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrlProblem {
    /// nextUpdate is not after thisUpdate.
    NextUpdateNotAfterThisUpdate,
    /// A serial that is empty or longer than 20 bytes.
    UnlistableSerial {
        /// The serial's bytes.
        serial: Vec<u8>,
    },
    /// An issuingDistributionPoint with both onlyContainsUserCerts and
    /// onlyContainsCACerts (RFC 5280 5.2.5: at most one).
    ConflictingScope,
    /// onlySomeReasons with a reason that has no ReasonFlags bit (unspecified,
    /// removeFromCRL).
    NotAReasonFlag {
        /// The reason.
        reason: certgate_x509::ReasonCode,
    },
    /// A delta CRL whose base CRL number is not below its own number.
    BaseNotBelowDelta {
        /// The base CRL's number.
        base: u64,
        /// This CRL's number.
        number: u64,
    },
    /// freshestCRL in a delta CRL (RFC 5280 5.2.6: complete CRLs only).
    FreshestCrlInDelta,
    /// An entry with reason removeFromCRL in a CRL that is not a delta CRL (RFC 5280 5.3.1).
    RemoveFromCrlOutsideDelta {
        /// The entry's serial.
        serial: Vec<u8>,
    },
    /// An entry naming a certificate issuer in a CRL whose issuingDistributionPoint does
    /// not say indirectCRL (RFC 5280 5.3.3).
    CertificateIssuerOutsideIndirect,
}

display_words!(CrlProblem {
    Self::NextUpdateNotAfterThisUpdate => "the CRL's nextUpdate must be after its thisUpdate";
    Self::UnlistableSerial { serial } => "serial {:02x?} cannot be listed", serial;
    Self::ConflictingScope =>
        "an issuing distribution point may be only for user or only for CA certificates, not both";
    Self::NotAReasonFlag { reason } => "{} cannot be one of onlySomeReasons", reason.name();
    Self::BaseNotBelowDelta { base, number } =>
        "a delta CRL's base CRL number ({}) must be below its own ({})", base, number;
    Self::FreshestCrlInDelta => "a delta CRL may not carry freshestCRL";
    Self::RemoveFromCrlOutsideDelta { serial } =>
        "serial {:02x?}: removeFromCRL is only allowed in a delta CRL", serial;
    Self::CertificateIssuerOutsideIndirect =>
        "an entry may name a certificate issuer only in an indirect CRL";
});

/// What JSON input got wrong ([`CaError::Json`](crate::CaError::Json)).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonProblem {
    /// Not JSON at all.
    Syntax,
    /// JSON that does not fit cfssl's schema (an unknown key, a wrong type).
    Schema,
    /// The input ends in the middle of a value.
    Truncated,
}

display_words!(JsonProblem {
    Self::Syntax => "syntax error";
    Self::Schema => "does not match the schema";
    Self::Truncated => "truncated";
});
