//! Small X.509 building blocks shared by certificates, requests and CRLs:
//! times, names, key identifiers and extensions.

use const_oid::AssociatedOid;
use const_oid::db::rfc4519::{
    COMMON_NAME, COUNTRY_NAME, LOCALITY_NAME, ORGANIZATION_NAME, ORGANIZATIONAL_UNIT_NAME,
    SERIAL_NUMBER, ST,
};
use der::asn1::{GeneralizedTime, Ia5String, OctetString, UtcTime};
use der::{Any, DateTime, Encode, Tag};
use sha1::{Digest, Sha1};
use time::OffsetDateTime;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::time::Time;

use crate::cfssl::{IpNet, SanEntry};
use crate::{CaError, NameProblem};

/// Converts to an X.509 `Time`: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5).
pub(crate) fn x509_time(t: OffsetDateTime) -> Result<Time, CaError> {
    let secs =
        u64::try_from(t.unix_timestamp()).map_err(|e| CaError::encoding("time before 1970", e))?;
    let dt = DateTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(|e| CaError::encoding("time", e))?;
    if dt.year() < 2050 {
        UtcTime::from_date_time(dt)
            .map(Time::UtcTime)
            .map_err(|e| CaError::encoding("time", e))
    } else {
        Ok(Time::GeneralTime(GeneralizedTime::from_date_time(dt)))
    }
}

/// Converts certgate-x509's `Timestamp` to an `OffsetDateTime` (X.509 times, years 0000
/// to 9999, all fit).
pub(crate) fn offset_time(t: certgate_x509::Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.unix_seconds()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A subject name built in cfssl's attribute order: C, ST, L, O, OU, CN, serialNumber.
///
/// Each value is its own RDN, so several OUs stay several OUs. C and serialNumber are
/// PrintableString (RFC 5280 Appendix A), every other attribute UTF8String.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubjectName {
    /// Countries (two letters each).
    pub country: Vec<String>,
    /// States or provinces.
    pub state: Vec<String>,
    /// Localities.
    pub locality: Vec<String>,
    /// Organizations.
    pub organization: Vec<String>,
    /// Organizational units.
    pub organizational_unit: Vec<String>,
    /// The common name (none when empty).
    pub common_name: String,
    /// The subject serialNumber attribute (none when empty).
    pub serial_number: String,
}

impl SubjectName {
    /// A name with only a common name.
    pub fn with_common_name(cn: impl Into<String>) -> Self {
        Self {
            common_name: cn.into(),
            ..Self::default()
        }
    }

    /// The subject of cfssl's CSR JSON: every `names[]` entry in turn, then CN.
    pub fn from_csr_json(csr: &crate::cfssl::CsrJson) -> Self {
        let mut name = Self::default();
        for n in &csr.names {
            let push = |v: &Option<String>, into: &mut Vec<String>| {
                if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                    into.push(v.clone());
                }
            };
            push(&n.country, &mut name.country);
            push(&n.state, &mut name.state);
            push(&n.locality, &mut name.locality);
            push(&n.organization, &mut name.organization);
            push(&n.organizational_unit, &mut name.organizational_unit);
        }
        name.common_name = csr.common_name.clone();
        name.serial_number = csr.serial_number.clone().unwrap_or_default();
        name
    }

    /// Encodes the name.
    ///
    /// # Errors
    /// [`CaError::InvalidName`] when a country is not two letters or the
    /// serialNumber is not a PrintableString.
    pub(crate) fn to_name(&self) -> Result<Name, CaError> {
        let mut rdns = RdnSequence::default();
        for c in &self.country {
            if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(CaError::InvalidName {
                    attribute: "country",
                    value: c.clone(),
                    problem: NameProblem::NotTwoLetterCountry,
                });
            }
            push_rdn(&mut rdns, COUNTRY_NAME, Tag::PrintableString, c)?;
        }
        for (oid, values) in [
            (ST, &self.state),
            (LOCALITY_NAME, &self.locality),
            (ORGANIZATION_NAME, &self.organization),
            (ORGANIZATIONAL_UNIT_NAME, &self.organizational_unit),
        ] {
            for v in values {
                push_rdn(&mut rdns, oid, Tag::Utf8String, v)?;
            }
        }
        if !self.common_name.is_empty() {
            push_rdn(&mut rdns, COMMON_NAME, Tag::Utf8String, &self.common_name)?;
        }
        if !self.serial_number.is_empty() {
            if der::asn1::PrintableStringRef::new(&self.serial_number).is_err() {
                return Err(CaError::InvalidName {
                    attribute: "serialnumber",
                    value: self.serial_number.clone(),
                    problem: NameProblem::NotPrintable,
                });
            }
            push_rdn(
                &mut rdns,
                SERIAL_NUMBER,
                Tag::PrintableString,
                &self.serial_number,
            )?;
        }
        // Every attribute above is one RFC 5280 allows, with the string type it asks for.
        Ok(Name::hazmat_from_rdn_sequence(rdns))
    }
}

fn push_rdn(
    rdns: &mut RdnSequence,
    oid: const_oid::ObjectIdentifier,
    tag: Tag,
    value: &str,
) -> Result<(), CaError> {
    let value =
        Any::new(tag, value.as_bytes()).map_err(|e| CaError::encoding("subject name", e))?;
    let mut rdn = RelativeDistinguishedName::default();
    rdn.insert(AttributeTypeAndValue { oid, value })
        .map_err(|e| CaError::encoding("subject name", e))?;
    rdns.push(rdn);
    Ok(())
}

/// cfssl's key identifier: the SHA-1 of the subjectPublicKey BIT STRING's bytes
/// (RFC 5280 4.2.1.2, method 1).
pub(crate) fn key_identifier(spki_der: &[u8]) -> Result<Vec<u8>, CaError> {
    use der::Decode;
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| CaError::encoding("subject public key info", e))?;
    Ok(Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec())
}

/// Wraps an extension value.
pub(crate) fn extension<T: AssociatedOid + Encode>(
    value: &T,
    critical: bool,
) -> Result<Extension, CaError> {
    let der = value
        .to_der()
        .map_err(|e| CaError::encoding("certificate extension", e))?;
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(der)
            .map_err(|e| CaError::encoding("certificate extension", e))?,
    })
}

/// Wraps an extension value that is already DER (for extensions x509-cert has no type
/// for, or gives the wrong OID).
pub(crate) fn raw_extension(
    extn_id: const_oid::ObjectIdentifier,
    critical: bool,
    der: Vec<u8>,
) -> Result<Extension, CaError> {
    Ok(Extension {
        extn_id,
        critical,
        extn_value: OctetString::new(der)
            .map_err(|e| CaError::encoding("certificate extension", e))?,
    })
}

fn ia5(attribute: &'static str, value: &str) -> Result<Ia5String, CaError> {
    Ia5String::new(value).map_err(|_| CaError::InvalidName {
        attribute,
        value: value.to_owned(),
        problem: NameProblem::NotAscii,
    })
}

/// A subjectAltName entry for a classified host.
pub(crate) fn general_name(host: &SanEntry) -> Result<GeneralName, CaError> {
    Ok(match host {
        SanEntry::Dns(d) => GeneralName::DnsName(ia5("DNS name", d)?),
        SanEntry::Ip(ip) => GeneralName::from(*ip),
        SanEntry::Email(e) => GeneralName::Rfc822Name(ia5("email address", e)?),
        SanEntry::Uri(u) => GeneralName::UniformResourceIdentifier(ia5("URI", u)?),
        other => {
            return Err(CaError::InvalidName {
                attribute: "subjectAltName",
                value: other.to_string(),
                problem: NameProblem::UnsupportedKind,
            });
        }
    })
}

/// A URI general name.
pub(crate) fn uri_name(uri: &str) -> Result<GeneralName, CaError> {
    Ok(GeneralName::UniformResourceIdentifier(ia5("URI", uri)?))
}

/// A name constraint's iPAddress: the address followed by its mask (RFC 5280 4.2.1.10).
pub(crate) fn ip_subtree(net: &IpNet) -> Result<GeneralName, CaError> {
    Ok(GeneralName::IpAddress(
        OctetString::new(net.to_constraint())
            .map_err(|e| CaError::encoding("name constraint", e))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;

    #[test]
    fn ip_subtree_masks() {
        let net = crate::cfssl::parse_ip_net("10.1.0.0/16").unwrap();
        let GeneralName::IpAddress(o) = ip_subtree(&net).unwrap() else {
            panic!("not an IP")
        };
        assert_eq!(o.as_bytes(), [10, 1, 0, 0, 255, 255, 0, 0]);
    }

    #[test]
    fn subject_order_and_string_types() {
        let mut s = SubjectName::with_common_name("Rhea Group");
        s.country.push("PT".into());
        s.organizational_unit = vec!["A".into(), "B".into()];
        s.locality.push("Lisboa".into());
        let name = s.to_name().unwrap();
        assert_eq!(name.to_string(), "CN=Rhea Group,OU=B,OU=A,L=Lisboa,C=PT");
        let der = name.to_der().unwrap();
        // C=PT as PrintableString (tag 0x13).
        assert!(der.windows(4).any(|w| w == [0x13, 2, b'P', b'T']));
        s.country = vec!["Portugal".into()];
        assert!(s.to_name().is_err());
    }
}
