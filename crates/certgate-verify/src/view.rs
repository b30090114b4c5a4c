//! One walk over a certificate's DER, borrowed, without allocating: the fields and
//! extensions that `ClientCertInfo`, the RFC 5280 checks, the revocation store and the
//! trust-anchor checks read. Built without rustls.

use der::Decode;
use x509_cert::time::Time;

use crate::VerifyError;
use crate::der_walk::{
    BIT_STRING, INTEGER, OCTET_STRING, OID, SEQUENCE, Tlv, items, only, tlv, whole_tlv,
};

pub(crate) const SKI: &[u8] = &[0x55, 0x1d, 0x0e];
pub(crate) const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
pub(crate) const SAN: &[u8] = &[0x55, 0x1d, 0x11];
pub(crate) const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
pub(crate) const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
pub(crate) const AKI: &[u8] = &[0x55, 0x1d, 0x23];
pub(crate) const EKU: &[u8] = &[0x55, 0x1d, 0x25];

/// The `[0]` (version) and `[3]` (extensions) tags of a tbsCertificate.
const VERSION_TAG: u8 = 0xa0;
const EXTENSIONS_TAG: u8 = 0xa3;
const BOOLEAN: u8 = 0x01;

/// One extension: its OID's value, criticality and the OCTET STRING's content.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Extension<'a> {
    pub(crate) oid: &'a [u8],
    pub(crate) critical: bool,
    pub(crate) value: &'a [u8],
}

/// The parts of a certificate, borrowed from its DER. Names, times and the SPKI are
/// whole TLVs; the serial is the INTEGER's value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CertView<'a> {
    /// The whole certificate.
    pub(crate) der: &'a [u8],
    /// The tbsCertificate, whole: what the signature covers.
    pub(crate) tbs: &'a [u8],
    /// The outer signatureAlgorithm, whole.
    pub(crate) outer_algorithm: &'a [u8],
    /// The signature bits.
    pub(crate) signature: &'a [u8],
    /// 0, 1 or 2 (v1, v2, v3).
    pub(crate) version: u8,
    pub(crate) serial: &'a [u8],
    /// The tbsCertificate's signature algorithm, whole.
    pub(crate) inner_algorithm: &'a [u8],
    pub(crate) issuer: &'a [u8],
    pub(crate) not_before: &'a [u8],
    pub(crate) not_after: &'a [u8],
    pub(crate) subject: &'a [u8],
    pub(crate) spki: &'a [u8],
    /// The content of the Extensions SEQUENCE, checked at parse; empty without one.
    extensions: &'a [u8],
}

fn bad(field: &'static str, reason: &str) -> VerifyError {
    VerifyError::malformed(field, reason)
}

/// The next TLV of a field list, which must have `tag`.
fn field<'a>(input: &'a [u8], tag: u8, name: &'static str) -> Result<Tlv<'a>, VerifyError> {
    match whole_tlv(input) {
        Some(t) if t.tag == tag => Ok(t),
        Some(t) => Err(bad(name, &format!("unexpected tag 0x{:02x}", t.tag))),
        None => Err(bad(name, "malformed DER")),
    }
}

impl<'a> CertView<'a> {
    /// Walks the certificate once.
    ///
    /// # Errors
    /// [`VerifyError::MalformedCertificate`] naming the field that is not DER of the
    /// X.509 shape.
    pub(crate) fn parse(der: &'a [u8]) -> Result<Self, VerifyError> {
        let cert = match tlv(der) {
            Some((SEQUENCE, value, [])) => value,
            _ => return Err(bad("Certificate", "not one DER SEQUENCE")),
        };
        let tbs = field(cert, SEQUENCE, "tbsCertificate")?;
        let outer_algorithm = field(tbs.rest, SEQUENCE, "signatureAlgorithm")?;
        let bits = field(outer_algorithm.rest, BIT_STRING, "signatureValue")?;
        if !bits.rest.is_empty() {
            return Err(bad("Certificate", "data after the signature"));
        }
        let signature = match bits.value {
            [0, signature @ ..] => signature,
            _ => return Err(bad("signatureValue", "not a BIT STRING of whole octets")),
        };
        let mut rest = tbs.value;
        let mut version = 0;
        if rest.first() == Some(&VERSION_TAG) {
            let v = field(rest, VERSION_TAG, "version")?;
            version = match only(v.value, INTEGER) {
                Some([n @ 0..=2]) => *n,
                _ => return Err(bad("version", "not v1, v2 or v3")),
            };
            rest = v.rest;
        }
        let serial = field(rest, INTEGER, "serialNumber")?;
        if serial.value.is_empty() {
            return Err(bad("serialNumber", "empty INTEGER"));
        }
        let inner_algorithm = field(serial.rest, SEQUENCE, "signature")?;
        let issuer = field(inner_algorithm.rest, SEQUENCE, "issuer")?;
        let validity = field(issuer.rest, SEQUENCE, "validity")?;
        let subject = field(validity.rest, SEQUENCE, "subject")?;
        let spki = field(subject.rest, SEQUENCE, "subjectPublicKeyInfo")?;
        let mut rest = spki.rest;
        let (not_before, not_after) = match whole_tlv(validity.value) {
            Some(nb) => match whole_tlv(nb.rest) {
                Some(na) if na.rest.is_empty() => (nb.whole, na.whole),
                _ => return Err(bad("validity", "not two times")),
            },
            None => return Err(bad("validity", "malformed DER")),
        };
        let mut extensions: &[u8] = &[];
        while !rest.is_empty() {
            let (tag, value, after) =
                tlv(rest).ok_or_else(|| bad("tbsCertificate", "malformed DER"))?;
            if tag == EXTENSIONS_TAG {
                extensions =
                    only(value, SEQUENCE).ok_or_else(|| bad("extensions", "not a SEQUENCE"))?;
                for ext in items(extensions) {
                    let (tag, body) = ext.ok_or_else(|| bad("extension", "malformed DER"))?;
                    if tag != SEQUENCE || read_extension(body).is_none() {
                        return Err(bad(
                            "extension",
                            "not an OID, a BOOLEAN and an OCTET STRING",
                        ));
                    }
                }
            }
            rest = after;
        }
        Ok(Self {
            der,
            tbs: tbs.whole,
            outer_algorithm: outer_algorithm.whole,
            signature,
            version,
            serial: serial.value,
            inner_algorithm: inner_algorithm.whole,
            issuer: issuer.whole,
            not_before,
            not_after,
            subject: subject.whole,
            spki: spki.whole,
            extensions,
        })
    }

    /// The extensions, in order.
    pub(crate) fn extensions(&self) -> impl Iterator<Item = Extension<'a>> + 'a {
        items(self.extensions).filter_map(|item| read_extension(item?.1))
    }

    /// The first extension with this OID.
    pub(crate) fn extension(&self, oid: &[u8]) -> Option<Extension<'a>> {
        self.extensions().find(|e| e.oid == oid)
    }

    /// Whether the certificate has an extensions field with any extension.
    pub(crate) fn has_extensions(&self) -> bool {
        !self.extensions.is_empty()
    }

    /// The issuer's RDNs (the Name without its SEQUENCE header).
    pub(crate) fn issuer_content(&self) -> &'a [u8] {
        content(self.issuer)
    }

    /// The subject's RDNs.
    pub(crate) fn subject_content(&self) -> &'a [u8] {
        content(self.subject)
    }

    /// The SubjectPublicKeyInfo without its SEQUENCE header (what webpki's trust anchors hold).
    pub(crate) fn spki_content(&self) -> &'a [u8] {
        content(self.spki)
    }

    /// The SPKI's algorithm (the AlgorithmIdentifier's content) and key bits.
    pub(crate) fn public_key(&self) -> Option<(&'a [u8], &'a [u8])> {
        let (tag, algorithm, rest) = tlv(self.spki_content())?;
        match (tag, tlv(rest)?) {
            (SEQUENCE, (BIT_STRING, [0, key @ ..], [])) => Some((algorithm, key)),
            _ => None,
        }
    }

    /// notBefore and notAfter, in seconds since the epoch.
    ///
    /// # Errors
    /// [`VerifyError::MalformedCertificate`] for a time that is not UTCTime or
    /// GeneralizedTime as RFC 5280 writes them.
    pub(crate) fn validity(&self) -> Result<(u64, u64), VerifyError> {
        let time = |tlv: &[u8], field: &'static str| {
            Time::from_der(tlv)
                .map(|t| t.to_unix_duration().as_secs())
                .map_err(|e| VerifyError::malformed(field, e))
        };
        Ok((
            time(self.not_before, "notBefore")?,
            time(self.not_after, "notAfter")?,
        ))
    }

    /// basicConstraints cA.
    pub(crate) fn is_ca(&self) -> bool {
        self.extension(BASIC_CONSTRAINTS)
            .and_then(|e| only(e.value, SEQUENCE))
            .and_then(|seq| tlv(seq))
            .is_some_and(|(tag, value, _)| tag == BOOLEAN && value == [0xff])
    }

    /// The keyUsage bit `bit`, or `None` without the extension.
    pub(crate) fn key_usage(&self, bit: u8) -> Option<bool> {
        let ext = self.extension(KEY_USAGE)?;
        let bytes = only(ext.value, BIT_STRING)?.get(1..)?;
        let byte = bytes.get(usize::from(bit / 8)).copied().unwrap_or(0);
        Some(byte & (0x80 >> (bit % 8)) != 0)
    }

    /// Issuer and subject are the same name.
    pub(crate) fn self_issued(&self) -> bool {
        self.issuer == self.subject
    }

    /// The subjectKeyIdentifier's value.
    pub(crate) fn ski(&self) -> Option<&'a [u8]> {
        only(self.extension(SKI)?.value, OCTET_STRING)
    }
}

/// The value of a TLV already checked at parse.
fn content(whole: &[u8]) -> &[u8] {
    tlv(whole).map_or(&[], |(_, value, _)| value)
}

/// An Extension's content: extnID, optional critical, extnValue.
fn read_extension(body: &[u8]) -> Option<Extension<'_>> {
    let (tag, oid, rest) = tlv(body)?;
    if tag != OID {
        return None;
    }
    let (mut tag, mut value, mut rest) = tlv(rest)?;
    let mut critical = false;
    if tag == BOOLEAN {
        critical = value == [0xff];
        (tag, value, rest) = tlv(rest)?;
    }
    (tag == OCTET_STRING && rest.is_empty()).then_some(Extension {
        oid,
        critical,
        value,
    })
}
