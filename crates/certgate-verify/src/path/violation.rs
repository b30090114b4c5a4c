//! Why a certificate or a trust anchor is refused, as enums a caller can branch on: the
//! rule of RFC 5280 (or of the CA/Browser Forum's Baseline Requirements) a certificate on
//! the path breaks, why a trust anchor cannot be used, and the rarer failures.

use std::fmt;

use certgate_x509::Timestamp;

/// A rule a certificate on the path breaks.
///
/// Some rules are duties RFC 5280 puts on the CA that issued the certificate ("conforming
/// CAs MUST ..."), not on the relying party that verifies it: a verifier checks them only
/// in strict mode (see [`Rfc5280Violation::is_producer_side`] and `Rfc5280Rules`). The
/// others are checked always, because a relying party cannot verify the path soundly
/// without them.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rfc5280Violation {
    /// A field is not DER of the X.509 shape.
    Unreadable {
        /// The field being read (`tbsCertificate`, `validity`, `subjectPublicKeyInfo`, ...).
        field: &'static str,
        /// The parser's words, for people.
        detail: String,
    },
    /// An extension's value is not of its ASN.1 shape.
    MalformedExtension {
        /// The extension (`authorityInfoAccess`, `nameConstraints`, ...).
        extension: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The signature algorithm differs inside and outside tbsCertificate (4.1.1.2).
    SignatureAlgorithmMismatch,
    /// An empty issuer name (4.1.2.4): nothing to chain by.
    EmptyIssuer,
    /// A CA with an empty subject (4.1.2.6): nothing to chain by.
    CaWithEmptySubject,
    /// A CA whose keyUsage lacks keyCertSign (6.1.4 (n)).
    CaWithoutKeyCertSign,
    /// nameConstraints with neither permittedSubtrees nor excludedSubtrees, or with an
    /// empty list of subtrees (4.2.1.10).
    EmptyNameConstraints,
    /// A name-constraint subtree with minimum or maximum, which RFC 5280 does not use
    /// (4.2.1.10).
    SubtreeWithMinimumOrMaximum,
    /// A dNSName constraint that is not a host name.
    DnsConstraintNotHostName {
        /// The constraint as written.
        base: String,
    },
    /// A trust anchor whose RSA modulus is not a whole number of octets long.
    AnchorRsaModulusNotWholeOctets,
    /// More intermediates than the verifier allows.
    TooManyIntermediates {
        /// How many the path has (self-issued ones not counted).
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A name outside the name constraints of a CA above it (4.2.1.10): within none of
    /// that CA's permittedSubtrees of its form, or within one of its excludedSubtrees.
    NameOutsideConstraints {
        /// The name's form (`dNSName`, `rfc822Name`, `iPAddress`, ...).
        form: &'static str,
    },
    /// A name that cannot be compared with the name constraints of its form, which
    /// RFC 5280 4.2.1.10 says to refuse: a form certgate does not compare (otherName,
    /// x400Address, ediPartyName, registeredID), or a name not of its form's syntax (a
    /// URI without a host, an rfc822Name that is not `local@host`, an iPAddress that is
    /// not 4 or 16 octets ...).
    NameNotCheckable {
        /// The name's form.
        form: &'static str,
    },
    /// A CA's pathLenConstraint is exceeded (4.2.1.9).
    PathLenConstraint,
    /// A CA certificate in the end entity's place.
    CaUsedAsEndEntity,
    /// An end-entity certificate in a CA's place.
    EndEntityUsedAsCa,
    /// A critical extension the verifier does not know (4.2).
    UnsupportedCriticalExtension,
    /// A certificate that is not v3.
    UnsupportedVersion,
    /// An extendedKeyUsage extension that lists no purpose (4.2.1.12).
    EmptyExtendedKeyUsage,
    /// A validity whose notAfter is before its notBefore.
    InvalidValidity,
    /// An iPAddress name constraint whose mask is not a prefix.
    InvalidNetworkMask,
    /// A subjectAltName that is critical although the subject is not empty (4.2.1.6).
    CriticalSanWithSubject,
    /// A subjectAltName dNSName that is not a host name (4.2.1.6).
    DnsNameSyntax {
        /// The name as written.
        name: String,
    },
    /// A commonName holding an internationalized domain name not in A-label form
    /// (CA/Browser Forum BR 7.1.4.3).
    CommonNameNotALabel {
        /// The commonName.
        common_name: String,
    },
    /// No certificate policy is valid for the path although one is required, by
    /// initial-explicit-policy or a requireExplicitPolicy that has come due (RFC 5280
    /// 6.1.3 (f), 6.1.5 (g)).
    NoValidPolicy,
    /// A policyMappings that maps anyPolicy, or maps a policy to it (RFC 5280 6.1.4 (a)).
    PolicyMappingToOrFromAnyPolicy,
    /// A certificatePolicies or policyMappings longer than the verifier reads.
    TooManyPolicies {
        /// The extension.
        extension: &'static str,
        /// The most entries it may have.
        max: usize,
    },
    /// A path whose policy graph (RFC 9618) would grow past the verifier's bound.
    PolicyGraphTooLarge {
        /// The most nodes a path's graph may hold.
        max: usize,
    },
    /// A commonName naming a neighbour of the expected host that is not among the
    /// subjectAltName entries (CA/Browser Forum BR 7.1.4.3).
    CommonNameNotInSan {
        /// The commonName.
        common_name: String,
        /// The expected host.
        peer: String,
    },
    /// A commonName naming a subjectAltName entry that is not a character-for-character
    /// copy of it (CA/Browser Forum BR 7.1.4.3).
    CommonNameNotExactCopy {
        /// The commonName.
        common_name: String,
    },

    // Duties of the CA (checked in strict mode only).
    /// A negative serial number (4.1.2.2; relying parties should accept it).
    NegativeSerial,
    /// A serial number of zero or longer than 20 octets (4.1.2.2).
    SerialZeroOrTooLong,
    /// A critical authorityKeyIdentifier (4.2.1.1).
    CriticalAki,
    /// A critical subjectKeyIdentifier (4.2.1.2).
    CriticalSki,
    /// A critical authorityInfoAccess (4.2.2.1).
    CriticalAia,
    /// An empty subject without a critical subjectAltName (4.1.2.6).
    EmptySubjectWithoutCriticalSan,
    /// An authorityKeyIdentifier without keyIdentifier (4.2.1.1).
    AkiWithoutKeyIdentifier,
    /// No authorityKeyIdentifier in a certificate that is not self-issued (4.2.1.1).
    MissingAki,
    /// A CA without subjectKeyIdentifier (4.2.1.2).
    CaWithoutSki,
    /// A CA whose basicConstraints is not critical (4.2.1.9).
    NonCriticalBasicConstraints,
    /// nameConstraints not marked critical (4.2.1.10).
    NonCriticalNameConstraints,
    /// policyConstraints not marked critical (4.2.1.11).
    NonCriticalPolicyConstraints,
    /// keyCertSign on a certificate that is not a CA (4.2.1.3).
    KeyCertSignWithoutCa,
    /// nameConstraints on a certificate that is not a CA (4.2.1.10).
    NameConstraintsWithoutCa,
    /// A trust anchor's authorityKeyIdentifier names an issuer or serial (CA/Browser
    /// Forum BR 7.1.2.1.3).
    AnchorAkiNamesIssuer,
    /// A self-signed trust anchor whose authorityKeyIdentifier differs from its SKI.
    AnchorAkiMismatch,
    /// An end entity without extendedKeyUsage (CA/Browser Forum BR 7.1.2.7.6).
    EndEntityWithoutEku,
    /// anyExtendedKeyUsage in an end entity (CA/Browser Forum BR 7.1.2.7.6).
    AnyEkuInEndEntity,
    /// A critical extendedKeyUsage in an end entity (CA/Browser Forum BR 7.1.2.7.6).
    CriticalEkuInEndEntity,
    /// extendedKeyUsage in a trust anchor (CA/Browser Forum BR 7.1.2.1.2).
    EkuInAnchor,
    /// An end-entity key that is not RSA of at least 2048 bits (a multiple of 8), ECDSA
    /// on P-256, P-384 or P-521, or Ed25519 (CA/Browser Forum BR 6.1.5).
    WeakEndEntityKey,

    /// No detail given (what [`FailureReason::from_id`](crate::FailureReason::from_id)
    /// gives for `malformed`).
    Unspecified,
}

impl Rfc5280Violation {
    /// Whether the rule is a duty of the CA that issued the certificate rather than of
    /// the relying party: such rules are checked in strict mode only.
    pub fn is_producer_side(&self) -> bool {
        matches!(
            self,
            Self::NegativeSerial
                | Self::SerialZeroOrTooLong
                | Self::CriticalAki
                | Self::CriticalSki
                | Self::CriticalAia
                | Self::EmptySubjectWithoutCriticalSan
                | Self::AkiWithoutKeyIdentifier
                | Self::MissingAki
                | Self::CaWithoutSki
                | Self::NonCriticalBasicConstraints
                | Self::NonCriticalNameConstraints
                | Self::NonCriticalPolicyConstraints
                | Self::KeyCertSignWithoutCa
                | Self::NameConstraintsWithoutCa
                | Self::AnchorAkiNamesIssuer
                | Self::AnchorAkiMismatch
                | Self::EndEntityWithoutEku
                | Self::AnyEkuInEndEntity
                | Self::CriticalEkuInEndEntity
                | Self::EkuInAnchor
                | Self::WeakEndEntityKey
        )
    }

    /// The text of the rules that need no data.
    fn text(&self) -> Option<&'static str> {
        Some(match self {
            Self::SignatureAlgorithmMismatch => {
                "signature algorithm differs inside and outside tbsCertificate (RFC 5280 4.1.1.2)"
            }
            Self::EmptyIssuer => "empty issuer name (RFC 5280 4.1.2.4)",
            Self::CaWithEmptySubject => "CA with an empty subject (RFC 5280 4.1.2.6)",
            Self::CaWithoutKeyCertSign => "CA whose keyUsage lacks keyCertSign",
            Self::EmptyNameConstraints => {
                "nameConstraints: no permittedSubtrees or excludedSubtrees, or an empty list of subtrees"
            }
            Self::SubtreeWithMinimumOrMaximum => {
                "nameConstraints: a subtree with minimum or maximum"
            }
            Self::AnchorRsaModulusNotWholeOctets => {
                "RSA modulus length is not a multiple of 8 bits"
            }
            Self::PathLenConstraint => "a CA's pathLenConstraint is exceeded",
            Self::CaUsedAsEndEntity => "a CA certificate is used as the end entity",
            Self::EndEntityUsedAsCa => "an end-entity certificate is used as a CA",
            Self::UnsupportedCriticalExtension => "a critical extension that is not supported",
            Self::UnsupportedVersion => "a certificate that is not v3",
            Self::EmptyExtendedKeyUsage => "an extendedKeyUsage that lists no purpose",
            Self::InvalidValidity => "notAfter is before notBefore",
            Self::InvalidNetworkMask => "an iPAddress name constraint whose mask is not a prefix",
            Self::NoValidPolicy => {
                "a certificate policy is required and none is valid for the path (RFC 5280 6.1.5 (g))"
            }
            Self::PolicyMappingToOrFromAnyPolicy => {
                "policyMappings maps anyPolicy or maps a policy to it (RFC 5280 6.1.4 (a))"
            }
            Self::CriticalSanWithSubject => {
                "subjectAltName is critical although the subject is not empty (RFC 5280 4.2.1.6)"
            }
            Self::NegativeSerial => "serial number is negative (RFC 5280 4.1.2.2)",
            Self::SerialZeroOrTooLong => {
                "serial number is zero or longer than 20 octets (RFC 5280 4.1.2.2)"
            }
            Self::CriticalAki => "authorityKeyIdentifier is critical (RFC 5280 4.2.1.1)",
            Self::CriticalSki => "subjectKeyIdentifier is critical (RFC 5280 4.2.1.2)",
            Self::CriticalAia => "authorityInfoAccess is critical (RFC 5280 4.2.2.1)",
            Self::EmptySubjectWithoutCriticalSan => {
                "empty subject without a critical subjectAltName (RFC 5280 4.1.2.6)"
            }
            Self::AkiWithoutKeyIdentifier => {
                "authorityKeyIdentifier without keyIdentifier (RFC 5280 4.2.1.1)"
            }
            Self::MissingAki => "no authorityKeyIdentifier (RFC 5280 4.2.1.1)",
            Self::CaWithoutSki => "CA without subjectKeyIdentifier (RFC 5280 4.2.1.2)",
            Self::NonCriticalBasicConstraints => {
                "basicConstraints of a CA is not critical (RFC 5280 4.2.1.9)"
            }
            Self::NonCriticalNameConstraints => {
                "nameConstraints is not critical (RFC 5280 4.2.1.10)"
            }
            Self::NonCriticalPolicyConstraints => {
                "policyConstraints is not critical (RFC 5280 4.2.1.11)"
            }
            Self::KeyCertSignWithoutCa => "keyCertSign on a certificate that is not a CA",
            Self::NameConstraintsWithoutCa => "nameConstraints on a certificate that is not a CA",
            Self::AnchorAkiNamesIssuer => {
                "authorityKeyIdentifier of a trust anchor names an issuer or serial"
            }
            Self::AnchorAkiMismatch => {
                "authorityKeyIdentifier of a self-signed anchor differs from its SKI"
            }
            Self::EndEntityWithoutEku => "end entity without extendedKeyUsage (CABF BR 7.1.2.7.6)",
            Self::AnyEkuInEndEntity => "anyExtendedKeyUsage in an end entity (CABF BR 7.1.2.7.6)",
            Self::CriticalEkuInEndEntity => {
                "extendedKeyUsage of an end entity is critical (CABF BR 7.1.2.7.6)"
            }
            Self::EkuInAnchor => "extendedKeyUsage in a trust anchor (CABF BR 7.1.2.1.2)",
            Self::WeakEndEntityKey => {
                "end-entity key is not RSA of 2048 bits or more (a multiple of 8), ECDSA P-256, \
                 P-384 or P-521, or Ed25519 (CABF BR 6.1.5)"
            }
            Self::Unspecified => "no detail given",
            _ => return None,
        })
    }
}

impl fmt::Display for Rfc5280Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = self.text() {
            return f.write_str(text);
        }
        match self {
            Self::Unreadable { field, detail } => write!(f, "{field}: {detail}"),
            Self::MalformedExtension { extension, problem } => {
                write!(f, "{extension} is malformed: {problem}")
            }
            Self::DnsConstraintNotHostName { base } => {
                write!(
                    f,
                    "nameConstraints: dNSName constraint {base:?} is not a host name"
                )
            }
            Self::TooManyIntermediates { count, max } => {
                write!(
                    f,
                    "path has {count} intermediates, more than the {max} allowed"
                )
            }
            Self::TooManyPolicies { extension, max } => {
                write!(f, "{extension} lists more than the {max} entries allowed")
            }
            Self::PolicyGraphTooLarge { max } => write!(
                f,
                "the path's certificate policies need more than {max} policy graph nodes"
            ),
            Self::NameOutsideConstraints { form } => write!(
                f,
                "a {form} name is outside an issuer's name constraints (RFC 5280 4.2.1.10)"
            ),
            Self::NameNotCheckable { form } => write!(
                f,
                "a {form} name cannot be compared with an issuer's name constraints of its \
                 form (RFC 5280 4.2.1.10)"
            ),
            Self::DnsNameSyntax { name } => write!(
                f,
                "subjectAltName dNSName {name:?} is not a host name (RFC 5280 4.2.1.6)"
            ),
            Self::CommonNameNotALabel { common_name } => write!(
                f,
                "commonName {common_name:?} is an internationalized domain name not in A-label form"
            ),
            Self::CommonNameNotInSan { common_name, peer } => write!(
                f,
                "commonName {common_name:?} names a neighbour of {peer:?} and is not among the \
                 subjectAltName entries (CA/Browser Forum BR 7.1.4.3)"
            ),
            Self::CommonNameNotExactCopy { common_name } => write!(
                f,
                "commonName {common_name:?} names a subjectAltName entry but is not a \
                 character-for-character copy of it"
            ),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Why a trust anchor given as a certificate cannot be used.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnchorError {
    /// No anchor was given at all.
    NoAnchors,
    /// Not a CA: basicConstraints cA is not TRUE.
    NotCa,
    /// Past its notAfter at the check time.
    Expired {
        /// notAfter.
        not_after: Timestamp,
    },
    /// Before its notBefore at the check time.
    NotYetValid {
        /// notBefore.
        not_before: Timestamp,
    },
    /// A critical extension whose meaning we do not know.
    UnknownCriticalExtension {
        /// Its OID, dotted.
        oid: String,
    },
    /// It breaks a rule of RFC 5280.
    Violation(Rfc5280Violation),
}

impl fmt::Display for AnchorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAnchors => f.write_str("no trust anchors given"),
            Self::NotCa => f.write_str("not a CA (basicConstraints cA is not TRUE)"),
            Self::Expired { not_after } => write!(f, "expired on {not_after}"),
            Self::NotYetValid { not_before } => write!(f, "not valid before {not_before}"),
            Self::UnknownCriticalExtension { oid } => write!(f, "unknown critical extension {oid}"),
            Self::Violation(v) => v.fmt(f),
        }
    }
}

impl From<Rfc5280Violation> for AnchorError {
    fn from(v: Rfc5280Violation) -> Self {
        Self::Violation(v)
    }
}

/// Failures that are neither a property of the certificates nor of the trust settings.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherFailure {
    /// Path building gave up: too many candidate paths, signature checks or name
    /// comparisons (webpki's budgets against denial of service).
    PathBuildingBudget,
    /// No detail given (what [`FailureReason::from_id`](crate::FailureReason::from_id)
    /// gives for `other`).
    Unspecified,
}

impl fmt::Display for OtherFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PathBuildingBudget => {
                "path building gave up: too many candidate paths, signatures or name comparisons"
            }
            Self::Unspecified => "refused (no detail given)",
        })
    }
}

impl From<certgate_x509::X509Error> for Rfc5280Violation {
    fn from(err: certgate_x509::X509Error) -> Self {
        let field = match &err {
            certgate_x509::X509Error::Malformed { field, .. } => field,
            _ => "certificate",
        };
        Self::Unreadable {
            field,
            detail: err.to_string(),
        }
    }
}

impl From<crate::VerifyError> for Rfc5280Violation {
    fn from(err: crate::VerifyError) -> Self {
        match err {
            crate::VerifyError::MalformedCertificate(e) => Self::Unreadable {
                field: "certificate",
                detail: e.to_string(),
            },
            other => Self::Unreadable {
                field: "certificate",
                detail: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_certgate_x509_prints_them() {
        let expired = AnchorError::Expired {
            not_after: Timestamp::from_unix_seconds(1_796_009_962),
        };
        assert_eq!(expired.to_string(), "expired on 2026-11-30T03:39:22Z");
        // Before 1970 too (a u64 of seconds could not say it).
        let early = AnchorError::NotYetValid {
            not_before: Timestamp::from_unix_seconds(-1),
        };
        assert_eq!(early.to_string(), "not valid before 1969-12-31T23:59:59Z");
        let stale = crate::FailureReason::CrlExpired {
            next_update: Timestamp::from_unix_seconds(0),
        };
        assert_eq!(
            stale.to_string(),
            "the issuer's CRL expired: its nextUpdate was 1970-01-01T00:00:00Z"
        );
    }
}
