//! The extensions of an issued certificate, from its profile and its key.

use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::constraints::name::{GeneralSubtree, NameConstraints};
use x509_cert::ext::pkix::crl::FreshestCrl;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, ExtendedKeyUsage as EkuExt, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};

use crate::cfssl::{KeyUsageBit, NameConstraintsSpec, SanEntry, SigningProfile};
use crate::issue::CertParams;
use crate::x509::{extension, general_name, ip_subtree, key_identifier, uri_name};
use crate::{CaError, ConfigProblem, KeySpec};

/// keyUsage (critical), extendedKeyUsage, basicConstraints (critical), SKI, AKI, SAN,
/// authorityInfoAccess, CRL distribution points and, on CAs, name constraints (critical).
pub(crate) fn extensions(
    params: &CertParams<'_>,
    issuer_key_id: &[u8],
) -> Result<Vec<Extension>, CaError> {
    let profile = params.profile;
    let is_ca = profile.ca_constraint.is_ca;
    let mut bits = profile.key_usage.clone();
    if is_ca {
        bits.insert(KeyUsageBit::KeyCertSign);
        bits.insert(KeyUsageBit::CrlSign);
    } else if bits.contains(&KeyUsageBit::KeyCertSign) {
        return Err(CaError::config(
            "signing profile",
            format!("{}.usages", profile.name),
            ConfigProblem::CertSignOnLeaf,
        ));
    }
    if !matches!(params.key_spec, KeySpec::Rsa(_)) {
        // EC and Ed25519 keys cannot encrypt a key; cfssl sets the bit anyway.
        bits.remove(&KeyUsageBit::KeyEncipherment);
    }
    if bits.is_empty() && profile.ext_key_usage.is_empty() {
        return Err(CaError::config(
            "signing profile",
            format!("{}.usages", profile.name),
            ConfigProblem::NoKeyUsage,
        ));
    }
    let mut exts = Vec::new();
    if !bits.is_empty() {
        let flags = bits.iter().fold(0u16, |acc, b| acc | (1u16 << b.bit()));
        let ku = KeyUsage(der::flagset::FlagSet::<KeyUsages>::new_truncated(flags));
        exts.push(extension(&ku, true)?);
    }
    if !profile.ext_key_usage.is_empty() {
        let ekus = EkuExt(
            profile
                .ext_key_usage
                .iter()
                .filter_map(|e| ObjectIdentifier::from_bytes(e.oid()).ok())
                .collect(),
        );
        exts.push(extension(&ekus, false)?);
    }
    let bc = BasicConstraints {
        ca: is_ca,
        path_len_constraint: params.path_len,
    };
    exts.push(extension(&bc, true)?);
    let ski = key_identifier(&params.public_key)?;
    exts.push(extension(&SubjectKeyIdentifier(octets(&ski)?), false)?);
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(octets(issuer_key_id)?),
        ..Default::default()
    };
    exts.push(extension(&aki, false)?);
    if !params.hosts.is_empty() {
        let names = params
            .hosts
            .iter()
            .map(general_name)
            .collect::<Result<Vec<_>, _>>()?;
        // RFC 5280 4.2.1.6: the SAN is critical when the subject is empty.
        exts.push(extension(
            &SubjectAltName(names),
            params.subject.is_empty(),
        )?);
    }
    exts.extend(location_extensions(profile)?);
    if let Some(nc) = profile.name_constraints.as_ref().filter(|_| is_ca) {
        exts.push(extension(&name_constraints(nc)?, true)?);
    }
    exts.extend(crate::policy_ext::policy_extensions(profile)?);
    Ok(exts)
}

/// authorityInfoAccess (OCSP, CA issuers) and CRL distribution points, from the profile's URLs.
fn location_extensions(profile: &SigningProfile) -> Result<Vec<Extension>, CaError> {
    let mut exts = Vec::new();
    let mut access = Vec::new();
    if let Some(ocsp) = &profile.ocsp_url {
        access.push(AccessDescription {
            access_method: const_oid::db::rfc5280::ID_AD_OCSP,
            access_location: uri_name(ocsp)?,
        });
    }
    for url in &profile.issuer_urls {
        access.push(AccessDescription {
            access_method: const_oid::db::rfc5280::ID_AD_CA_ISSUERS,
            access_location: uri_name(url)?,
        });
    }
    if !access.is_empty() {
        exts.push(extension(&AuthorityInfoAccessSyntax(access), false)?);
    }
    let crl_urls: Vec<&str> = profile
        .crl_url
        .iter()
        .chain(&profile.crl_urls)
        .map(String::as_str)
        .collect();
    if !crl_urls.is_empty() {
        exts.push(extension(
            &CrlDistributionPoints(vec![distribution_point(&crl_urls)?]),
            false,
        )?);
    }
    if let Some(url) = &profile.freshest_crl_url {
        exts.push(freshest_crl(url)?);
    }
    Ok(exts)
}

/// freshestCRL (non-critical, RFC 5280 4.2.1.15 and 5.2.6): where delta CRLs are
/// published; the same extension in a certificate and in a complete CRL.
pub(crate) fn freshest_crl(uri: &str) -> Result<Extension, CaError> {
    extension(&FreshestCrl(vec![distribution_point(&[uri])?]), false)
}

/// A DistributionPoint whose fullName is these URIs, no reasons, no cRLIssuer.
fn distribution_point(urls: &[&str]) -> Result<DistributionPoint, CaError> {
    let names = urls
        .iter()
        .map(|u| uri_name(u))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(names)),
        reasons: None,
        crl_issuer: None,
    })
}

fn octets(bytes: &[u8]) -> Result<OctetString, CaError> {
    OctetString::new(bytes).map_err(|e| CaError::encoding("key identifier", e))
}

fn name_constraints(spec: &NameConstraintsSpec) -> Result<NameConstraints, CaError> {
    let subtrees = |dns: &[String],
                    email: &[String],
                    ip: &[crate::cfssl::IpNet],
                    dn: &[crate::SubjectName],
                    uri: &[String]| {
        let mut out = Vec::new();
        for name in dn {
            out.push(GeneralName::DirectoryName(name.to_name()?));
        }
        for u in uri {
            out.push(uri_name(u)?);
        }
        for d in dns {
            out.push(general_name(&SanEntry::Dns(d.clone()))?);
        }
        for e in email {
            out.push(GeneralName::Rfc822Name(
                der::asn1::Ia5String::new(e)
                    .map_err(|err| CaError::encoding("name constraint", err))?,
            ));
        }
        for net in ip {
            out.push(ip_subtree(net)?);
        }
        let out: Vec<GeneralSubtree> = out
            .into_iter()
            .map(|base| GeneralSubtree {
                base,
                minimum: 0,
                maximum: None,
            })
            .collect();
        Ok::<_, CaError>((!out.is_empty()).then_some(out))
    };
    let constraints = NameConstraints {
        permitted_subtrees: subtrees(
            &spec.permitted_dns,
            &spec.permitted_email,
            &spec.permitted_ip,
            &spec.permitted_dn,
            &spec.permitted_uri,
        )?,
        excluded_subtrees: subtrees(
            &spec.excluded_dns,
            &spec.excluded_email,
            &spec.excluded_ip,
            &spec.excluded_dn,
            &spec.excluded_uri,
        )?,
    };
    if constraints.permitted_subtrees.is_none() && constraints.excluded_subtrees.is_none() {
        return Err(CaError::config(
            "signing profile",
            "name_constraints",
            ConfigProblem::EmptyNameConstraints,
        ));
    }
    Ok(constraints)
}
