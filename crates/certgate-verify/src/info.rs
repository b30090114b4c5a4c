//! `ClientCertInfo`: what a server knows about the client certificate of a connection —
//! presented or not, the verdict, and certgate-x509's [`CertificateInfo`] (the fields
//! Cloudflare exposes as `cf.tls_client_auth.*`), read from the DER once.

use std::sync::Arc;

use certgate_x509::{
    CertificateInfo, NameAttribute, SanEntry, SerialRef, Sha1Fingerprint, Sha256Fingerprint,
    Timestamp,
};

use crate::VerifyError;
use crate::path::policy::PolicySets;
pub use crate::verdict::{FailureReason, Verdict};

/// The client certificate of a connection: presented or not, the verdict, and its
/// fields. Owned and cheap to clone (the DER is shared), so it can go into handlers.
#[derive(Clone, Debug)]
pub struct ClientCertInfo {
    cert: Option<CertificateInfo>,
    verdict: Verdict,
    /// The verified path's certificate policies (shared: clones stay cheap).
    policies: Option<Arc<PolicySets>>,
}

impl ClientCertInfo {
    /// No certificate was presented.
    pub fn not_presented() -> Self {
        Self {
            cert: None,
            verdict: Verdict::Unverified,
            policies: None,
        }
    }

    /// Reads the fields of a DER certificate (not verified: see [`ClientCertInfo::verdict`]).
    ///
    /// # Errors
    /// [`VerifyError::MalformedCertificate`] naming what is not X.509 DER.
    pub fn from_der(der: &[u8]) -> Result<Self, VerifyError> {
        Ok(Self::from_certificate(CertificateInfo::from_der(der)?))
    }

    /// A certificate already read (not verified).
    pub fn from_certificate(cert: CertificateInfo) -> Self {
        Self {
            cert: Some(cert),
            verdict: Verdict::Unverified,
            policies: None,
        }
    }

    /// The same certificate with `verdict`: the verifier's, or one asserted through
    /// [`crate::danger::assert_verdict`].
    pub(crate) fn with_verdict(mut self, verdict: Verdict) -> Self {
        self.verdict = verdict;
        self
    }

    /// The same certificate with the certificate policies its verified path is valid
    /// for: the verifier's, or ones asserted through [`crate::danger::assert_policies`].
    pub(crate) fn with_policies(mut self, policies: PolicySets) -> Self {
        self.policies = Some(Arc::new(policies));
        self
    }

    /// A certificate was presented but could not even be read.
    #[cfg(feature = "rustls")]
    pub(crate) fn presented_but_unreadable(mut self, reason: FailureReason) -> Self {
        self.verdict = Verdict::Failed(reason);
        self
    }

    /// The certificate's fields, when one was presented and could be read.
    pub fn certificate(&self) -> Option<&CertificateInfo> {
        self.cert.as_ref()
    }

    /// Whether the client presented a certificate.
    pub fn presented(&self) -> bool {
        self.cert.is_some()
    }

    /// The verdict.
    pub fn verdict(&self) -> &Verdict {
        &self.verdict
    }

    /// Presented, chains to a trusted anchor, valid and not revoked.
    pub fn verified(&self) -> bool {
        self.presented() && matches!(self.verdict, Verdict::Verified { .. })
    }

    /// Refused because its issuer's CRL lists it.
    pub fn revoked(&self) -> bool {
        self.verdict == Verdict::Failed(FailureReason::Revoked)
    }

    /// Why it was refused, if it was.
    pub fn failure_reason(&self) -> Option<&FailureReason> {
        match &self.verdict {
            Verdict::Failed(reason) => Some(reason),
            _ => None,
        }
    }

    /// The certificate policies the verified path is valid for (RFC 5280 §6.1.5 (g)):
    /// `None` when the certificate is not [verified](Self::verified) or the verifier did
    /// not process policies. An empty user-constrained set means the path is valid for
    /// no policy the verifier accepts (which it allows unless it requires an explicit
    /// policy).
    pub fn policies(&self) -> Option<&PolicySets> {
        self.policies.as_deref().filter(|_| self.verified())
    }

    /// The trust anchor's subject, when verified.
    pub fn anchor_subject(&self) -> Option<&str> {
        match &self.verdict {
            Verdict::Verified { anchor_subject } => Some(anchor_subject),
            _ => None,
        }
    }

    /// The certificate's DER.
    pub fn der(&self) -> Option<&[u8]> {
        self.cert.as_ref().map(CertificateInfo::der)
    }

    /// The subject in RFC 4514 form (`CN=Rhea Group,OU=Sam Projects,...,C=PT`).
    pub fn subject_rfc4514(&self) -> Option<String> {
        self.cert.as_ref().map(|c| c.subject().to_rfc4514())
    }

    /// The subject as OpenSSL prints it with `-nameopt RFC2253`.
    pub fn subject_rfc2253(&self) -> Option<String> {
        self.cert.as_ref().map(|c| c.subject().to_rfc2253())
    }

    /// The issuer in RFC 4514 form.
    pub fn issuer_rfc4514(&self) -> Option<String> {
        self.cert.as_ref().map(|c| c.issuer().to_rfc4514())
    }

    /// The issuer as OpenSSL prints it with `-nameopt RFC2253`.
    pub fn issuer_rfc2253(&self) -> Option<String> {
        self.cert.as_ref().map(|c| c.issuer().to_rfc2253())
    }

    /// The subject's DER `Name`, byte for byte.
    pub fn subject_der(&self) -> Option<&[u8]> {
        self.cert.as_ref().map(|c| c.subject().der())
    }

    /// The issuer's DER `Name`, byte for byte.
    pub fn issuer_der(&self) -> Option<&[u8]> {
        self.cert.as_ref().map(|c| c.issuer().der())
    }

    /// Every subject attribute in certificate order (CN, O, every OU, ...).
    pub fn subject_attributes(&self) -> Vec<NameAttribute> {
        self.cert
            .as_ref()
            .map(|c| c.subject().to_attributes())
            .unwrap_or_default()
    }

    /// The first common name.
    pub fn common_name(&self) -> Option<String> {
        self.cert.as_ref().and_then(CertificateInfo::common_name)
    }

    /// The subjectAltName entries.
    pub fn sans(&self) -> &[SanEntry] {
        self.cert.as_ref().map_or(&[], CertificateInfo::sans)
    }

    /// The serial number.
    pub fn serial(&self) -> Option<SerialRef<'_>> {
        self.cert.as_ref().map(CertificateInfo::serial)
    }

    /// The serial number as lower-case hex (its magnitude; `-` before a negative one).
    pub fn serial_hex(&self) -> Option<String> {
        self.serial().map(|s| s.to_hex())
    }

    /// SHA-256 of the certificate's DER.
    pub fn fingerprint_sha256(&self) -> Option<Sha256Fingerprint> {
        self.cert.as_ref().map(CertificateInfo::fingerprint_sha256)
    }

    /// SHA-1 of the certificate's DER.
    pub fn fingerprint_sha1(&self) -> Option<Sha1Fingerprint> {
        self.cert.as_ref().map(CertificateInfo::fingerprint_sha1)
    }

    /// SHA-256 of the DER `SubjectPublicKeyInfo` (the SPKI pin of RFC 7469).
    pub fn spki_sha256(&self) -> Option<Sha256Fingerprint> {
        self.cert.as_ref().map(CertificateInfo::spki_sha256)
    }

    /// The DER `SubjectPublicKeyInfo`, byte for byte.
    pub fn spki_der(&self) -> Option<&[u8]> {
        self.cert.as_ref().map(CertificateInfo::spki_der)
    }

    /// The subjectKeyIdentifier.
    pub fn ski(&self) -> Option<&[u8]> {
        self.cert.as_ref().and_then(CertificateInfo::subject_key_id)
    }

    /// The authorityKeyIdentifier's keyIdentifier: the issuer's key id.
    pub fn issuer_key_id(&self) -> Option<&[u8]> {
        self.cert
            .as_ref()
            .and_then(CertificateInfo::authority_key_id)
    }

    /// Start of validity.
    pub fn not_before(&self) -> Option<Timestamp> {
        self.cert.as_ref().map(CertificateInfo::not_before)
    }

    /// End of validity.
    pub fn not_after(&self) -> Option<Timestamp> {
        self.cert.as_ref().map(CertificateInfo::not_after)
    }
}
