//! `ClientCertInfo`: what a server knows about the client certificate of a connection —
//! the fields Cloudflare exposes as `cf.tls_client_auth.*` — read from the DER once.

use std::net::IpAddr;
use std::ops::Range;
use std::sync::Arc;

use der::asn1::AnyRef;
use der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectAltName};
use x509_cert::time::Time;

use crate::VerifyError;
use crate::dn::{self, NameAttribute};
pub use crate::verdict::{FailureReason, Verdict};

const SAN: &str = "2.5.29.17";
const SKI: &str = "2.5.29.14";
const AKI: &str = "2.5.29.35";

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

/// Decodes the next TLV of `reader` and returns it with its byte range in `base`.
fn next_tlv<'a>(
    reader: &mut SliceReader<'a>,
    base: &[u8],
    body: &'a [u8],
    field: &'static str,
) -> Result<(AnyRef<'a>, Range<usize>), VerifyError> {
    let start = usize::try_from(reader.position()).map_err(|e| VerifyError::malformed(field, e))?;
    let any: AnyRef<'a> = reader
        .decode()
        .map_err(|e| VerifyError::malformed(field, e))?;
    let end = usize::try_from(reader.position()).map_err(|e| VerifyError::malformed(field, e))?;
    let at = offset(base, body);
    Ok((any, at + start..at + end))
}

fn expect(any: &AnyRef<'_>, tag: Tag, field: &'static str) -> Result<(), VerifyError> {
    if any.tag() == tag {
        Ok(())
    } else {
        Err(VerifyError::malformed(
            field,
            format!("expected {tag}, found {}", any.tag()),
        ))
    }
}

fn unix(t: &AnyRef<'_>, field: &'static str) -> Result<u64, VerifyError> {
    let der = der::Encode::to_der(t).map_err(|e| VerifyError::malformed(field, e))?;
    let time = Time::from_der(&der).map_err(|e| VerifyError::malformed(field, e))?;
    Ok(time.to_unix_duration().as_secs())
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

    #[cfg(feature = "rustls")]
    pub(crate) fn with_verdict(mut self, verdict: Verdict) -> Self {
        self.verdict = verdict;
        self
    }

    /// The same certificate with a verdict reached elsewhere: for tools and tests that
    /// verified it by other means (`certgate policy explain --chain-verified`). A server
    /// takes verdicts from its verifier (`ClientVerifier::verify_presented`), never from
    /// this.
    pub fn with_asserted_verdict(mut self, verdict: Verdict) -> Self {
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

    /// The serial number as lower-case hex, without leading zero bytes.
    pub fn serial_hex(&self) -> Option<String> {
        self.slice(|c| &c.serial).map(|s| {
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
    let cert = AnyRef::from_der(der).map_err(|e| VerifyError::malformed("Certificate", e))?;
    expect(&cert, Tag::Sequence, "Certificate")?;
    let mut outer =
        SliceReader::new(cert.value()).map_err(|e| VerifyError::malformed("Certificate", e))?;
    let (tbs, _) = next_tlv(&mut outer, der, cert.value(), "tbsCertificate")?;
    expect(&tbs, Tag::Sequence, "tbsCertificate")?;
    let (alg, _) = next_tlv(&mut outer, der, cert.value(), "signatureAlgorithm")?;
    expect(&alg, Tag::Sequence, "signatureAlgorithm")?;
    let (sig, _) = next_tlv(&mut outer, der, cert.value(), "signature")?;
    expect(&sig, Tag::BitString, "signature")?;
    outer
        .finish()
        .map_err(|e| VerifyError::malformed("Certificate", e))?;

    let body = tbs.value();
    let mut r = SliceReader::new(body).map_err(|e| VerifyError::malformed("tbsCertificate", e))?;
    let mut field = next_tlv(&mut r, der, body, "version")?;
    if field.0.tag()
        == (Tag::ContextSpecific {
            constructed: true,
            number: TagNumber(0),
        })
    {
        field = next_tlv(&mut r, der, body, "serialNumber")?;
    }
    let (serial, serial_range) = field;
    expect(&serial, Tag::Integer, "serialNumber")?;
    let serial_value =
        offset(der, serial.value())..offset(der, serial.value()) + serial.value().len();
    let _ = serial_range;
    let (alg, _) = next_tlv(&mut r, der, body, "signature")?;
    expect(&alg, Tag::Sequence, "signature")?;
    let (issuer, issuer_range) = next_tlv(&mut r, der, body, "issuer")?;
    expect(&issuer, Tag::Sequence, "issuer")?;
    let (validity, _) = next_tlv(&mut r, der, body, "validity")?;
    expect(&validity, Tag::Sequence, "validity")?;
    let mut v =
        SliceReader::new(validity.value()).map_err(|e| VerifyError::malformed("validity", e))?;
    let nb: AnyRef<'_> = v
        .decode()
        .map_err(|e| VerifyError::malformed("notBefore", e))?;
    let na: AnyRef<'_> = v
        .decode()
        .map_err(|e| VerifyError::malformed("notAfter", e))?;
    v.finish()
        .map_err(|e| VerifyError::malformed("validity", e))?;
    let (subject, subject_range) = next_tlv(&mut r, der, body, "subject")?;
    expect(&subject, Tag::Sequence, "subject")?;
    let (spki, spki_range) = next_tlv(&mut r, der, body, "subjectPublicKeyInfo")?;
    expect(&spki, Tag::Sequence, "subjectPublicKeyInfo")?;

    let mut parsed = Parsed {
        der: der.to_vec(),
        serial: serial_value,
        issuer: issuer_range,
        subject: subject_range,
        spki: spki_range.clone(),
        ski: None,
        issuer_key_id: None,
        sans: Vec::new(),
        not_before: unix(&nb, "notBefore")?,
        not_after: unix(&na, "notAfter")?,
        sha256: Sha256::digest(der).into(),
        sha1: Sha1::digest(der).into(),
        spki_sha256: Sha256::digest(&der[spki_range]).into(),
    };
    while !r.is_finished() {
        let (item, _) = next_tlv(&mut r, der, body, "extensions")?;
        if item.tag()
            == (Tag::ContextSpecific {
                constructed: true,
                number: TagNumber(3),
            })
        {
            read_extensions(item.value(), der, &mut parsed)?;
        }
    }
    Ok(parsed)
}

fn read_extensions(wrapped: &[u8], der: &[u8], parsed: &mut Parsed) -> Result<(), VerifyError> {
    let seq = AnyRef::from_der(wrapped).map_err(|e| VerifyError::malformed("extensions", e))?;
    expect(&seq, Tag::Sequence, "extensions")?;
    let mut r =
        SliceReader::new(seq.value()).map_err(|e| VerifyError::malformed("extensions", e))?;
    while !r.is_finished() {
        let ext: AnyRef<'_> = r
            .decode()
            .map_err(|e| VerifyError::malformed("extension", e))?;
        let mut e =
            SliceReader::new(ext.value()).map_err(|e| VerifyError::malformed("extension", e))?;
        let oid: const_oid::ObjectIdentifier = e
            .decode()
            .map_err(|e| VerifyError::malformed("extension", e))?;
        let mut next: AnyRef<'_> = e
            .decode()
            .map_err(|e| VerifyError::malformed("extension", e))?;
        if next.tag() == Tag::Boolean {
            next = e
                .decode()
                .map_err(|e| VerifyError::malformed("extension", e))?;
        }
        expect(&next, Tag::OctetString, "extnValue")?;
        let value = next.value();
        match oid.to_string().as_str() {
            SAN => {
                let san = SubjectAltName::from_der(value)
                    .map_err(|e| VerifyError::malformed("subjectAltName", e))?;
                parsed.sans = san.0.iter().filter_map(san_entry).collect();
            }
            SKI => {
                let ski = AnyRef::from_der(value)
                    .map_err(|e| VerifyError::malformed("subjectKeyIdentifier", e))?;
                expect(&ski, Tag::OctetString, "subjectKeyIdentifier")?;
                let start = offset(der, ski.value());
                parsed.ski = Some(start..start + ski.value().len());
            }
            AKI => {
                let aki = AuthorityKeyIdentifier::from_der(value)
                    .map_err(|e| VerifyError::malformed("authorityKeyIdentifier", e))?;
                parsed.issuer_key_id = aki.key_identifier.map(|k| k.as_bytes().to_vec());
            }
            _ => {}
        }
    }
    Ok(())
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
