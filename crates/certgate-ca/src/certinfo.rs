//! `certinfo`: what `cfssl certinfo` prints about a certificate, in the same JSON shape.

use std::path::Path;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc4519::{
    COMMON_NAME, COUNTRY_NAME, LOCALITY_NAME, ORGANIZATION_NAME, ORGANIZATIONAL_UNIT_NAME, ST,
};
use der::Decode;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectAltName, SubjectKeyIdentifier};
use x509_cert::name::Name;

use crate::x509::{colon_hex, offset_time};
use crate::{CaError, CertificateProblem, pem};

/// A subject or issuer as cfssl prints it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NameInfo {
    /// CN.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub common_name: String,
    /// C.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub country: String,
    /// O.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub organization: String,
    /// OU.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub organizational_unit: String,
    /// L.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub locality: String,
    /// ST.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub province: String,
    /// Every attribute value in the order the name holds them.
    pub names: Vec<String>,
}

/// The fields `cfssl certinfo` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// The subject.
    pub subject: NameInfo,
    /// The issuer.
    pub issuer: NameInfo,
    /// The serial number in decimal, as cfssl prints it.
    pub serial_number: String,
    /// The subjectAltNames (DNS names, IPs, emails, URIs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sans: Vec<String>,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// The signature algorithm in Go's spelling (`SHA256WithRSA`, `ECDSAWithSHA384`).
    pub sigalg: String,
    /// The AKI as colon-separated hex.
    pub authority_key_id: String,
    /// The SKI as colon-separated hex.
    pub subject_key_id: String,
    /// The certificate as PEM.
    pub pem: String,
}

impl CertificateInfo {
    /// Reads the fields of a DER certificate.
    ///
    /// # Errors
    /// [`CaError::Certificate`] when it does not parse.
    pub fn from_der(der: &[u8], origin: &str) -> Result<Self, CaError> {
        let bad = |problem, e: der::Error| CaError::Certificate {
            origin: origin.to_owned(),
            problem,
            source: Some(Box::new(e)),
        };
        let cert =
            Certificate::from_der(der).map_err(|e| bad(CertificateProblem::MalformedDer, e))?;
        let tbs = cert.tbs_certificate();
        let sans = match tbs.get_extension::<SubjectAltName>() {
            Ok(Some((_, san))) => san.0.iter().filter_map(san_string).collect(),
            Ok(None) => Vec::new(),
            Err(e) => {
                let extension = "subjectAltName";
                return Err(bad(CertificateProblem::MalformedExtension { extension }, e));
            }
        };
        let ski = match tbs.get_extension::<SubjectKeyIdentifier>() {
            Ok(Some((_, ski))) => colon_hex(ski.0.as_bytes()),
            _ => String::new(),
        };
        let aki = match tbs.get_extension::<AuthorityKeyIdentifier>() {
            Ok(Some((_, aki))) => aki
                .key_identifier
                .map(|k| colon_hex(k.as_bytes()))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let time = |t| offset_time(t).format(&Rfc3339).unwrap_or_default();
        Ok(Self {
            subject: name_info(tbs.subject()),
            issuer: name_info(tbs.issuer()),
            serial_number: decimal(tbs.serial_number().as_bytes()),
            sans,
            not_before: time(&tbs.validity().not_before),
            not_after: time(&tbs.validity().not_after),
            sigalg: sigalg_name(cert.signature_algorithm().oid),
            authority_key_id: aki,
            subject_key_id: ski,
            pem: pem::encode("CERTIFICATE", der),
        })
    }

    /// Reads the first certificate of PEM input.
    ///
    /// # Errors
    /// [`CaError::Pem`] when there is no certificate, else as [`CertificateInfo::from_der`].
    pub fn from_pem(input: &[u8], origin: &str) -> Result<Self, CaError> {
        let block = pem::find_block(input, origin, &["CERTIFICATE"])?;
        Self::from_der(&block.der, origin)
    }

    /// Reads a PEM certificate file.
    ///
    /// # Errors
    /// [`CaError::Io`] when the file cannot be read, else as [`CertificateInfo::from_pem`].
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, CaError> {
        let path = path.as_ref();
        let bytes = CaError::read_file(path)?;
        Self::from_pem(&bytes, &path.display().to_string())
    }

    /// The fields as pretty JSON, as `cfssl certinfo` prints them.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn name_info(name: &Name) -> NameInfo {
    let mut info = NameInfo::default();
    for atv in name.iter() {
        let value = atv_string(&atv.value);
        let slot = match atv.oid {
            o if o == COMMON_NAME => Some(&mut info.common_name),
            o if o == COUNTRY_NAME => Some(&mut info.country),
            o if o == ORGANIZATION_NAME => Some(&mut info.organization),
            o if o == ORGANIZATIONAL_UNIT_NAME => Some(&mut info.organizational_unit),
            o if o == LOCALITY_NAME => Some(&mut info.locality),
            o if o == ST => Some(&mut info.province),
            _ => None,
        };
        if let Some(slot) = slot.filter(|s| s.is_empty()) {
            slot.clone_from(&value);
        }
        info.names.push(value);
    }
    info
}

fn atv_string(value: &der::Any) -> String {
    String::from_utf8_lossy(value.value()).into_owned()
}

fn san_string(name: &GeneralName) -> Option<String> {
    Some(match name {
        GeneralName::DnsName(s) => s.to_string(),
        GeneralName::Rfc822Name(s) => s.to_string(),
        GeneralName::UniformResourceIdentifier(s) => s.to_string(),
        GeneralName::IpAddress(o) => match o.as_bytes().len() {
            4 => std::net::IpAddr::from(<[u8; 4]>::try_from(o.as_bytes()).ok()?).to_string(),
            16 => std::net::IpAddr::from(<[u8; 16]>::try_from(o.as_bytes()).ok()?).to_string(),
            _ => return None,
        },
        _ => return None,
    })
}

fn sigalg_name(oid: ObjectIdentifier) -> String {
    use const_oid::db::rfc5912::*;
    let known = [
        (SHA_1_WITH_RSA_ENCRYPTION, "SHA1WithRSA"),
        (SHA_256_WITH_RSA_ENCRYPTION, "SHA256WithRSA"),
        (SHA_384_WITH_RSA_ENCRYPTION, "SHA384WithRSA"),
        (SHA_512_WITH_RSA_ENCRYPTION, "SHA512WithRSA"),
        (ECDSA_WITH_SHA_256, "ECDSAWithSHA256"),
        (ECDSA_WITH_SHA_384, "ECDSAWithSHA384"),
        (ECDSA_WITH_SHA_512, "ECDSAWithSHA512"),
        (ObjectIdentifier::new_unwrap("1.3.101.112"), "Ed25519"),
    ];
    known
        .iter()
        .find(|(o, _)| *o == oid)
        .map_or_else(|| oid.to_string(), |(_, n)| (*n).to_owned())
}

/// Big-endian unsigned bytes in decimal.
pub(crate) fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0];
    for &byte in bytes {
        let mut carry = u32::from(byte);
        for d in digits.iter_mut() {
            let v = u32::from(*d) * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    digits
        .iter()
        .rev()
        .map(|d| char::from(b'0' + d))
        .collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_of_big_serials() {
        assert_eq!(decimal(&[0]), "0");
        assert_eq!(decimal(&[1, 0]), "256");
        assert_eq!(decimal(&[0xff; 9]), "4722366482869645213695");
    }
}
