//! Trust anchors given as certificates, checked the way a `RootCertStore` cannot.

use rustls_pki_types::UnixTime;

use crate::path::rfc5280::{self, CertView, Rfc5280Rules, Role};
use certgate_x509::{Extensions, Timestamp};

use crate::path::violation::{AnchorError, Rfc5280Violation};

/// Extensions whose meaning path validation knows, so they may be critical on any
/// certificate of a path: SKI, keyUsage, SAN, basicConstraints, nameConstraints,
/// cRLDistributionPoints, certificatePolicies, policyMappings, AKI, policyConstraints,
/// extKeyUsage, inhibitAnyPolicy (2.5.29.x). (A critical extension outside this list
/// refuses the certificate, RFC 5280 6.1.4 (o) and 6.1.5 (e).)
pub(crate) const KNOWN_EXTENSIONS: [&[u8]; 12] = [
    &[0x55, 0x1d, 0x0e],
    &[0x55, 0x1d, 0x0f],
    &[0x55, 0x1d, 0x11],
    &[0x55, 0x1d, 0x13],
    &[0x55, 0x1d, 0x1e],
    &[0x55, 0x1d, 0x1f],
    &[0x55, 0x1d, 0x20],
    &[0x55, 0x1d, 0x21],
    &[0x55, 0x1d, 0x23],
    &[0x55, 0x1d, 0x24],
    &[0x55, 0x1d, 0x25],
    &[0x55, 0x1d, 0x36],
];

/// [`KNOWN_EXTENSIONS`] as the bit set `Extensions::critical_except` takes (all are
/// id-ce extensions).
pub(crate) const KNOWN_EXTENSION_ARCS: u64 = Extensions::id_ce_arcs(&KNOWN_EXTENSIONS);

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
    check_anchor(&view, now, rules)?;
    Ok((view.not_before, view.not_after))
}

/// [`check_trust_anchor`] on a certificate already read.
fn check_anchor(
    view: &CertView<'_>,
    now: UnixTime,
    rules: Rfc5280Rules,
) -> Result<(), AnchorError> {
    if !view.is_ca() {
        return Err(AnchorError::NotCa);
    }
    rfc5280::check(view, Role::Anchor, rules)?;
    let (not_before, not_after) = (view.not_before, view.not_after);
    let now = Timestamp::from_unix_seconds(i64::try_from(now.as_secs()).unwrap_or(i64::MAX));
    if not_after < now {
        return Err(AnchorError::Expired { not_after });
    }
    if not_before > now {
        return Err(AnchorError::NotYetValid { not_before });
    }
    if let Some(ext) = view.extensions.critical_except(KNOWN_EXTENSION_ARCS) {
        let oid =
            certgate_x509::oid::dotted(ext.oid).unwrap_or_else(|| "(malformed OID)".to_owned());
        return Err(AnchorError::UnknownCriticalExtension { oid });
    }
    Ok(())
}

/// A trust anchor as path validation uses it (RFC 5280 6.1.1 (d)): its name, key, name
/// constraints and validity, read once when the verifier is built.
#[derive(Debug)]
pub(crate) struct Anchor {
    /// The subject, the whole DER `Name`.
    pub(crate) subject: Box<[u8]>,
    /// The key's algorithm (the AlgorithmIdentifier's content) and octets.
    pub(crate) algorithm: Box<[u8]>,
    pub(crate) key: Box<[u8]>,
    /// The subjectKeyIdentifier, to try the anchor an authorityKeyIdentifier names first.
    pub(crate) key_id: Option<Box<[u8]>>,
    /// The nameConstraints extension's value: an anchor's constraints bind its paths.
    pub(crate) name_constraints: Option<Box<[u8]>>,
    pub(crate) not_before: Timestamp,
    pub(crate) not_after: Timestamp,
}

impl Anchor {
    /// Checks `der` as [`check_trust_anchor`] does and keeps what validation needs.
    pub(crate) fn from_der(
        der: &[u8],
        now: UnixTime,
        rules: Rfc5280Rules,
    ) -> Result<Self, AnchorError> {
        let view = CertView::parse(der).map_err(Rfc5280Violation::from)?;
        check_anchor(&view, now, rules)?;
        let (algorithm, key) = view.public_key();
        Ok(Self {
            subject: view.subject.der().into(),
            algorithm: algorithm.into(),
            key: key.into(),
            key_id: view.subject_key_id().ok().flatten().map(Into::into),
            name_constraints: view
                .extension(certgate_x509::oid::ext::NAME_CONSTRAINTS)
                .map(|e| e.value.into()),
            not_before: view.not_before,
            not_after: view.not_after,
        })
    }

    /// Whether the anchor is valid at `seconds` (Unix time).
    pub(crate) fn check_validity(&self, seconds: i64) -> Result<(), crate::FailureReason> {
        if seconds > self.not_after.unix_seconds() {
            return Err(crate::FailureReason::Expired);
        }
        if seconds < self.not_before.unix_seconds() {
            return Err(crate::FailureReason::NotYetValid);
        }
        Ok(())
    }
}
