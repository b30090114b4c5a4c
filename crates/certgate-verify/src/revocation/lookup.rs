//! Answering for one certificate from the CRLs that speak for it (RFC 5280 6.3.3 (c) to
//! (k)): a listed entry in any current CRL in scope revokes; otherwise the certificate
//! is good only once current CRLs in scope cover every reason (§6.3's reasons_mask
//! reaching all-reasons); short of that, a stale CRL in scope makes the status stale, and
//! no CRL at all makes it unknown.

use certgate_x509::{ReasonFlags, SerialRef, Timestamp};

use crate::revocation::crl::ParsedCrl;
use crate::revocation::policy::{ExpirationPolicy, RevocationStatus};
use crate::revocation::scope::CertScope;

/// Clock skew allowed for a CRL's thisUpdate: a CRL from further in the future says
/// nothing yet.
const THIS_UPDATE_SKEW_SECONDS: i64 = 300;

/// One question to the store: a certificate, its serial, the time and the policy.
#[derive(Debug)]
pub(crate) struct Lookup<'c> {
    pub(crate) cert: CertScope<'c>,
    pub(crate) serial: SerialRef<'c>,
    pub(crate) now: Timestamp,
    pub(crate) expiration: ExpirationPolicy,
}

/// What the CRLs considered so far say.
#[derive(Debug, Default)]
pub(crate) struct Coverage {
    /// The reasons current CRLs in scope cover (RFC 5280 6.3's reasons_mask).
    reasons: Option<ReasonFlags>,
    /// The earliest nextUpdate of a stale CRL in scope.
    stale: Option<Timestamp>,
}

impl Coverage {
    /// Takes what the complete CRL `crl`, updated by the delta CRL `delta` when one is
    /// in force, says for the `reasons` it covers for the certificate; `Some` when that
    /// settles the status (the certificate is revoked).
    ///
    /// A delta in force governs freshness (RFC 5280 6.3.3 (a)(1)(i)): a base past its
    /// nextUpdate with a current delta answers, a current base with a stale delta is
    /// stale (OpenSSL 3.0 reads a stale delta's entries without holding it to its
    /// nextUpdate).
    pub(crate) fn add(
        &mut self,
        crl: &ParsedCrl,
        delta: Option<&ParsedCrl>,
        reasons: ReasonFlags,
        q: &Lookup<'_>,
    ) -> Option<RevocationStatus> {
        let now = q.now.unix_seconds();
        let from_future = |c: &ParsedCrl| {
            now.saturating_add(THIS_UPDATE_SKEW_SECONDS) < c.this_update.unix_seconds()
        };
        // A delta from the future is not in force yet.
        let delta = delta.filter(|d| !from_future(d));
        let times = delta.unwrap_or(crl);
        if from_future(times) {
            return None;
        }
        if let Some(next) = times.next_update {
            let grace = match q.expiration {
                ExpirationPolicy::Enforce => 0,
                ExpirationPolicy::Grace(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            };
            if now > next.unix_seconds().saturating_add(grace) {
                self.stale = Some(self.stale.map_or(next, |s| s.min(next)));
                return None;
            }
        }
        if let Some(reason) = listed(crl, delta, q) {
            return Some(RevocationStatus::Revoked(reason));
        }
        self.reasons = Some(self.reasons.unwrap_or(ReasonFlags::NONE).union(reasons));
        None
    }

    /// Whether no CRL in scope was seen (stale ones count as seen).
    pub(crate) fn is_empty(&self) -> bool {
        self.reasons.is_none() && self.stale.is_none()
    }

    /// The status once every CRL in scope was taken.
    pub(crate) fn finish(self) -> RevocationStatus {
        match (self.reasons, self.stale) {
            (Some(r), _) if r.is_all() => RevocationStatus::Good,
            (_, Some(next_update)) => RevocationStatus::Stale { next_update },
            _ => RevocationStatus::Unknown,
        }
    }
}

/// The reason `q`'s certificate is revoked for, if it is: the delta is looked up first
/// (its table is the small one), and its removeFromCRL entry releases a certificate the
/// base lists (a certificateHold lifted); else the base answers.
fn listed(crl: &ParsedCrl, delta: Option<&ParsedCrl>, q: &Lookup<'_>) -> Option<Option<u8>> {
    let issuer = q.cert.issuer;
    if let Some(reason) = delta.and_then(|d| d.entries_for(issuer)?.get(q.serial)) {
        return (reason != Some(REMOVE_FROM_CRL)).then_some(reason);
    }
    crl.entries_for(issuer)?.get(q.serial)
}

/// removeFromCRL's reason code (RFC 5280 5.3.1).
const REMOVE_FROM_CRL: u8 = 8;
