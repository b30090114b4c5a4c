//! When every candidate path fails, the most relevant reason wins, not the last one
//! seen: path building tries every certificate of the issuer's name, and the wrong
//! key's signature failure must not hide what is wrong with the right one (a
//! self-issued certificate under a pathLenConstraint, say).

use std::cell::RefCell;

use crate::info::FailureReason;

/// How relevant a reason is when candidate paths fail for different ones (higher wins):
/// revoked, then expired or not yet valid, then what the CRLs cannot say, wrong usage,
/// a broken rule of RFC 5280, the rarer failures, a bad signature, and last no issuer.
pub(crate) fn rank(reason: &FailureReason) -> u8 {
    match reason {
        FailureReason::Revoked => 10,
        FailureReason::Expired | FailureReason::NotYetValid => 9,
        FailureReason::CrlExpired { .. } => 8,
        FailureReason::RevocationStatusUnknown => 7,
        FailureReason::WrongKeyUsage | FailureReason::NameMismatch => 6,
        FailureReason::Malformed(_) => 5,
        FailureReason::Other(_) => 4,
        FailureReason::BadSignature => 2,
        FailureReason::UnknownIssuer => 1,
    }
}

/// The best reason seen so far (the first of equal rank stays, as in webpki).
#[derive(Debug, Default)]
pub(crate) struct Best(RefCell<Option<FailureReason>>);

impl Best {
    pub(crate) fn offer(&self, reason: FailureReason) {
        let mut best = self.0.borrow_mut();
        if best.as_ref().is_none_or(|b| rank(&reason) > rank(b)) {
            *best = Some(reason);
        }
    }

    pub(crate) fn take(&self) -> Option<FailureReason> {
        self.0.borrow_mut().take()
    }
}
