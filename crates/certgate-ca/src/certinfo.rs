//! `certinfo`: what `cfssl certinfo` prints about a certificate, in the same JSON shape,
//! rendered from certgate-x509's [`CertificateInfo`] (the one description of a
//! certificate every certgate crate shares).

use std::path::Path;

use certgate_x509::{CertificateInfo, NameView, hex, oid};
use serde::Serialize;

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

/// The fields `cfssl certinfo` prints, in its JSON shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CfsslCertInfo {
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

impl CfsslCertInfo {
    /// cfssl's view of a certificate already read.
    pub fn from_certificate(cert: &CertificateInfo) -> Self {
        Self {
            subject: name_info(&cert.subject()),
            issuer: name_info(&cert.issuer()),
            serial_number: cert.serial().to_decimal(),
            sans: cert.sans().iter().map(ToString::to_string).collect(),
            not_before: cert.not_before().to_string(),
            not_after: cert.not_after().to_string(),
            sigalg: sigalg_name(cert.signature_algorithm_oid()),
            authority_key_id: cert
                .authority_key_id()
                .map(hex::colon_upper)
                .unwrap_or_default(),
            subject_key_id: cert
                .subject_key_id()
                .map(hex::colon_upper)
                .unwrap_or_default(),
            pem: pem::encode("CERTIFICATE", cert.der()),
        }
    }

    /// Reads the fields of a DER certificate.
    ///
    /// # Errors
    /// [`CaError::Certificate`] when it is not DER of the X.509 shape.
    pub fn from_der(der: &[u8], origin: &str) -> Result<Self, CaError> {
        let cert = CertificateInfo::from_der(der).map_err(|e| CaError::Certificate {
            origin: origin.to_owned(),
            problem: CertificateProblem::MalformedDer,
            source: Some(Box::new(e)),
        })?;
        Ok(Self::from_certificate(&cert))
    }

    /// Reads the first certificate of PEM input.
    ///
    /// # Errors
    /// [`CaError::Pem`] when there is no certificate, else as [`CfsslCertInfo::from_der`].
    pub fn from_pem(input: &[u8], origin: &str) -> Result<Self, CaError> {
        let block = pem::find_block(input, origin, &["CERTIFICATE"])?;
        Self::from_der(&block.der, origin)
    }

    /// Reads a PEM certificate file.
    ///
    /// # Errors
    /// [`CaError::Io`] when the file cannot be read, else as [`CfsslCertInfo::from_pem`].
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

fn name_info(name: &NameView<'_>) -> NameInfo {
    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const C: &[u8] = &[0x55, 0x04, 0x06];
    const L: &[u8] = &[0x55, 0x04, 0x07];
    const ST: &[u8] = &[0x55, 0x04, 0x08];
    const O: &[u8] = &[0x55, 0x04, 0x0a];
    const OU: &[u8] = &[0x55, 0x04, 0x0b];
    let mut info = NameInfo::default();
    for atv in name.attributes() {
        let value = atv.text().map(|t| t.into_owned()).unwrap_or_default();
        let slot = match atv.oid {
            CN => Some(&mut info.common_name),
            C => Some(&mut info.country),
            O => Some(&mut info.organization),
            OU => Some(&mut info.organizational_unit),
            L => Some(&mut info.locality),
            ST => Some(&mut info.province),
            _ => None,
        };
        if let Some(slot) = slot.filter(|s| s.is_empty()) {
            slot.clone_from(&value);
        }
        info.names.push(value);
    }
    info
}

/// Go's name of a signature algorithm, as cfssl prints it; the dotted OID otherwise.
fn sigalg_name(alg: &[u8]) -> String {
    let known: [(&str, &str); 8] = [
        ("1.2.840.113549.1.1.5", "SHA1WithRSA"),
        ("1.2.840.113549.1.1.11", "SHA256WithRSA"),
        ("1.2.840.113549.1.1.12", "SHA384WithRSA"),
        ("1.2.840.113549.1.1.13", "SHA512WithRSA"),
        ("1.2.840.10045.4.3.2", "ECDSAWithSHA256"),
        ("1.2.840.10045.4.3.3", "ECDSAWithSHA384"),
        ("1.2.840.10045.4.3.4", "ECDSAWithSHA512"),
        ("1.3.101.112", "Ed25519"),
    ];
    let dotted = oid::dotted(alg).unwrap_or_default();
    known
        .iter()
        .find(|(o, _)| *o == dotted)
        .map_or(dotted, |(_, n)| (*n).to_owned())
}
