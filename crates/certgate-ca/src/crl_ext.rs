//! The CRL and CRL-entry extensions beyond CRL Number and AKI: issuingDistributionPoint,
//! deltaCRLIndicator (RFC 5280 5.2.4, 5.2.5) and certificateIssuer (5.3.3); freshestCRL
//! is `extensions::freshest_crl`, shared with certificates.

use const_oid::db::rfc5280::{ID_CE_CERTIFICATE_ISSUER, ID_CE_ISSUING_DISTRIBUTION_POINT};
use der::Encode;
use der::asn1::Uint;
use der::flagset::FlagSet;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::BaseCrlNumber;
use x509_cert::ext::pkix::crl::dp::{IssuingDistributionPoint as IdpDer, Reasons};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::name::Name;

use crate::x509::{extension, raw_extension, uri_name};
use crate::{CaError, CrlProblem, RevocationReason};

/// The scope of a CRL: its issuingDistributionPoint extension (RFC 5280 5.2.5),
/// always critical.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IssuingDistributionPoint {
    /// Where this CRL is published (the distributionPoint's fullName); none leaves the
    /// name out.
    pub uris: Vec<String>,
    /// onlyContainsUserCerts: the CRL covers end-entity certificates only.
    pub only_user_certs: bool,
    /// onlyContainsCACerts: the CRL covers CA certificates only.
    pub only_ca_certs: bool,
    /// onlySomeReasons: the CRL lists revocations for these reasons only (none: all).
    pub only_some_reasons: Vec<RevocationReason>,
    /// indirectCRL: entries may name another issuer (certificateIssuer).
    pub indirect_crl: bool,
}

fn encoding(e: der::Error) -> CaError {
    CaError::encoding("CRL extension", e)
}

/// The ReasonFlags bit of a reason code; unspecified and removeFromCRL have none.
fn reason_flag(reason: RevocationReason) -> Result<Reasons, CaError> {
    Ok(match reason {
        RevocationReason::KeyCompromise => Reasons::KeyCompromise,
        RevocationReason::CaCompromise => Reasons::CaCompromise,
        RevocationReason::AffiliationChanged => Reasons::AffiliationChanged,
        RevocationReason::Superseded => Reasons::Superseded,
        RevocationReason::CessationOfOperation => Reasons::CessationOfOperation,
        RevocationReason::CertificateHold => Reasons::CertificateHold,
        RevocationReason::PrivilegeWithdrawn => Reasons::PrivilegeWithdrawn,
        RevocationReason::AaCompromise => Reasons::AaCompromise,
        other => {
            return Err(CaError::InvalidCrl {
                problem: CrlProblem::NotAReasonFlag { reason: other },
                source: None,
            });
        }
    })
}

impl IssuingDistributionPoint {
    /// The extension, critical. x509-cert 0.3 gives its type the OID of
    /// subjectInfoAccess, so the OID is set here.
    pub(crate) fn extension(&self) -> Result<Extension, CaError> {
        if self.only_user_certs && self.only_ca_certs {
            return Err(CaError::InvalidCrl {
                problem: CrlProblem::ConflictingScope,
                source: None,
            });
        }
        let mut reasons = FlagSet::<Reasons>::default();
        for r in &self.only_some_reasons {
            reasons |= reason_flag(*r)?;
        }
        let names = self
            .uris
            .iter()
            .map(|u| uri_name(u))
            .collect::<Result<Vec<_>, _>>()?;
        let idp = IdpDer {
            distribution_point: (!names.is_empty())
                .then_some(DistributionPointName::FullName(names)),
            only_contains_user_certs: self.only_user_certs,
            only_contains_ca_certs: self.only_ca_certs,
            only_some_reasons: (!self.only_some_reasons.is_empty()).then_some(reasons),
            indirect_crl: self.indirect_crl,
            only_contains_attribute_certs: false,
        };
        let der = idp.to_der().map_err(encoding)?;
        raw_extension(ID_CE_ISSUING_DISTRIBUTION_POINT, true, der)
    }
}

/// deltaCRLIndicator (critical): the number of the base CRL this delta updates.
pub(crate) fn delta_indicator(base: u64) -> Result<Extension, CaError> {
    let n = Uint::new(&base.to_be_bytes()).map_err(encoding)?;
    extension(&BaseCrlNumber(n), true)
}

/// The DER of a certificateIssuer entry extension (critical) naming `issuer`.
pub(crate) fn certificate_issuer(issuer: &Name) -> Result<Vec<u8>, CaError> {
    let names = vec![GeneralName::DirectoryName(issuer.clone())];
    let der = names.to_der().map_err(encoding)?;
    raw_extension(ID_CE_CERTIFICATE_ISSUER, true, der)?
        .to_der()
        .map_err(encoding)
}
