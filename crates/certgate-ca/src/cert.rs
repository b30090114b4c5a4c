//! A certificate read to be used as an issuer.

use std::path::Path;

use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
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
        certgate_x509::CertView::parse(der)
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
    let bad = |e: der::Error| cert_error(origin, CertificateProblem::MalformedDer, e);
    Certificate::from_der(der)
        .map_err(bad)?
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(bad)
}

/// A CA certificate: parsed once, kept with its DER so its subject can be copied byte
/// for byte into the issuer field of what it signs.
#[derive(Clone, Debug)]
pub struct CaCertificate {
    der: Vec<u8>,
    cert: Certificate,
    origin: String,
    key_id: Vec<u8>,
    path_len: Option<u8>,
}

impl CaCertificate {
    /// Parses a DER certificate and checks that it may issue: basicConstraints with
    /// cA set and, when keyUsage is present, keyCertSign.
    ///
    /// # Errors
    /// [`CaError::Certificate`] when it does not parse, [`CaError::NotCa`] when it may not issue.
    pub fn from_der(der: &[u8], origin: &str) -> Result<Self, CaError> {
        let bad = |problem, e: der::Error| cert_error(origin, problem, e);
        let malformed = |extension| CertificateProblem::MalformedExtension { extension };
        let not_ca = |problem| CaError::NotCa {
            origin: origin.to_owned(),
            problem,
        };
        // certgate-x509's strict reader first, as everywhere; x509-cert then gives the
        // builder the types it issues with.
        certgate_x509::CertView::parse(der)
            .map_err(|e| cert_error(origin, CertificateProblem::MalformedDer, e))?;
        let cert =
            Certificate::from_der(der).map_err(|e| bad(CertificateProblem::MalformedDer, e))?;
        let tbs = cert.tbs_certificate();
        let bc = tbs
            .get_extension::<BasicConstraints>()
            .map_err(|e| bad(malformed("basicConstraints"), e))?;
        let path_len = match bc {
            Some((_, bc)) if bc.ca => bc.path_len_constraint,
            _ => return Err(not_ca(NotCaProblem::NotCaConstraint)),
        };
        let ku = tbs
            .get_extension::<KeyUsage>()
            .map_err(|e| bad(malformed("keyUsage"), e))?;
        if let Some((_, ku)) = ku
            && !ku.0.contains(KeyUsages::KeyCertSign)
        {
            return Err(not_ca(NotCaProblem::NoKeyCertSign));
        }
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| CaError::encoding("subject public key info", e))?;
        // The AKI of what we sign must equal this certificate's SKI; a CA without one
        // (rare, but RFC 5280 allows it on old roots) gets cfssl's computed identifier.
        let key_id = match tbs
            .get_extension::<SubjectKeyIdentifier>()
            .map_err(|e| bad(malformed("subjectKeyIdentifier"), e))?
        {
            Some((_, ski)) => ski.0.as_bytes().to_vec(),
            None => key_identifier(&spki)?,
        };
        Ok(Self {
            der: der.to_vec(),
            cert,
            origin: origin.to_owned(),
            key_id,
            path_len,
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
        self.cert.tbs_certificate().subject().to_string()
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
        offset_time(&self.cert.tbs_certificate().validity().not_before)
    }

    /// The end of the certificate's validity.
    pub fn not_after(&self) -> OffsetDateTime {
        offset_time(&self.cert.tbs_certificate().validity().not_after)
    }

    /// The DER `SubjectPublicKeyInfo` of the certificate.
    ///
    /// # Errors
    /// [`CaError::Encoding`] if it cannot be re-encoded (it was decoded from DER, so it can).
    pub fn public_key_der(&self) -> Result<Vec<u8>, CaError> {
        self.cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| CaError::encoding("subject public key info", e))
    }

    pub(crate) fn subject_name(&self) -> &Name {
        self.cert.tbs_certificate().subject()
    }
}
