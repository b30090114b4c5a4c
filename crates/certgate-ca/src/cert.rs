//! A certificate read to be used as an issuer.

use std::path::Path;

use certgate_x509::{BasicConstraints, CertView, KeyUsageBit, Timestamp, X509Error};
use der::Decode;
use time::OffsetDateTime;
use x509_cert::name::Name;

use crate::error::BoxError;
use crate::pem;
use crate::x509::{key_identifier, offset_time};
use crate::{CaError, CertificateProblem, NotCaProblem};

/// Every `CERTIFICATE` block of PEM input, as DER (a chain file, a bundle of roots).
///
/// # Errors
/// [`CaError::Pem`] when there is none, [`CaError::Certificate`] when one is not a
/// certificate.
pub fn certificates_from_pem(input: &[u8], origin: &str) -> Result<Vec<Vec<u8>>, CaError> {
    let certs: Vec<Vec<u8>> = pem::blocks_labelled(input, origin, &["CERTIFICATE"])?
        .into_iter()
        .map(|b| b.der)
        .collect();
    for der in &certs {
        CertView::parse(der)
            .map_err(|e| cert_error(origin, CertificateProblem::MalformedDer, e))?;
    }
    Ok(certs)
}

/// A [`CaError::Certificate`] with the parser's error as its source.
fn cert_error(origin: &str, problem: CertificateProblem, e: impl Into<BoxError>) -> CaError {
    CaError::Certificate {
        origin: origin.to_owned(),
        problem,
        source: Some(e.into()),
    }
}

/// The DER `SubjectPublicKeyInfo` of a certificate, to check a key belongs to it.
///
/// # Errors
/// [`CaError::Certificate`] when the DER is not a certificate.
pub fn certificate_public_key(der: &[u8], origin: &str) -> Result<Vec<u8>, CaError> {
    let view = CertView::parse(der)
        .map_err(|e| cert_error(origin, CertificateProblem::MalformedDer, e))?;
    Ok(view.spki.to_vec())
}

/// A CA certificate: read once by certgate-x509's strict reader, kept with its DER so
/// its subject can be copied byte for byte into the issuer field of what it signs.
#[derive(Clone, Debug)]
pub struct CaCertificate {
    der: Vec<u8>,
    /// The subject as x509-cert's type, only because the builder encodes with it.
    subject: Name,
    spki: Vec<u8>,
    origin: String,
    key_id: Vec<u8>,
    path_len: Option<u8>,
    not_before: Timestamp,
    not_after: Timestamp,
}

impl CaCertificate {
    /// Parses a DER certificate and checks that it may issue: basicConstraints with
    /// cA set and, when keyUsage is present, keyCertSign.
    ///
    /// # Errors
    /// [`CaError::Certificate`] when it does not parse, [`CaError::NotCa`] when it may not issue.
    pub fn from_der(der: &[u8], origin: &str) -> Result<Self, CaError> {
        let bad = |problem, e: X509Error| cert_error(origin, problem, e);
        let malformed = |extension| CertificateProblem::MalformedExtension { extension };
        let not_ca = |problem| CaError::NotCa {
            origin: origin.to_owned(),
            problem,
        };
        // Every decision is taken on certgate-x509's reading; x509-cert only decodes the
        // subject, the one type the builder needs to encode the issuer field.
        let view = CertView::parse(der).map_err(|e| bad(CertificateProblem::MalformedDer, e))?;
        let path_len = match view
            .basic_constraints()
            .map_err(|e| bad(malformed("basicConstraints"), e))?
        {
            // A limit above 255 intermediates is no limit for any chain we build.
            Some(BasicConstraints { ca: true, path_len }) => {
                path_len.map(|n| u8::try_from(n).unwrap_or(u8::MAX))
            }
            _ => return Err(not_ca(NotCaProblem::NotCaConstraint)),
        };
        if let Some(ku) = view
            .key_usage()
            .map_err(|e| bad(malformed("keyUsage"), e))?
            && !ku.contains(KeyUsageBit::KeyCertSign)
        {
            return Err(not_ca(NotCaProblem::NoKeyCertSign));
        }
        // The AKI of what we sign must equal this certificate's SKI; a CA without one
        // (rare, but RFC 5280 allows it on old roots) gets cfssl's computed identifier.
        let key_id = match view
            .subject_key_id()
            .map_err(|e| bad(malformed("subjectKeyIdentifier"), e))?
        {
            Some(ski) => ski.to_vec(),
            None => key_identifier(view.spki)?,
        };
        let subject = Name::from_der(view.subject.der())
            .map_err(|e| cert_error(origin, CertificateProblem::MalformedDer, e))?;
        Ok(Self {
            der: der.to_vec(),
            subject,
            spki: view.spki.to_vec(),
            origin: origin.to_owned(),
            key_id,
            path_len,
            not_before: view.not_before,
            not_after: view.not_after,
        })
    }

    /// Parses the first `CERTIFICATE` block of PEM input (see [`CaCertificate::from_der`]).
    ///
    /// # Errors
    /// [`CaError::Pem`] when there is no certificate block, else as [`CaCertificate::from_der`].
    pub fn from_pem(pem: &[u8], origin: &str) -> Result<Self, CaError> {
        let block = pem::find_block(pem, origin, &["CERTIFICATE"])?;
        Self::from_der(&block.der, origin)
    }

    /// Reads a PEM file (see [`CaCertificate::from_pem`]).
    ///
    /// # Errors
    /// [`CaError::Io`] when the file cannot be read, else as [`CaCertificate::from_pem`].
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, CaError> {
        let path = path.as_ref();
        let bytes = CaError::read_file(path)?;
        Self::from_pem(&bytes, &path.display().to_string())
    }

    /// The certificate's DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as PEM.
    pub fn to_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.der)
    }

    /// Where the certificate came from (a path or a label).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The subject, in RFC 4514 form.
    pub fn subject(&self) -> String {
        CertView::parse(&self.der).map_or_else(|_| String::new(), |v| v.subject.to_rfc4514())
    }

    /// The subject key identifier that issued certificates carry as their AKI.
    pub fn key_id(&self) -> &[u8] {
        &self.key_id
    }

    /// The basicConstraints path length, if limited.
    pub fn path_len(&self) -> Option<u8> {
        self.path_len
    }

    /// The start of the certificate's validity.
    pub fn not_before(&self) -> OffsetDateTime {
        offset_time(self.not_before)
    }

    /// The end of the certificate's validity.
    pub fn not_after(&self) -> OffsetDateTime {
        offset_time(self.not_after)
    }

    /// The certificate's validity, as certgate-x509 reads it: notBefore and notAfter.
    pub fn validity(&self) -> (Timestamp, Timestamp) {
        (self.not_before, self.not_after)
    }

    /// The DER `SubjectPublicKeyInfo` of the certificate.
    ///
    /// # Errors
    /// None today (it is kept from the certificate as read); the `Result` stays for
    /// callers written against the earlier signature.
    pub fn public_key_der(&self) -> Result<Vec<u8>, CaError> {
        Ok(self.spki.clone())
    }

    pub(crate) fn subject_name(&self) -> &Name {
        &self.subject
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLV with a definite, minimal length.
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        certgate_x509::der::wrap(tag, content)
    }

    fn seq(parts: &[&[u8]]) -> Vec<u8> {
        tlv(0x30, &parts.concat())
    }

    /// A CA certificate crafted byte by byte (the signature is not checked here), with
    /// the given basicConstraints content and a notBefore in UTCTime.
    fn crafted_ca(bc_content: &[u8], not_before: &[u8]) -> Vec<u8> {
        let ecdsa_sha256 = tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);
        let alg = seq(&[&ecdsa_sha256]);
        let cn = seq(&[&tlv(0x06, &[0x55, 0x04, 0x03]), &tlv(0x0c, b"Crafted CA")]);
        let name = seq(&[&tlv(0x31, &cn)]);
        let validity = seq(&[&tlv(0x17, not_before), &tlv(0x17, b"491231235959Z")]);
        let ec_p256 = seq(&[
            &tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]),
            &tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]),
        ]);
        let mut point = vec![0x00, 0x04];
        point.extend([7u8; 64]);
        let spki = seq(&[&ec_p256, &tlv(0x03, &point)]);
        let bc = seq(&[
            &tlv(0x06, &[0x55, 0x1d, 0x13]),
            &tlv(0x01, &[0xff]),
            &tlv(0x04, &tlv(0x30, bc_content)),
        ]);
        let ku = seq(&[
            &tlv(0x06, &[0x55, 0x1d, 0x0f]),
            &tlv(0x04, &tlv(0x03, &[0x01, 0x06])),
        ]);
        let ski = seq(&[
            &tlv(0x06, &[0x55, 0x1d, 0x0e]),
            &tlv(0x04, &tlv(0x04, &[0xab; 20])),
        ]);
        let tbs = seq(&[
            &tlv(0xa0, &tlv(0x02, &[2])),
            &tlv(0x02, &[0x01, 0x23]),
            &alg,
            &name,
            &validity,
            &name,
            &spki,
            &tlv(0xa3, &seq(&[&bc, &ku, &ski])),
        ]);
        seq(&[&tbs, &alg, &tlv(0x03, &[0x00, 0x30, 0x00])])
    }

    #[test]
    fn decides_on_certgate_x509s_reading() {
        // pathLenConstraint 300 and a notBefore in 1960: x509-cert's reading (a u8
        // path length, times from 1970) refused this CA; RFC 5280 allows both.
        let bc = [&tlv(0x01, &[0xff])[..], &tlv(0x02, &[0x01, 0x2c])].concat();
        let ca = CaCertificate::from_der(&crafted_ca(&bc, b"600101000000Z"), "crafted").unwrap();
        assert_eq!(ca.path_len(), Some(u8::MAX));
        assert_eq!(ca.key_id(), &[0xab; 20]);
        assert_eq!(ca.validity().0.to_string(), "1960-01-01T00:00:00Z");
        assert_eq!(ca.not_before().year(), 1960);
        assert_eq!(ca.not_after().year(), 2049);
        assert_eq!(ca.subject(), "CN=Crafted CA");
        assert_eq!(ca.subject_name().to_string(), "CN=Crafted CA");
    }

    #[test]
    fn refuses_what_may_not_issue() {
        let not_ca = crafted_ca(&tlv(0x02, &[0]), b"240101000000Z");
        assert!(matches!(
            CaCertificate::from_der(&not_ca, "crafted"),
            Err(CaError::NotCa {
                problem: NotCaProblem::NotCaConstraint,
                ..
            })
        ));
        // A BER boolean (0x01) is not DER: the strict reader refuses the certificate.
        let ber = [&tlv(0x01, &[0x01])[..]].concat();
        assert!(matches!(
            CaCertificate::from_der(&crafted_ca(&ber, b"240101000000Z"), "crafted"),
            Err(CaError::Certificate { .. })
        ));
    }
}
