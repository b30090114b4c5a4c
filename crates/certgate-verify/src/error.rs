//! The one error type of this crate.

/// What can go wrong reading a certificate or verifying it.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The certificate is not DER of the X.509 shape.
    #[error("malformed certificate: {0}")]
    MalformedCertificate(#[from] certgate_x509::X509Error),

    /// A CRL that is not DER of RFC 5280's shape.
    #[error("{origin}: malformed CRL: {source}")]
    MalformedCrl {
        /// Where it came from (a file name, or what the caller said).
        origin: String,
        /// What certgate-x509 found.
        #[source]
        source: certgate_x509::X509Error,
    },

    /// A well-formed CRL that uses what certgate does not support, or RFC 5280 forbids.
    #[error("{origin}: CRL not accepted: {problem}")]
    UnsupportedCrl {
        /// Where it came from.
        origin: String,
        /// What it uses.
        problem: CrlProblem,
    },

    /// A CRL whose issuer is unknown, may not sign CRLs, or whose signature fails.
    #[error("{origin}: CRL not accepted: {problem}")]
    CrlIssuer {
        /// Where it came from.
        origin: String,
        /// What is wrong with its issuer or signature.
        problem: CrlIssuerProblem,
    },

    /// A CRL that would replace a newer one of the same source: its CRL Number is
    /// below the one in force for the same issuer key (`RevocationStore::set_source`).
    #[error(
        "{origin}: CRL not accepted: its CRL Number {number} is below the {in_force} in force from this source"
    )]
    CrlRollback {
        /// The source.
        origin: String,
        /// Its CRL Number, in decimal.
        number: String,
        /// The CRL Number in force, in decimal.
        in_force: String,
    },

    /// A live list of revoked serials longer than the store takes.
    #[error("{origin}: {count} revoked serials, more than the {limit} a list may hold")]
    TooManySerials {
        /// The source.
        origin: String,
        /// How many were given.
        count: usize,
        /// [`crate::MAX_LIVE_SERIALS`].
        limit: usize,
    },

    /// A trust anchor that cannot be used.
    #[error("trust anchor {index}: {reason}")]
    BadTrustAnchor {
        /// Its position in the list given.
        index: usize,
        /// Why.
        reason: crate::AnchorError,
    },

    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// PEM input that cannot be read, or holds no block of the expected kind.
    #[error("{origin}: {source}")]
    Pem {
        /// Where it came from.
        origin: String,
        /// What is wrong.
        #[source]
        source: certgate_x509::X509Error,
    },

    /// A hostname pattern that `HostTrust` cannot use, or one given twice.
    #[error("host pattern {pattern:?}: {problem}")]
    BadHostPattern {
        /// The pattern as given.
        pattern: String,
        /// Why it is refused.
        problem: HostPatternProblem,
    },

    /// A `HostTrust` with neither a host nor a default, which would refuse everyone.
    #[error("host trust has no host and no default: every connection would be refused")]
    NoHosts,

    /// A user-initial-policy-set entry (`PolicyOptions::with_initial_policy_set`) that is
    /// not a dotted OID.
    #[error("policy {oid:?} is not a dotted OID (such as 1.3.6.1.4.1.55555.1.1)")]
    BadPolicyOid {
        /// The entry as given.
        oid: String,
    },

    /// An empty user-initial-policy-set: no path would be valid for any policy of it.
    #[error(
        "the initial policy set is empty: give at least one policy, or 2.5.29.32.0 (anyPolicy)"
    )]
    EmptyInitialPolicySet,

    /// rustls refused to build a `ServerConfig`.
    #[error("TLS configuration: {source}")]
    TlsConfig {
        /// What rustls said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

/// Why `HostTrust` refuses a hostname pattern ([`VerifyError::BadHostPattern`]).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostPatternProblem {
    /// Nothing but a dot, or nothing at all.
    #[error("empty name")]
    EmptyName,
    /// Longer than a DNS name may be.
    #[error("longer than {max} characters")]
    NameTooLong {
        /// The most a name may have.
        max: usize,
    },
    /// Two dots in a row, or a leading one.
    #[error("empty label")]
    EmptyLabel,
    /// A label longer than DNS allows.
    #[error("label {label:?} longer than {max} octets")]
    LabelTooLong {
        /// The label.
        label: String,
        /// The most a label may have.
        max: usize,
    },
    /// `*` anywhere but as the whole leftmost label.
    #[error("`*` is allowed only as the whole leftmost label")]
    MisplacedWildcard,
    /// A character DNS does not allow in a hostname.
    #[error(
        "character {character:?} is not allowed in a hostname (give internationalised \
         names as A-labels, `xn--...`)"
    )]
    CharacterNotAllowed {
        /// The character.
        character: char,
    },
    /// `*` alone: it would match every name.
    #[error("a bare `*` would match every name: use `with_default` for that")]
    BareWildcard,
    /// `*.tld`: a wildcard must leave at least two labels after it.
    #[error(
        "a wildcard covers one label under a name of at least two labels \
         (`*.example.com`), not a bare `*` or `*.tld`"
    )]
    WildcardOverTld,
    /// The same pattern twice.
    #[error("given twice (names are compared without case and trailing dot)")]
    Duplicate,
}

/// What a well-formed CRL uses that the store does not accept.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CrlProblem {
    /// A v1 CRL: without extensions it has no CRL Number, so the newest cannot be told.
    #[error("v1 CRLs (without extensions) are not accepted")]
    Version1,
    /// The tbsCertList's signature algorithm differs from the outer one (RFC 5280 5.1.2.2).
    #[error("the signature algorithm inside differs from the one outside")]
    AlgorithmMismatch,
    /// No cRLNumber (RFC 5280 5.2.3 requires one).
    #[error("no CRL Number (RFC 5280 5.2.3 requires one)")]
    NoCrlNumber,
    /// A delta CRL whose BaseCRLNumber is not below its own CRL Number (RFC 5280 5.2.4).
    #[error("a delta CRL's base CRL Number must be below its own")]
    DeltaNotAfterBase,
    /// An entry with a certificateIssuer in a CRL that is not indirect (RFC 5280 5.3.3:
    /// only an issuingDistributionPoint with indirectCRL allows it).
    #[error("an entry names its certificate issuer in a CRL that is not indirect")]
    Indirect,
    /// An issuingDistributionPoint whose onlySomeReasons names no reason: it would cover
    /// nothing.
    #[error("onlySomeReasons names no reason: the CRL would cover nothing")]
    NoReasons,
    /// An issuingDistributionPoint with onlyContainsAttributeCerts.
    #[error("CRLs of attribute certificates cover no public-key certificate")]
    AttributeCertificatesOnly,
    /// An issuingDistributionPoint naming its point relative to the issuer.
    #[error("distribution points named relative to the CRL issuer are not supported")]
    RelativeDistributionPoint,
    /// A critical CRL extension certgate does not know.
    #[error("unsupported critical extension {oid}")]
    UnknownCriticalExtension {
        /// Its dotted OID.
        oid: String,
    },
    /// A critical CRL entry extension certgate does not know.
    #[error("unsupported critical entry extension {oid}")]
    UnknownCriticalEntryExtension {
        /// Its dotted OID.
        oid: String,
    },
}

/// Why a CRL's issuer or signature is not accepted.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CrlIssuerProblem {
    /// No trusted or configured certificate has its issuer's name (and key id).
    #[error("no trusted or configured certificate issued it")]
    NotIssuedByKnownCertificate,
    /// The issuer's keyUsage lacks cRLSign.
    #[error("the issuer's keyUsage lacks cRLSign")]
    NoCrlSign,
    /// The signature does not verify with the issuer's key.
    #[error("the signature does not verify with the issuer's key")]
    BadSignature,
}
