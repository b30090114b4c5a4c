//! Reading a CRL (RFC 5280 section 5) in one streaming walk over its DER: the issuer,
//! the CRL Number, the AKI, the validity window and the revoked serials as fixed-width
//! keys. The DER is not kept.

use std::collections::{HashMap, HashSet};

use der::asn1::AnyRef;
use der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged};
use rustls_pki_types::SignatureVerificationAlgorithm;
use x509_cert::time::Time;

use crate::VerifyError;

/// Width of a serial key: RFC 5280 serials are at most 20 octets.
pub(crate) const SERIAL_WIDTH: usize = 20;

/// A serial number as a fixed-width key: unsigned big-endian, left-padded with zeros.
pub(crate) type SerialKey = [u8; SERIAL_WIDTH];

const CRL_NUMBER: &str = "2.5.29.20";
const AKI: &str = "2.5.29.35";
const DELTA_CRL_INDICATOR: &str = "2.5.29.27";
const ISSUING_DISTRIBUTION_POINT: &str = "2.5.29.28";
const REASON_CODE: &str = "2.5.29.21";
const INVALIDITY_DATE: &str = "2.5.29.24";

/// Why a CRL entry was revoked (RFC 5280 5.3.1); `None` when unspecified.
pub(crate) type Reason = Option<u8>;

/// A parsed, signature-checked CRL.
#[derive(Debug)]
pub(crate) struct ParsedCrl {
    pub(crate) issuer: Vec<u8>,
    pub(crate) authority_key_id: Option<Vec<u8>>,
    pub(crate) number: Vec<u8>,
    pub(crate) this_update: u64,
    pub(crate) next_update: Option<u64>,
    pub(crate) revoked: HashSet<SerialKey>,
    /// Serials longer than 20 octets (non-conforming, but seen in the wild).
    pub(crate) long_serials: HashMap<Vec<u8>, Reason>,
    /// Reasons of the entries that give one.
    pub(crate) reasons: HashMap<SerialKey, u8>,
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

/// The serial's value bytes as a key: sign byte dropped, left-padded. `Err` when longer.
pub(crate) fn serial_key(value: &[u8]) -> Result<SerialKey, Vec<u8>> {
    let trimmed = match value {
        [0, rest @ ..] if !rest.is_empty() => rest,
        v => v,
    };
    if trimmed.len() > SERIAL_WIDTH {
        return Err(trimmed.to_vec());
    }
    let mut key = [0u8; SERIAL_WIDTH];
    key[SERIAL_WIDTH - trimmed.len()..].copy_from_slice(trimmed);
    Ok(key)
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

/// Parses `der` and checks its signature against one of `issuers`.
pub(crate) fn parse(
    der: &[u8],
    issuers: &[CrlIssuer],
    algs: &[&dyn SignatureVerificationAlgorithm],
) -> Result<ParsedCrl, VerifyError> {
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
        revoked: HashSet::new(),
        long_serials: HashMap::new(),
        reasons: HashMap::new(),
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
    verify_signature(
        &crl,
        tbs_der,
        sig_alg.value(),
        &signature.value()[1..],
        issuers,
        algs,
    )?;
    Ok(crl)
}

fn verify_signature(
    crl: &ParsedCrl,
    tbs: &[u8],
    sig_alg: &[u8],
    signature: &[u8],
    issuers: &[CrlIssuer],
    algs: &[&dyn SignatureVerificationAlgorithm],
) -> Result<(), VerifyError> {
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
            return Ok(());
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
    let mut r = SliceReader::new(body).map_err(|e| bad("revokedCertificates", e))?;
    while !r.is_finished() {
        let entry = tlv(&mut r, "revokedCertificates")?;
        let mut e = SliceReader::new(entry.value()).map_err(|e| bad("revokedCertificate", e))?;
        let serial = tlv(&mut e, "userCertificate")?;
        if serial.tag() != Tag::Integer {
            return Err(bad("userCertificate", "not an INTEGER"));
        }
        let _date = tlv(&mut e, "revocationDate")?;
        let mut reason = None;
        if !e.is_finished() {
            let exts = tlv(&mut e, "crlEntryExtensions")?;
            reason = read_entry_extensions(exts.value())?;
        }
        match serial_key(serial.value()) {
            Ok(key) => {
                crl.revoked.insert(key);
                if let Some(r) = reason {
                    crl.reasons.insert(key, r);
                }
            }
            Err(long) => {
                crl.long_serials.insert(long, reason);
            }
        }
    }
    Ok(())
}

/// Walks `Extensions`, calling `each(oid, critical, value)`.
fn extensions(
    body: &[u8],
    mut each: impl FnMut(&str, bool, &[u8]) -> Result<(), VerifyError>,
) -> Result<(), VerifyError> {
    let mut r = SliceReader::new(body).map_err(|e| bad("extensions", e))?;
    while !r.is_finished() {
        let ext = tlv(&mut r, "extension")?;
        let mut x = SliceReader::new(ext.value()).map_err(|e| bad("extension", e))?;
        let oid: const_oid::ObjectIdentifier = x.decode().map_err(|e| bad("extension", e))?;
        let mut next = tlv(&mut x, "extension")?;
        let mut critical = false;
        if next.tag() == Tag::Boolean {
            critical = next.value() == [0xff];
            next = tlv(&mut x, "extension")?;
        }
        each(&oid.to_string(), critical, next.value())?;
    }
    Ok(())
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
                    format!("unsupported critical extension {oid}"),
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
                    format!("unsupported critical extension {oid}"),
                ));
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(has_number)
}
