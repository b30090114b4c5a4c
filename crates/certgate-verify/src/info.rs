//! `ClientCertInfo`: what a server knows about the client certificate of a connection —
//! the fields Cloudflare exposes as `cf.tls_client_auth.*` — read from the DER once.

use std::net::IpAddr;
use std::ops::Range;
use std::sync::Arc;

use der::Decode;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectAltName};

use crate::VerifyError;
use crate::dn::{self, NameAttribute};
pub use crate::verdict::{FailureReason, Verdict};
use crate::view::{AKI, CertView, SAN, SKI};

/// A subjectAltName entry.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SanEntry {
    /// A dNSName.
    Dns(String),
    /// An rfc822Name (email address).
    Email(String),
    /// A uniformResourceIdentifier, such as a SPIFFE ID.
    Uri(String),
    /// An iPAddress.
    Ip(IpAddr),
}

/// The client certificate of a connection: presented or not, the verdict, and its
/// fields. Owned and cheap to clone (the DER is shared), so it can go into handlers.
#[derive(Clone, Debug)]
pub struct ClientCertInfo {
    cert: Option<Arc<Parsed>>,
    verdict: Verdict,
}

/// The leaf DER, held once, with ranges into it.
#[derive(Debug)]
struct Parsed {
    der: Vec<u8>,
    serial: Range<usize>,
    issuer: Range<usize>,
    subject: Range<usize>,
    spki: Range<usize>,
    ski: Option<Range<usize>>,
    issuer_key_id: Option<Vec<u8>>,
    sans: Vec<SanEntry>,
    not_before: u64,
    not_after: u64,
    sha256: [u8; 32],
    sha1: [u8; 20],
    spki_sha256: [u8; 32],
}

fn offset(base: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(base.as_ptr() as usize)
}

impl ClientCertInfo {
    /// No certificate was presented.
    pub fn not_presented() -> Self {
        Self {
            cert: None,
            verdict: Verdict::Unverified,
        }
    }

    /// Reads the fields of a DER certificate (not verified: see [`ClientCertInfo::verdict`]).
    ///
    /// # Errors
    /// [`VerifyError::MalformedCertificate`] naming the field that is not X.509 DER.
    pub fn from_der(der: &[u8]) -> Result<Self, VerifyError> {
        let parsed = parse(der)?;
        Ok(Self {
            cert: Some(Arc::new(parsed)),
            verdict: Verdict::Unverified,
        })
    }

    /// The same certificate with `verdict`: the verifier's, or one asserted through
    /// [`crate::danger::assert_verdict`].
    pub(crate) fn with_verdict(mut self, verdict: Verdict) -> Self {
        self.verdict = verdict;
        self
    }

    /// A certificate was presented but could not even be read.
    #[cfg(feature = "rustls")]
    pub(crate) fn presented_but_unreadable(mut self, reason: FailureReason) -> Self {
        self.verdict = Verdict::Failed(reason);
        self
    }

    fn cert(&self) -> Option<&Parsed> {
        self.cert.as_deref()
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

    /// The trust anchor's subject, when verified.
    pub fn anchor_subject(&self) -> Option<&str> {
        match &self.verdict {
            Verdict::Verified { anchor_subject } => Some(anchor_subject),
            _ => None,
        }
    }

    /// The certificate's DER.
    pub fn der(&self) -> Option<&[u8]> {
        self.cert().map(|c| c.der.as_slice())
    }

    fn slice(&self, range: impl Fn(&Parsed) -> &Range<usize>) -> Option<&[u8]> {
        self.cert().and_then(|c| c.der.get(range(c).clone()))
    }

    /// The subject in RFC 4514 form (`CN=Rhea Group,OU=Sam Projects,...,C=PT`).
    pub fn subject_rfc4514(&self) -> Option<String> {
        self.slice(|c| &c.subject).map(|d| dn::format(d, false))
    }

    /// The subject as OpenSSL prints it with `-nameopt RFC2253`.
    pub fn subject_rfc2253(&self) -> Option<String> {
        self.slice(|c| &c.subject).map(|d| dn::format(d, true))
    }

    /// The issuer in RFC 4514 form.
    pub fn issuer_rfc4514(&self) -> Option<String> {
        self.slice(|c| &c.issuer).map(|d| dn::format(d, false))
    }

    /// The issuer as OpenSSL prints it with `-nameopt RFC2253`.
    pub fn issuer_rfc2253(&self) -> Option<String> {
        self.slice(|c| &c.issuer).map(|d| dn::format(d, true))
    }

    /// The subject's DER `Name`, byte for byte.
    pub fn subject_der(&self) -> Option<&[u8]> {
        self.slice(|c| &c.subject)
    }

    /// The issuer's DER `Name`, byte for byte.
    pub fn issuer_der(&self) -> Option<&[u8]> {
        self.slice(|c| &c.issuer)
    }

    /// Every subject attribute in certificate order (CN, O, every OU, ...).
    pub fn subject_attributes(&self) -> Vec<NameAttribute> {
        self.slice(|c| &c.subject)
            .map(dn::attributes)
            .unwrap_or_default()
    }

    /// The first common name.
    pub fn common_name(&self) -> Option<String> {
        self.subject_attributes()
            .into_iter()
            .find(|a| a.name == "CN")
            .map(|a| a.value)
    }

    /// The subjectAltName entries.
    pub fn sans(&self) -> &[SanEntry] {
        self.cert().map_or(&[], |c| c.sans.as_slice())
    }

    /// The serial number's INTEGER value bytes (big-endian, with the sign byte DER adds
    /// before a high bit).
    pub fn serial(&self) -> Option<&[u8]> {
        self.slice(|c| &c.serial)
    }

    /// The serial number as lower-case hex, without leading zero bytes.
    pub fn serial_hex(&self) -> Option<String> {
        self.serial().map(|s| {
            let s = match s {
                [0, rest @ ..] if !rest.is_empty() => rest,
                s => s,
            };
            hex(s)
        })
    }

    /// SHA-256 of the certificate's DER.
    pub fn fingerprint_sha256(&self) -> Option<[u8; 32]> {
        self.cert().map(|c| c.sha256)
    }

    /// SHA-1 of the certificate's DER.
    pub fn fingerprint_sha1(&self) -> Option<[u8; 20]> {
        self.cert().map(|c| c.sha1)
    }

    /// SHA-256 of the DER `SubjectPublicKeyInfo` (the SPKI pin of RFC 7469).
    pub fn spki_sha256(&self) -> Option<[u8; 32]> {
        self.cert().map(|c| c.spki_sha256)
    }

    /// The DER `SubjectPublicKeyInfo`, byte for byte.
    pub fn spki_der(&self) -> Option<&[u8]> {
        self.slice(|c| &c.spki)
    }

    /// The subjectKeyIdentifier.
    pub fn ski(&self) -> Option<&[u8]> {
        self.cert()
            .and_then(|c| c.ski.clone().and_then(|r| c.der.get(r)))
    }

    /// The authorityKeyIdentifier's keyIdentifier: the issuer's key id.
    pub fn issuer_key_id(&self) -> Option<&[u8]> {
        self.cert().and_then(|c| c.issuer_key_id.as_deref())
    }

    /// Start of validity, seconds since the Unix epoch.
    pub fn not_before(&self) -> Option<u64> {
        self.cert().map(|c| c.not_before)
    }

    /// End of validity, seconds since the Unix epoch.
    pub fn not_after(&self) -> Option<u64> {
        self.cert().map(|c| c.not_after)
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

fn parse(der: &[u8]) -> Result<Parsed, VerifyError> {
    let view = CertView::parse(der)?;
    let range = |part: &[u8]| {
        let start = offset(der, part);
        start..start + part.len()
    };
    let (not_before, not_after) = view.validity()?;
    let ski = match view.extension(SKI) {
        Some(_) => Some(range(view.ski().ok_or_else(|| {
            VerifyError::malformed("subjectKeyIdentifier", "not an OCTET STRING")
        })?)),
        None => None,
    };
    let sans = match view.extension(SAN) {
        Some(ext) => SubjectAltName::from_der(ext.value)
            .map_err(|e| VerifyError::malformed("subjectAltName", e))?
            .0
            .iter()
            .filter_map(san_entry)
            .collect(),
        None => Vec::new(),
    };
    let issuer_key_id = match view.extension(AKI) {
        Some(ext) => AuthorityKeyIdentifier::from_der(ext.value)
            .map_err(|e| VerifyError::malformed("authorityKeyIdentifier", e))?
            .key_identifier
            .map(|k| k.as_bytes().to_vec()),
        None => None,
    };
    Ok(Parsed {
        der: der.to_vec(),
        serial: range(view.serial),
        issuer: range(view.issuer),
        subject: range(view.subject),
        spki: range(view.spki),
        ski,
        issuer_key_id,
        sans,
        not_before,
        not_after,
        sha256: Sha256::digest(der).into(),
        sha1: Sha1::digest(der).into(),
        spki_sha256: Sha256::digest(view.spki).into(),
    })
}

fn san_entry(name: &GeneralName) -> Option<SanEntry> {
    Some(match name {
        GeneralName::DnsName(s) => SanEntry::Dns(s.to_string()),
        GeneralName::Rfc822Name(s) => SanEntry::Email(s.to_string()),
        GeneralName::UniformResourceIdentifier(s) => SanEntry::Uri(s.to_string()),
        GeneralName::IpAddress(o) => match o.as_bytes().len() {
            4 => SanEntry::Ip(IpAddr::from(<[u8; 4]>::try_from(o.as_bytes()).ok()?)),
            16 => SanEntry::Ip(IpAddr::from(<[u8; 16]>::try_from(o.as_bytes()).ok()?)),
            _ => return None,
        },
        _ => return None,
    })
}
