//! Trust anchors given as certificates, checked the way a `RootCertStore` cannot.

use rustls_pki_types::UnixTime;

use crate::path::rfc5280::{self, CertView, Rfc5280Rules, Role};
use certgate_x509::Timestamp;

use crate::path::violation::{AnchorError, Rfc5280Violation};

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

/// Checks a trust anchor the way a `RootCertStore` cannot (it keeps only subject, key
/// and name constraints): a CA that may sign certificates, valid at `now`, with no critical
/// extension we do not understand; and the RFC 5280 rules `rules` puts in force (with
/// [`Rfc5280Rules::Strict`], a subjectKeyIdentifier, a critical basicConstraints, ...).
/// Returns its notBefore and notAfter.
///
/// # Errors
/// The [`AnchorError`] that makes it unusable.
pub fn check_trust_anchor(
    der: &[u8],
    now: UnixTime,
    rules: Rfc5280Rules,
) -> Result<(Timestamp, Timestamp), AnchorError> {
    let view = CertView::parse(der).map_err(Rfc5280Violation::from)?;
    if !view.is_ca() {
        return Err(AnchorError::NotCa);
    }
    rfc5280::check(&view, Role::Anchor, rules)?;
    let (not_before, not_after) = (view.not_before, view.not_after);
    let now = Timestamp::from_unix_seconds(i64::try_from(now.as_secs()).unwrap_or(i64::MAX));
    if not_after < now {
        return Err(AnchorError::Expired { not_after });
    }
    if not_before > now {
        return Err(AnchorError::NotYetValid { not_before });
    }
    if let Some(ext) = view
        .extensions
        .iter()
        .find(|e| e.critical && !KNOWN_EXTENSIONS.contains(&e.oid))
    {
        let oid =
            certgate_x509::oid::dotted(ext.oid).unwrap_or_else(|| "(malformed OID)".to_owned());
        return Err(AnchorError::UnknownCriticalExtension { oid });
    }
    Ok((not_before, not_after))
}
