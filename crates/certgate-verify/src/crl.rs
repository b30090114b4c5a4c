//! Reading a CRL (RFC 5280 section 5) in one streaming walk over its DER: the issuer,
//! the CRL Number, the AKI, the validity window and the revoked serials as fixed-width
//! keys. The DER is not kept.

use der::asn1::AnyRef;
use der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged};
use rustls_pki_types::SignatureVerificationAlgorithm;
use x509_cert::time::Time;

use crate::VerifyError;
use crate::der_walk::{GENERALIZED_TIME, INTEGER, SEQUENCE, UTC_TIME, tlv as raw_tlv};
use crate::serials::{Reason, SerialTable};

const CRL_NUMBER: &[u8] = &[0x55, 0x1d, 0x14];
const AKI: &[u8] = &[0x55, 0x1d, 0x23];
const DELTA_CRL_INDICATOR: &[u8] = &[0x55, 0x1d, 0x1b];
const ISSUING_DISTRIBUTION_POINT: &[u8] = &[0x55, 0x1d, 0x1c];
const REASON_CODE: &[u8] = &[0x55, 0x1d, 0x15];
const INVALIDITY_DATE: &[u8] = &[0x55, 0x1d, 0x18];

/// A parsed, signature-checked CRL.
#[derive(Debug)]
pub(crate) struct ParsedCrl {
    pub(crate) issuer: Vec<u8>,
    pub(crate) authority_key_id: Option<Vec<u8>>,
    pub(crate) number: Vec<u8>,
    pub(crate) this_update: u64,
    pub(crate) next_update: Option<u64>,
    /// The revoked serials.
    pub(crate) revoked: SerialTable,
    /// The public key (subjectPublicKey bits) of the issuer whose signature was checked.
    pub(crate) issuer_key: Vec<u8>,
}

/// The signed parts of a CRL, kept while its issuer is not known yet.
#[derive(Debug)]
pub(crate) struct Signed {
    tbs: Vec<u8>,
    sig_alg: Vec<u8>,
    signature: Vec<u8>,
}

/// A CRL read at load whose signature is checked when its issuer is first seen on a path.
#[derive(Debug)]
pub(crate) struct PendingCrl {
    pub(crate) crl: std::sync::Arc<ParsedCrl>,
    pub(crate) signed: Signed,
}

/// What loading one CRL gives.
#[derive(Debug)]
pub(crate) enum Loaded {
    /// Its signature was checked against a configured issuer.
    Verified(ParsedCrl),
    /// No configured certificate has its issuer's name: checked on first use.
    Pending(PendingCrl),
}

fn bad(field: &'static str, reason: impl std::fmt::Display) -> VerifyError {
    VerifyError::MalformedCrl {
        field,
        reason: reason.to_string(),
    }
}

fn tlv<'a>(r: &mut SliceReader<'a>, field: &'static str) -> Result<AnyRef<'a>, VerifyError> {
    r.decode().map_err(|e| bad(field, e))
}

fn seconds(t: &AnyRef<'_>, field: &'static str) -> Result<u64, VerifyError> {
    let der = der::Encode::to_der(t).map_err(|e| bad(field, e))?;
    Ok(Time::from_der(&der)
        .map_err(|e| bad(field, e))?
        .to_unix_duration()
        .as_secs())
}

/// The issuer that signs CRLs: its subject, SPKI and key id.
#[derive(Clone, Debug)]
pub(crate) struct CrlIssuer {
    pub(crate) subject: Vec<u8>,
    pub(crate) spki_algorithm: Vec<u8>,
    pub(crate) public_key: Vec<u8>,
    pub(crate) key_id: Option<Vec<u8>>,
    pub(crate) can_sign_crls: bool,
}

/// Parses `der` and checks its signature against one of `issuers`; when none has the
/// CRL's issuer name, keeps what is needed to check it on first use.
pub(crate) fn load(
    der: &[u8],
    issuers: &[CrlIssuer],
    algs: &[&dyn SignatureVerificationAlgorithm],
) -> Result<Loaded, VerifyError> {
    let outer = AnyRef::from_der(der).map_err(|e| bad("CertificateList", e))?;
    let mut r = SliceReader::new(outer.value()).map_err(|e| bad("CertificateList", e))?;
    let start = usize::try_from(r.position()).map_err(|e| bad("tbsCertList", e))?;
    let tbs = tlv(&mut r, "tbsCertList")?;
    let end = usize::try_from(r.position()).map_err(|e| bad("tbsCertList", e))?;
    let tbs_der = &outer.value()[start..end];
    let sig_alg = tlv(&mut r, "signatureAlgorithm")?;
    let signature = tlv(&mut r, "signatureValue")?;
    r.finish().map_err(|e| bad("CertificateList", e))?;
    if signature.tag() != Tag::BitString || signature.value().first() != Some(&0) {
        return Err(bad("signatureValue", "not a BIT STRING of whole octets"));
    }

    let mut t = SliceReader::new(tbs.value()).map_err(|e| bad("tbsCertList", e))?;
    let mut item = tlv(&mut t, "version")?;
    if item.tag() == Tag::Integer {
        if item.value() != [1] {
            return Err(bad("version", "only v2 CRLs are accepted"));
        }
        item = tlv(&mut t, "signature")?;
    } else {
        return Err(bad(
            "version",
            "v1 CRLs (without extensions) are not accepted",
        ));
    }
    if item.value() != sig_alg.value() {
        return Err(bad("signature", "differs from signatureAlgorithm"));
    }
    // Names are keyed by their content (without the SEQUENCE header), as webpki gives them.
    let issuer = tlv(&mut t, "issuer")?.value().to_vec();
    let this_update = seconds(&tlv(&mut t, "thisUpdate")?, "thisUpdate")?;
    let mut crl = ParsedCrl {
        issuer,
        authority_key_id: None,
        number: Vec::new(),
        this_update,
        next_update: None,
        revoked: SerialTable::default(),
        issuer_key: Vec::new(),
    };
    let mut has_number = false;
    while !t.is_finished() {
        let item = tlv(&mut t, "tbsCertList")?;
        match item.tag() {
            Tag::UtcTime | Tag::GeneralizedTime => {
                crl.next_update = Some(seconds(&item, "nextUpdate")?)
            }
            Tag::Sequence => read_entries(item.value(), &mut crl)?,
            Tag::ContextSpecific {
                constructed: true,
                number: TagNumber(0),
            } => {
                has_number = read_crl_extensions(item.value(), &mut crl)?;
            }
            other => return Err(bad("tbsCertList", format!("unexpected {other}"))),
        }
    }
    if !has_number {
        return Err(bad(
            "crlExtensions",
            "no CRL Number (RFC 5280 5.2.3 requires one)",
        ));
    }
    let sig = signature.value().get(1..).unwrap_or_default();
    if !issuers.iter().any(|i| i.subject == crl.issuer) {
        return Ok(Loaded::Pending(PendingCrl {
            crl: std::sync::Arc::new(crl),
            signed: Signed {
                tbs: tbs_der.to_vec(),
                sig_alg: sig_alg.value().to_vec(),
                signature: sig.to_vec(),
            },
        }));
    }
    crl.issuer_key = verify_signature(&crl, tbs_der, sig_alg.value(), sig, issuers, algs)?;
    Ok(Loaded::Verified(crl))
}

impl PendingCrl {
    /// Checks the signature against `issuer` (the certificate on the path whose subject
    /// is the CRL's issuer).
    ///
    /// # Errors
    /// [`VerifyError::CrlIssuer`] when that issuer did not sign it or may not sign CRLs.
    pub(crate) fn verify(
        &self,
        issuer: &CrlIssuer,
        algs: &[&dyn SignatureVerificationAlgorithm],
    ) -> Result<(), VerifyError> {
        verify_signature(
            &self.crl,
            &self.signed.tbs,
            &self.signed.sig_alg,
            &self.signed.signature,
            std::slice::from_ref(issuer),
            algs,
        )
        .map(|_| ())
    }
}

/// Checks the signature against the candidate issuers; the key that verified it.
fn verify_signature(
    crl: &ParsedCrl,
    tbs: &[u8],
    sig_alg: &[u8],
    signature: &[u8],
    issuers: &[CrlIssuer],
    algs: &[&dyn SignatureVerificationAlgorithm],
) -> Result<Vec<u8>, VerifyError> {
    let candidates = issuers.iter().filter(|i| {
        i.subject == crl.issuer
            && match (&crl.authority_key_id, &i.key_id) {
                (Some(aki), Some(ski)) => aki == ski,
                _ => true,
            }
    });
    let mut found = false;
    for issuer in candidates {
        found = true;
        if !issuer.can_sign_crls {
            return Err(VerifyError::CrlIssuer {
                reason: "the issuer's keyUsage lacks cRLSign".into(),
            });
        }
        let ok = algs.iter().any(|alg| {
            alg.signature_alg_id().as_ref() == sig_alg
                && alg.public_key_alg_id().as_ref() == issuer.spki_algorithm.as_slice()
                && alg
                    .verify_signature(&issuer.public_key, tbs, signature)
                    .is_ok()
        });
        if ok {
            return Ok(issuer.public_key.clone());
        }
    }
    Err(VerifyError::CrlIssuer {
        reason: if found {
            "the signature does not verify with the issuer's key".into()
        } else {
            "no trusted or configured certificate issued it".into()
        },
    })
}

fn read_entries(body: &[u8], crl: &mut ParsedCrl) -> Result<(), VerifyError> {
    let malformed = || bad("revokedCertificates", "malformed DER");
    // A first pass counts the entries, so the table is allocated once, at its size.
    let mut count = 0;
    let mut rest = body;
    while !rest.is_empty() {
        let (tag, _, next) = raw_tlv(rest).ok_or_else(malformed)?;
        if tag != SEQUENCE {
            return Err(bad("revokedCertificate", "not a SEQUENCE"));
        }
        rest = next;
        count += 1;
    }
    crl.revoked = SerialTable::with_capacity(count);
    let mut rest = body;
    while !rest.is_empty() {
        let (_, entry, next) = raw_tlv(rest).ok_or_else(malformed)?;
        rest = next;
        let (tag, serial, after) = raw_tlv(entry).ok_or_else(malformed)?;
        if tag != INTEGER || serial.is_empty() {
            return Err(bad("userCertificate", "not an INTEGER"));
        }
        let (tag, _date, after) = raw_tlv(after).ok_or_else(malformed)?;
        if tag != UTC_TIME && tag != GENERALIZED_TIME {
            return Err(bad("revocationDate", "not a Time"));
        }
        let mut reason = None;
        if !after.is_empty() {
            let (tag, exts, after) = raw_tlv(after).ok_or_else(malformed)?;
            if tag != SEQUENCE || !after.is_empty() {
                return Err(bad("crlEntryExtensions", "not one SEQUENCE"));
            }
            reason = read_entry_extensions(exts)?;
        }
        crl.revoked.insert(serial, reason);
    }
    Ok(())
}

/// Walks `Extensions`, calling `each(oid, critical, value)` with the OID's value bytes.
fn extensions(
    body: &[u8],
    mut each: impl FnMut(&[u8], bool, &[u8]) -> Result<(), VerifyError>,
) -> Result<(), VerifyError> {
    let mut r = SliceReader::new(body).map_err(|e| bad("extensions", e))?;
    while !r.is_finished() {
        let ext = tlv(&mut r, "extension")?;
        let mut x = SliceReader::new(ext.value()).map_err(|e| bad("extension", e))?;
        let oid = tlv(&mut x, "extension")?;
        if oid.tag() != Tag::ObjectIdentifier {
            return Err(bad("extension", "extnID is not an OBJECT IDENTIFIER"));
        }
        let mut next = tlv(&mut x, "extension")?;
        let mut critical = false;
        if next.tag() == Tag::Boolean {
            critical = next.value() == [0xff];
            next = tlv(&mut x, "extension")?;
        }
        each(oid.value(), critical, next.value())?;
    }
    Ok(())
}

/// An OID's value bytes, for messages.
fn oid_text(value: &[u8]) -> String {
    const_oid::ObjectIdentifier::from_bytes(value)
        .map(|o| o.to_string())
        .unwrap_or_else(|_| "(malformed OID)".into())
}

fn read_entry_extensions(body: &[u8]) -> Result<Reason, VerifyError> {
    let mut reason = None;
    extensions(body, |oid, critical, value| {
        match oid {
            REASON_CODE => {
                let code = AnyRef::from_der(value).map_err(|e| bad("reasonCode", e))?;
                reason = code.value().first().copied();
            }
            INVALIDITY_DATE => {}
            // certificateIssuer (indirect CRLs) and anything else critical: refuse.
            _ if critical => {
                return Err(bad(
                    "crlEntryExtensions",
                    format!("unsupported critical extension {}", oid_text(oid)),
                ));
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(reason)
}

fn read_crl_extensions(wrapped: &[u8], crl: &mut ParsedCrl) -> Result<bool, VerifyError> {
    let seq = AnyRef::from_der(wrapped).map_err(|e| bad("crlExtensions", e))?;
    let mut has_number = false;
    extensions(seq.value(), |oid, critical, value| {
        match oid {
            CRL_NUMBER => {
                if critical {
                    return Err(bad("cRLNumber", "must not be critical (RFC 5280 5.2.3)"));
                }
                let n = AnyRef::from_der(value).map_err(|e| bad("cRLNumber", e))?;
                if n.tag() != Tag::Integer || n.value().len() > 21 {
                    return Err(bad("cRLNumber", "not an INTEGER of at most 20 octets"));
                }
                crl.number = match n.value() {
                    [0, rest @ ..] if !rest.is_empty() => rest.to_vec(),
                    v => v.to_vec(),
                };
                has_number = true;
            }
            AKI => {
                let aki = x509_cert::ext::pkix::AuthorityKeyIdentifier::from_der(value)
                    .map_err(|e| bad("authorityKeyIdentifier", e))?;
                crl.authority_key_id = aki.key_identifier.map(|k| k.as_bytes().to_vec());
            }
            DELTA_CRL_INDICATOR => {
                return Err(bad("crlExtensions", "delta CRLs are not supported"));
            }
            ISSUING_DISTRIBUTION_POINT if critical => {
                return Err(bad(
                    "crlExtensions",
                    "partitioned CRLs (issuingDistributionPoint) are not supported",
                ));
            }
            _ if critical => {
                return Err(bad(
                    "crlExtensions",
                    format!("unsupported critical extension {}", oid_text(oid)),
                ));
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(has_number)
}
