//! Trust anchors given as certificates, checked the way a `RootCertStore` cannot.

use der::Decode;
use rustls_pki_types::UnixTime;

use crate::rfc5280::{self, CertView, Role};

/// Extensions whose meaning we (and webpki) know, so they may be critical on an anchor.
const KNOWN_EXTENSIONS: [&str; 9] = [
    "2.5.29.14", // subjectKeyIdentifier
    "2.5.29.15", // keyUsage
    "2.5.29.17", // subjectAltName
    "2.5.29.19", // basicConstraints
    "2.5.29.30", // nameConstraints
    "2.5.29.32", // certificatePolicies
    "2.5.29.35", // authorityKeyIdentifier
    "2.5.29.36", // policyConstraints
    "2.5.29.37", // extKeyUsage
];

/// Checks a trust anchor the way a `RootCertStore` cannot (it keeps only subject, key
/// and name constraints): a CA that may sign certificates, with a critical
/// basicConstraints and a subjectKeyIdentifier, valid at `now`, and no critical
/// extension we do not understand. Returns its notBefore and notAfter (Unix seconds).
///
/// # Errors
/// What is wrong with it, in words.
pub fn check_trust_anchor(der: &[u8], now: UnixTime) -> Result<(u64, u64), String> {
    use x509_cert::ext::pkix::BasicConstraints;
    let cert = x509_cert::Certificate::from_der(der).map_err(|e| e.to_string())?;
    let tbs = cert.tbs_certificate();
    match tbs.get_extension::<BasicConstraints>() {
        Ok(Some((_, bc))) if bc.ca => {}
        _ => return Err("not a CA (basicConstraints cA is not TRUE)".into()),
    }
    let view = CertView::parse(der)?;
    rfc5280::check(&view, Role::Anchor)?;
    let validity = tbs.validity();
    let not_before = validity.not_before.to_unix_duration().as_secs();
    let not_after = validity.not_after.to_unix_duration().as_secs();
    if not_after < now.as_secs() {
        return Err(format!("expired on {}", validity.not_after));
    }
    if not_before > now.as_secs() {
        return Err(format!("not valid before {}", validity.not_before));
    }
    for ext in tbs.extensions().into_iter().flatten() {
        let oid = ext.extn_id.to_string();
        if ext.critical && !KNOWN_EXTENSIONS.contains(&oid.as_str()) {
            return Err(format!("unknown critical extension {oid}"));
        }
    }
    Ok((not_before, not_after))
}
