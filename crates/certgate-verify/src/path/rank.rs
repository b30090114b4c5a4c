//! When every candidate path fails, the most relevant reason wins (as webpki ranks its
//! errors across candidate paths), not the last one seen: webpki's errors are mapped to
//! ours in one place, ranked with the path hook's, and a failure webpki puts down to a
//! signature is looked at again, because path building tries every certificate of the
//! issuer's name, and the wrong key's signature failure hides what is wrong with the
//! right one (a self-issued certificate under a pathLenConstraint, say).

use std::cell::RefCell;
use std::sync::{Mutex, PoisonError};

use rustls_pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, SignatureVerificationAlgorithm, UnixTime,
};
use webpki::{EndEntityCert, VerifiedPath};

use crate::info::FailureReason;
use crate::path::chain::ChainVerifier;
use crate::path::der_walk::{BIT_STRING, SEQUENCE, tlv};
use crate::path::usage::Usage;
use crate::path::violation::{OtherFailure, Rfc5280Violation as V};
use certgate_x509::CertView;

/// What the path hook answers webpki when it refuses a path: the lowest-ranked error,
/// so that webpki's own final error is the best of its own (the hook's reasons are kept
/// aside, in a [`Best`]).
pub(crate) const HOOK_REFUSED: webpki::Error = webpki::Error::UnknownIssuer;

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

/// Maps webpki's verdict to ours.
pub(crate) fn reason_of(err: &webpki::Error) -> FailureReason {
    use webpki::Error as E;
    let malformed = FailureReason::Malformed;
    let unreadable = |field| {
        malformed(V::Unreadable {
            field,
            detail: format!("{err:?}"),
        })
    };
    match err {
        E::CertExpired { .. } => FailureReason::Expired,
        E::CertNotValidYet { .. } => FailureReason::NotYetValid,
        E::UnknownIssuer => FailureReason::UnknownIssuer,
        E::CertRevoked => FailureReason::Revoked,
        E::RequiredEkuNotFoundContext(_) => FailureReason::WrongKeyUsage,
        E::InvalidSignatureForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | E::UnsupportedSignatureAlgorithmContext(_) => FailureReason::BadSignature,
        E::CertNotValidForName(_) => FailureReason::NameMismatch,
        E::NameConstraintViolation => malformed(V::NameConstraintViolation),
        E::PathLenConstraintViolated => malformed(V::PathLenConstraint),
        E::CaUsedAsEndEntity => malformed(V::CaUsedAsEndEntity),
        E::EndEntityUsedAsCa => malformed(V::EndEntityUsedAsCa),
        E::UnsupportedCriticalExtension => malformed(V::UnsupportedCriticalExtension),
        E::UnsupportedCertVersion => malformed(V::UnsupportedVersion),
        E::EmptyEkuExtension => malformed(V::EmptyExtendedKeyUsage),
        E::InvalidCertValidity => malformed(V::InvalidValidity),
        E::InvalidNetworkMaskConstraint => malformed(V::InvalidNetworkMask),
        E::SignatureAlgorithmMismatch => malformed(V::SignatureAlgorithmMismatch),
        E::MalformedDnsIdentifier | E::UnsupportedNameType => unreadable("subjectAltName"),
        E::MalformedNameConstraint => unreadable("nameConstraints"),
        E::MalformedExtensions | E::ExtensionValueInvalid => unreadable("extensions"),
        E::InvalidSerialNumber => unreadable("serialNumber"),
        E::MaximumPathDepthExceeded
        | E::MaximumPathBuildCallsExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumNameConstraintComparisonsExceeded => {
            FailureReason::Other(OtherFailure::PathBuildingBudget)
        }
        _ => unreadable("certificate"),
    }
}

/// A signed message and the key it was checked with.
type Link = (Vec<u8>, Vec<u8>);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A signature algorithm that records a failed check and lets path building go on, so
/// that the other checks of that candidate run too. Paths through a recorded link are
/// refused by the hook: nothing is ever accepted this way.
#[derive(Debug)]
struct Recording<'a> {
    inner: &'a dyn SignatureVerificationAlgorithm,
    failed: &'a Mutex<Vec<Link>>,
}

impl SignatureVerificationAlgorithm for Recording<'_> {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        if self
            .inner
            .verify_signature(public_key, message, signature)
            .is_err()
        {
            lock(self.failed).push((public_key.to_vec(), message.to_vec()));
        }
        Ok(())
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.signature_alg_id()
    }

    fn fips(&self) -> bool {
        self.inner.fips()
    }
}

/// The subjectPublicKey bits of an SPKI's content (a trust anchor's).
pub(crate) fn key_bits(spki_content: &[u8]) -> Option<&[u8]> {
    let (_, _, rest) = tlv(spki_content).filter(|(tag, _, _)| *tag == SEQUENCE)?;
    match tlv(rest)? {
        (BIT_STRING, [0, key @ ..], []) => Some(key),
        _ => None,
    }
}

/// Whether every signature on `path` verified (none is among the `failed` links).
fn genuine(path: &VerifiedPath<'_>, failed: &[Link]) -> bool {
    if failed.is_empty() {
        return true;
    }
    let ders: Vec<CertificateDer<'_>> = std::iter::once(path.end_entity().der())
        .chain(path.intermediate_certificates().map(|c| c.der()))
        .collect();
    let views: Option<Vec<CertView<'_>>> = ders.iter().map(|d| CertView::parse(d).ok()).collect();
    let Some(views) = views else {
        return false;
    };
    let anchor_key = key_bits(path.anchor().subject_public_key_info.as_ref());
    views.iter().enumerate().all(|(i, view)| {
        let issuer_key = match views.get(i + 1) {
            Some(issuer) => Some(issuer.public_key().1),
            None => anchor_key,
        };
        issuer_key.is_some_and(|key| {
            !failed
                .iter()
                .any(|(k, m)| k.as_slice() == key && m.as_slice() == view.tbs)
        })
    })
}

/// Builds the paths again with signature failures recorded instead of final, and
/// returns the best reason found on paths whose signatures all verify (or webpki's
/// best error among the other checks). Runs only after a failure put down to a
/// signature (not after one of webpki's budgets ran out), under webpki's budgets again:
/// it at most doubles the cost of such a refusal. `None` when it finds nothing better.
pub(crate) fn diagnose(
    verifier: &ChainVerifier,
    leaf: &EndEntityCert<'_>,
    intermediates: &[CertificateDer<'_>],
    usage: &Usage,
    now: UnixTime,
) -> Option<FailureReason> {
    let failed = Mutex::new(Vec::new());
    let recording: Vec<Recording<'_>> = verifier
        .algorithms()
        .iter()
        .map(|inner| Recording {
            inner: *inner,
            failed: &failed,
        })
        .collect();
    let algorithms: Vec<&dyn SignatureVerificationAlgorithm> = recording
        .iter()
        .map(|a| a as &dyn SignatureVerificationAlgorithm)
        .collect();
    let best = Best::default();
    let leaf_der = leaf.der();
    let leaf_view = CertView::parse(&leaf_der).ok()?;
    let mailboxes = crate::path::email_nc::leaf_smtp_utf8_mailboxes(&leaf_view);
    let hook = |path: &VerifiedPath<'_>| -> Result<(), webpki::Error> {
        if !genuine(path, &lock(&failed)) {
            return Err(HOOK_REFUSED);
        }
        verifier
            .check_path(path, now.as_secs(), &mailboxes)
            .map_err(|reason| {
                best.offer(reason);
                HOOK_REFUSED
            })
    };
    let result = leaf.verify_for_usage(
        &algorithms,
        verifier.trust_anchors(),
        intermediates,
        now,
        usage.validator(),
        None,
        Some(&hook),
    );
    match result {
        // A path that passes everything: the first failure was about something else
        // (a budget); keep it.
        Ok(_) => None,
        Err(e) => {
            if e != HOOK_REFUSED {
                best.offer(reason_of(&e));
            }
            best.take()
                .filter(|r| rank(r) > rank(&FailureReason::BadSignature))
        }
    }
}
