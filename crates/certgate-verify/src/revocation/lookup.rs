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
    /// Takes what `crl` says for the `reasons` it covers for the certificate; `Some`
    /// when that settles the status (the certificate is revoked).
    pub(crate) fn add(
        &mut self,
        crl: &ParsedCrl,
        reasons: ReasonFlags,
        q: &Lookup<'_>,
    ) -> Option<RevocationStatus> {
        let times = crl;
        let now = q.now.unix_seconds();
        if now.saturating_add(THIS_UPDATE_SKEW_SECONDS) < times.this_update.unix_seconds() {
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
        if let Some(reason) = crl.entries_for(q.cert.issuer).and_then(|t| t.get(q.serial)) {
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
