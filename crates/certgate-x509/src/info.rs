//! [`CertificateInfo`]: the one owned description of a certificate — the fields
//! Cloudflare exposes as `cf.tls_client_auth.*` and `cfssl certinfo` prints — read
//! once from the DER and cheap to clone.

use std::ops::Range;
use std::sync::Arc;

use crate::cert::CertView;
use crate::error::X509Error;
use crate::fingerprint::{Sha1Fingerprint, Sha256Fingerprint};
use crate::general_name::SanEntry;
use crate::name::NameView;
use crate::serial::SerialRef;
use crate::time::Timestamp;
use crate::usage::KeyUsage;

/// A certificate's fields, owned; the DER is held once and shared by clones.
#[derive(Clone, Debug)]
pub struct CertificateInfo(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    der: Box<[u8]>,
    serial: Range<usize>,
    issuer: Range<usize>,
    subject: Range<usize>,
    spki: Range<usize>,
    signature_algorithm: Range<usize>,
    ski: Option<Range<usize>>,
    aki: Option<Range<usize>>,
    key_purposes: Vec<Range<usize>>,
    sans: Vec<SanEntry>,
    not_before: Timestamp,
    not_after: Timestamp,
    is_ca: bool,
    key_usage: Option<KeyUsage>,
    sha256: Sha256Fingerprint,
    sha1: Sha1Fingerprint,
    spki_sha256: Sha256Fingerprint,
}

impl CertificateInfo {
    /// Reads a DER certificate (nothing is verified).
    ///
    /// # Errors
    /// [`X509Error::Malformed`] when the certificate, or its subjectAltName, key
    /// identifiers, basicConstraints, keyUsage or extKeyUsage, is malformed.
    pub fn from_der(der: &[u8]) -> Result<Self, X509Error> {
        let view = CertView::parse(der)?;
        let range = |part: &[u8]| {
            let start = (part.as_ptr() as usize).saturating_sub(der.as_ptr() as usize);
            start..start + part.len()
        };
        let sans = view
            .subject_alt_names()?
            .iter()
            .filter_map(SanEntry::from_general_name)
            .collect();
        let ski = view.subject_key_id()?.map(range);
        let aki = view.authority_key_id()?.and_then(|a| a.key_id).map(range);
        let key_purposes = view
            .key_purposes()?
            .unwrap_or_default()
            .into_iter()
            .map(range)
            .collect();
        let is_ca = view.basic_constraints()?.is_some_and(|b| b.ca);
        Ok(Self(Arc::new(Inner {
            der: der.into(),
            serial: range(view.serial.as_bytes()),
            issuer: range(view.issuer.der()),
            subject: range(view.subject.der()),
            spki: range(view.spki),
            signature_algorithm: range(view.signature_algorithm),
            ski,
            aki,
            key_purposes,
            sans,
            not_before: view.not_before,
            not_after: view.not_after,
            is_ca,
            key_usage: view.key_usage()?,
            sha256: Sha256Fingerprint::of(der),
            sha1: Sha1Fingerprint::of(der),
            spki_sha256: Sha256Fingerprint::of(view.spki),
        })))
    }

    #[inline]
    fn part(&self, r: &Range<usize>) -> &[u8] {
        self.0.der.get(r.clone()).unwrap_or_default()
    }

    /// The certificate's DER.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }

    /// The serial number.
    #[inline]
    pub fn serial(&self) -> SerialRef<'_> {
        SerialRef::from_checked(self.part(&self.0.serial))
    }

    /// The issuer.
    #[inline]
    pub fn issuer(&self) -> NameView<'_> {
        NameView::from_checked(self.part(&self.0.issuer))
    }

    /// The subject.
    #[inline]
    pub fn subject(&self) -> NameView<'_> {
        NameView::from_checked(self.part(&self.0.subject))
    }

    /// The subject's first commonName.
    pub fn common_name(&self) -> Option<String> {
        self.subject().common_name().map(Into::into)
    }

    /// The subjectAltName entries certgate shows (DNS, email, URI, IP).
    pub fn sans(&self) -> &[SanEntry] {
        &self.0.sans
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        self.part(&self.0.spki)
    }

    /// The outer signatureAlgorithm, whole DER.
    pub fn signature_algorithm_der(&self) -> &[u8] {
        self.part(&self.0.signature_algorithm)
    }

    /// The signature algorithm's OID content octets.
    pub fn signature_algorithm_oid(&self) -> &[u8] {
        let alg = self.signature_algorithm_der();
        crate::der::read_tlv(alg)
            .ok()
            .and_then(|(seq, _)| crate::der::read_tlv(seq.value).ok())
            .map_or(&[], |(oid, _)| oid.value)
    }

    /// The subjectKeyIdentifier.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.0.ski.as_ref().map(|r| self.part(r))
    }

    /// The authorityKeyIdentifier's keyIdentifier: the issuer's key id.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.0.aki.as_ref().map(|r| self.part(r))
    }

    /// extKeyUsage's purpose OIDs (empty without the extension).
    pub fn key_purposes(&self) -> impl Iterator<Item = &[u8]> {
        self.0.key_purposes.iter().map(|r| self.part(r))
    }

    /// keyUsage, when present.
    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.0.key_usage
    }

    /// basicConstraints' cA.
    pub fn is_ca(&self) -> bool {
        self.0.is_ca
    }

    /// Start of validity.
    pub fn not_before(&self) -> Timestamp {
        self.0.not_before
    }

    /// End of validity.
    pub fn not_after(&self) -> Timestamp {
        self.0.not_after
    }

    /// SHA-256 of the DER.
    pub fn fingerprint_sha256(&self) -> Sha256Fingerprint {
        self.0.sha256
    }

    /// SHA-1 of the DER.
    pub fn fingerprint_sha1(&self) -> Sha1Fingerprint {
        self.0.sha1
    }

    /// SHA-256 of the DER SubjectPublicKeyInfo (the SPKI pin of RFC 7469).
    pub fn spki_sha256(&self) -> Sha256Fingerprint {
        self.0.spki_sha256
    }
}
