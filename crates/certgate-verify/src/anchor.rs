//! Trust anchors given as certificates, checked the way a `RootCertStore` cannot.

use der::Decode;
use rustls_pki_types::UnixTime;
use x509_cert::time::Time;

use crate::rfc5280::{self, CertView, Role};

/// Extensions whose meaning we (and webpki) know, so they may be critical on an anchor:
/// SKI, keyUsage, SAN, basicConstraints, nameConstraints, certificatePolicies, AKI,
/// policyConstraints, extKeyUsage (2.5.29.x).
const KNOWN_EXTENSIONS: [&[u8]; 9] = [
    &[0x55, 0x1d, 0x0e],
    &[0x55, 0x1d, 0x0f],
    &[0x55, 0x1d, 0x11],
    &[0x55, 0x1d, 0x13],
    &[0x55, 0x1d, 0x1e],
    &[0x55, 0x1d, 0x20],
    &[0x55, 0x1d, 0x23],
    &[0x55, 0x1d, 0x24],
    &[0x55, 0x1d, 0x25],
];

/// A certificate time as written (for messages).
fn shown(tlv: &[u8]) -> String {
    Time::from_der(tlv).map_or_else(|e| e.to_string(), |t| t.to_string())
}

/// Checks a trust anchor the way a `RootCertStore` cannot (it keeps only subject, key
/// and name constraints): a CA that may sign certificates, with a critical
/// basicConstraints and a subjectKeyIdentifier, valid at `now`, and no critical
/// extension we do not understand. Returns its notBefore and notAfter (Unix seconds).
///
/// # Errors
/// What is wrong with it, in words.
pub fn check_trust_anchor(der: &[u8], now: UnixTime) -> Result<(u64, u64), String> {
    let view = CertView::parse(der).map_err(|e| e.to_string())?;
    if !view.is_ca() {
        return Err("not a CA (basicConstraints cA is not TRUE)".into());
    }
    rfc5280::check(&view, Role::Anchor)?;
    let (not_before, not_after) = view.validity().map_err(|e| e.to_string())?;
    if not_after < now.as_secs() {
        return Err(format!("expired on {}", shown(view.not_after)));
    }
    if not_before > now.as_secs() {
        return Err(format!("not valid before {}", shown(view.not_before)));
    }
    if let Some(ext) = view
        .extensions()
        .find(|e| e.critical && !KNOWN_EXTENSIONS.contains(&e.oid))
    {
        let oid = const_oid::ObjectIdentifier::from_bytes(ext.oid)
            .map_or_else(|_| "(malformed OID)".to_owned(), |o| o.to_string());
        return Err(format!("unknown critical extension {oid}"));
    }
    Ok((not_before, not_after))
}
