//! The policy extensions of an issued certificate (RFC 5280 4.2.1.4, 4.2.1.5, 4.2.1.11,
//! 4.2.1.14), from its profile.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{ID_CE_INHIBIT_ANY_POLICY, ID_QT_CPS, ID_QT_UNOTICE};
use der::asn1::Ia5String;
use der::{Any, Encode};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::certpolicy::{
    CertificatePolicies, DisplayText, PolicyInformation, PolicyQualifierInfo, UserNotice,
};
use x509_cert::ext::pkix::constraints::PolicyConstraints;
use x509_cert::ext::pkix::{PolicyMapping, PolicyMappings};

use crate::CaError;
use crate::cfssl::{PolicyQualifier, PolicySpec, SigningProfile};
use crate::x509::{extension, raw_extension};

/// certificatePolicies (non-critical) and, on CAs, policyMappings, policyConstraints and
/// inhibitAnyPolicy (all critical, RFC 5280 4.2.1.5, 4.2.1.11, 4.2.1.14).
pub(crate) fn policy_extensions(profile: &SigningProfile) -> Result<Vec<Extension>, CaError> {
    let mut exts = Vec::new();
    if !profile.policies.is_empty() {
        let policies = profile
            .policies
            .iter()
            .map(policy_information)
            .collect::<Result<Vec<_>, _>>()?;
        exts.push(extension(&CertificatePolicies(policies), false)?);
    }
    if !profile.ca_constraint.is_ca {
        return Ok(exts);
    }
    if !profile.policy_mappings.is_empty() {
        let mappings = profile
            .policy_mappings
            .iter()
            .map(|m| {
                Ok(PolicyMapping {
                    issuer_domain_policy: oid(&m.issuer_domain)?,
                    subject_domain_policy: oid(&m.subject_domain)?,
                })
            })
            .collect::<Result<Vec<_>, CaError>>()?;
        exts.push(extension(&PolicyMappings(mappings), true)?);
    }
    if let Some(pc) = profile.policy_constraints {
        let pc = PolicyConstraints {
            require_explicit_policy: pc.require_explicit_policy,
            inhibit_policy_mapping: pc.inhibit_policy_mapping,
        };
        exts.push(extension(&pc, true)?);
    }
    if let Some(skip) = profile.inhibit_any_policy {
        // InhibitAnyPolicy ::= SkipCerts ::= INTEGER (0..MAX); x509-cert has no type for it.
        let der = skip.to_der().map_err(|e| enc(&e))?;
        exts.push(raw_extension(ID_CE_INHIBIT_ANY_POLICY, true, der)?);
    }
    Ok(exts)
}

fn enc(e: &der::Error) -> CaError {
    CaError::encoding("certificate policies", *e)
}

/// A dotted OID the profile reader already checked.
fn oid(dotted: &str) -> Result<ObjectIdentifier, CaError> {
    ObjectIdentifier::new(dotted).map_err(|e| CaError::encoding("certificate policies", e))
}

fn policy_information(p: &PolicySpec) -> Result<PolicyInformation, CaError> {
    let qualifiers = p
        .qualifiers
        .iter()
        .map(|q| {
            Ok(match q {
                PolicyQualifier::CpsUri(uri) => PolicyQualifierInfo {
                    policy_qualifier_id: ID_QT_CPS,
                    qualifier: Some(
                        Any::encode_from(&Ia5String::new(uri).map_err(|e| enc(&e))?)
                            .map_err(|e| enc(&e))?,
                    ),
                },
                PolicyQualifier::UserNotice(text) => PolicyQualifierInfo {
                    policy_qualifier_id: ID_QT_UNOTICE,
                    qualifier: Some(
                        Any::encode_from(&UserNotice {
                            notice_ref: None,
                            explicit_text: Some(DisplayText::Utf8String(text.clone())),
                        })
                        .map_err(|e| enc(&e))?,
                    ),
                },
            })
        })
        .collect::<Result<Vec<_>, CaError>>()?;
    Ok(PolicyInformation {
        policy_identifier: oid(&p.id)?,
        policy_qualifiers: (!qualifiers.is_empty()).then_some(qualifiers),
    })
}
