//! Path building (RFC 5280 §6, with the candidate issuers of §3.2 and name chaining of
//! §7.1): from the leaf up, every certificate whose subject is the current
//! certificate's issuer is a candidate — the anchors first, then the intermediates the
//! peer sent, then the configured ones; among each, those whose subjectKeyIdentifier is
//! the current certificate's authorityKeyIdentifier before the rest. A candidate is
//! tried only when its signature on the current certificate verifies and, for an
//! intermediate, when it can issue at all (a valid CA of the usage, see
//! [`Search::usable_issuer`]); on reaching an anchor, the whole path is validated
//! ([`crate::path::validate`]), and when that fails the search backtracks to the next
//! candidate. Loops (a certificate whose subject and key are already on the path) are
//! not followed; depth, candidates and signature checks are bounded (webpki's budgets),
//! and the most relevant failure across every candidate path is what is reported.

use std::cell::OnceCell;

use certgate_x509::{BasicConstraints, CertView, KeyUsage};

use crate::info::FailureReason;
use crate::path::anchor::{Anchor, KNOWN_EXTENSION_ARCS};
use crate::path::chain::ChainVerifier;
use crate::path::dn::names_match;
use crate::path::name_constraints::NAME_COMPARISON_BUDGET;
use crate::path::rank::Best;
use crate::path::signature::{IssuerKey, Signed, verify_signed_by};
use crate::path::usage::Usage;
use crate::path::validate::Found;
use crate::path::violation::{OtherFailure, Rfc5280Violation as V};

/// Intermediates a path may have at most, whatever the options (webpki's limit).
pub(crate) const MAX_PATH_INTERMEDIATES: usize = 6;
/// Signature checks per verification (webpki's budget).
const MAX_SIGNATURE_CHECKS: usize = 100;
/// Candidate issuers looked at per verification (webpki's budget).
const MAX_BUILD_STEPS: usize = 200_000;
/// Intermediates a peer may send that are looked at; the rest are ignored.
pub(crate) const MAX_PRESENTED_INTERMEDIATES: usize = 64;

/// A candidate path as it is built: pool indices, leaf side first, kept on the stack
/// (at most [`MAX_PATH_INTERMEDIATES`]: the search stops there).
#[derive(Debug, Default)]
pub(crate) struct PathStack {
    items: [usize; MAX_PATH_INTERMEDIATES],
    len: usize,
}

impl PathStack {
    /// The indices, leaf side first.
    pub(crate) fn as_slice(&self) -> &[usize] {
        self.items.get(..self.len).unwrap_or_default()
    }

    /// Adds `index` at the anchor's end; `false` (and nothing added) when full.
    fn push(&mut self, index: usize) -> bool {
        match self.items.get_mut(self.len) {
            Some(slot) => {
                *slot = index;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }
}

/// A certificate that may issue: one the peer sent or a configured one.
pub(crate) struct PoolCert<'a> {
    pub(crate) der: &'a [u8],
    /// The subject (whole DER Name), to match before the certificate is read whole.
    subject: &'a [u8],
    /// The index among the configured intermediates (their RFC 5280 checks are cached).
    configured: Option<usize>,
    /// The certificate read, with the checks that do not depend on the path.
    read: OnceCell<Result<CertView<'a>, FailureReason>>,
}

impl<'a> PoolCert<'a> {
    pub(crate) fn view(&self) -> Option<&CertView<'a>> {
        self.read.get().and_then(|r| r.as_ref().ok())
    }
}

/// One verification's search.
pub(crate) struct Search<'v, 'a> {
    pub(crate) verifier: &'v ChainVerifier,
    pub(crate) usage: &'v Usage,
    pub(crate) seconds: i64,
    pub(crate) leaf: &'v CertView<'a>,
    /// The leaf's authorityKeyIdentifier keyIdentifier, read by [`check_common`].
    leaf_key_id: Option<&'a [u8]>,
    pub(crate) pool: Vec<PoolCert<'a>>,
    pub(crate) best: Best,
    signatures: usize,
    steps: usize,
    pub(crate) name_comparisons: usize,
}

impl<'v, 'a> Search<'v, 'a> {
    /// A search from `leaf`, with the peer's `presented` intermediates and the
    /// verifier's configured ones.
    pub(crate) fn new(
        verifier: &'v ChainVerifier,
        usage: &'v Usage,
        seconds: i64,
        leaf: &'v CertView<'a>,
        leaf_key_id: Option<&'a [u8]>,
        presented: &'a [rustls_pki_types::CertificateDer<'_>],
    ) -> Self
    where
        'v: 'a,
    {
        let mut pool = Vec::with_capacity(presented.len() + verifier.configured_len());
        for der in presented.iter().take(MAX_PRESENTED_INTERMEDIATES) {
            let der: &'a [u8] = der.as_ref();
            let read = OnceCell::new();
            let subject = match CertView::parse(der) {
                Ok(view) => {
                    let subject = view.subject.der();
                    let _ = read.set(Ok(view));
                    subject
                }
                // Unreadable: never a candidate (an empty subject matches no issuer).
                Err(_) => &[][..],
            };
            pool.push(PoolCert {
                der,
                subject,
                configured: None,
                read,
            });
        }
        for (i, (der, subject)) in verifier.configured().enumerate() {
            pool.push(PoolCert {
                der,
                subject,
                configured: Some(i),
                read: OnceCell::new(),
            });
        }
        Self {
            verifier,
            usage,
            seconds,
            leaf,
            leaf_key_id,
            pool,
            best: Best::default(),
            signatures: MAX_SIGNATURE_CHECKS,
            steps: MAX_BUILD_STEPS,
            name_comparisons: NAME_COMPARISON_BUDGET,
        }
    }

    /// The certificate at `path`'s end (the leaf for an empty path).
    pub(crate) fn cert(&self, index: Option<usize>) -> &CertView<'a> {
        match index
            .and_then(|i| self.pool.get(i))
            .and_then(|p| p.read.get())
        {
            Some(Ok(view)) => view,
            _ => self.leaf,
        }
    }

    /// Depth-first search from the end of `path` (pool indices, leaf side first) to an
    /// anchor; `Some` at the first path that validates.
    pub(crate) fn extend(&mut self, stack: &mut PathStack) -> Option<Found> {
        if self.steps == 0 {
            self.best
                .offer(FailureReason::Other(OtherFailure::PathBuildingBudget));
            return None;
        }
        self.steps -= 1;
        let path = stack.as_slice();
        // What the search reads of the child, copied out (not the whole view) so that
        // the pool may be borrowed again below.
        let (child, child_key_id, issuer_name) = {
            let child = self.cert(path.last().copied());
            let key_id = match path.last() {
                None => self.leaf_key_id,
                Some(_) => child
                    .authority_key_id()
                    .ok()
                    .flatten()
                    .and_then(|aki| aki.key_id),
            };
            (Signed::of(child), key_id, child.issuer.der())
        };
        let cache = !path.is_empty();
        for preferred in [true, false] {
            for (index, anchor) in self.verifier.anchor_list().iter().enumerate() {
                if prefers(child_key_id, anchor.key_id.as_deref()) != preferred
                    || !names_match(issuer_name, &anchor.subject)
                {
                    continue;
                }
                if !self.signature(child, anchor.issuer_key(), cache) {
                    continue;
                }
                match self.validate(path, index) {
                    Ok(found) => return Some(found),
                    Err(reason) => self.best.offer(reason),
                }
            }
        }
        if path.len() >= self.depth_limit() {
            self.best
                .offer(FailureReason::Other(OtherFailure::PathBuildingBudget));
            return None;
        }
        for preferred in [true, false] {
            for index in 0..self.pool.len() {
                if !self.candidate(
                    stack.as_slice(),
                    index,
                    issuer_name,
                    child_key_id,
                    preferred,
                ) {
                    continue;
                }
                let Some(key) = self.pool[index].view().map(IssuerKey::of) else {
                    continue;
                };
                if !self.signature(child, key, cache) {
                    continue;
                }
                if !stack.push(index) {
                    continue;
                }
                if let Some(found) = self.extend(stack) {
                    return Some(found);
                }
                stack.pop();
            }
        }
        None
    }

    /// How many intermediates a path may have here.
    fn depth_limit(&self) -> usize {
        MAX_PATH_INTERMEDIATES
    }

    /// Whether pool certificate `index` may issue the certificate at `path`'s end:
    /// its subject is the issuer name, it is not on the path already, it is readable
    /// and usable as an issuer (the failure offered otherwise). Reads it on first use.
    fn candidate(
        &mut self,
        path: &[usize],
        index: usize,
        issuer_name: &[u8],
        child_key_id: Option<&[u8]>,
        preferred: bool,
    ) -> bool {
        let Some(cand) = self.pool.get(index) else {
            return false;
        };
        if path.contains(&index) || !names_match(issuer_name, cand.subject) {
            return false;
        }
        let read = cand.read.get_or_init(|| {
            CertView::parse(cand.der).map_err(|e| FailureReason::Malformed(e.into()))
        });
        let view = match read {
            Ok(view) => *view,
            Err(reason) => {
                self.best.offer(reason.clone());
                return false;
            }
        };
        let key_id = view.subject_key_id().ok().flatten();
        if prefers(child_key_id, key_id) != preferred {
            return false;
        }
        // A loop: this name and key already on the path (or the leaf's).
        let same = |other: &CertView<'_>| {
            other.spki == view.spki && names_match(other.subject.der(), view.subject.der())
        };
        if same(self.leaf) || path.iter().any(|&i| self.pool[i].view().is_some_and(same)) {
            return false;
        }
        match self.usable_issuer(&view, cand.configured) {
            Ok(()) => true,
            Err(reason) => {
                self.best.offer(reason);
                false
            }
        }
    }

    /// Checks `child`'s signature by `key`, within the budget; offers the failure.
    fn signature(&mut self, child: Signed<'_>, key: IssuerKey<'_>, cache: bool) -> bool {
        if self.signatures == 0 {
            self.best
                .offer(FailureReason::Other(OtherFailure::PathBuildingBudget));
            return false;
        }
        self.signatures -= 1;
        let links = cache.then(|| self.verifier.link_cache());
        match verify_signed_by(self.verifier.algorithms(), child, key, links) {
            Ok(()) => true,
            Err(reason) => {
                self.best.offer(reason);
                false
            }
        }
    }

    /// What an intermediate must be whatever its place on the path (RFC 5280 6.1.3
    /// (a)(2), 6.1.4 (k), (n), (o)): valid now, version 3, a CA by basicConstraints
    /// (critical or not), allowed to sign certificates, no critical extension we do not
    /// process, the usage's purposes where it lists purposes, and the rules of RFC 5280
    /// in force.
    fn usable_issuer(
        &self,
        view: &CertView<'_>,
        configured: Option<usize>,
    ) -> Result<(), FailureReason> {
        let malformed = FailureReason::Malformed;
        self.verifier
            .check_intermediate_at(view, configured)
            .map_err(malformed)?;
        if view.version != 2 {
            return Err(malformed(V::UnsupportedVersion));
        }
        // basicConstraints as check_common read it (once, with the other extensions).
        match check_common(view, self.usage, self.seconds)?.basic_constraints {
            Some(bc) if bc.ca => Ok(()),
            _ => Err(malformed(V::EndEntityUsedAsCa)),
        }
    }
}

/// Whether a candidate with subjectKeyIdentifier `key_id` is among those tried first
/// for a certificate whose authorityKeyIdentifier is `wanted`.
fn prefers(wanted: Option<&[u8]>, key_id: Option<&[u8]>) -> bool {
    matches!((wanted, key_id), (Some(w), Some(k)) if w == k)
}

/// The extensions path validation reads, each read once (by
/// [`check_common`]).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct KnownExtensions<'a> {
    /// basicConstraints, when present.
    pub(crate) basic_constraints: Option<BasicConstraints>,
    /// keyUsage, when present.
    pub(crate) key_usage: Option<KeyUsage>,
    /// authorityKeyIdentifier's keyIdentifier, when present.
    pub(crate) authority_key_id: Option<&'a [u8]>,
}

/// What the leaf and every intermediate must be: valid at `seconds`, no critical
/// extension path validation does not process, the extensions it reads of their shape,
/// and where it lists extended key usages, each of the usage's purposes among them (EKU
/// chaining, as webpki and browsers do). Returns those extensions, read.
pub(crate) fn check_common<'a>(
    view: &CertView<'a>,
    usage: &Usage,
    seconds: i64,
) -> Result<KnownExtensions<'a>, FailureReason> {
    let (not_before, not_after) = (
        view.not_before.unix_seconds(),
        view.not_after.unix_seconds(),
    );
    if not_before > not_after {
        return Err(FailureReason::Malformed(V::InvalidValidity));
    }
    if seconds > not_after {
        return Err(FailureReason::Expired);
    }
    if seconds < not_before {
        return Err(FailureReason::NotYetValid);
    }
    if view
        .extensions
        .critical_except(KNOWN_EXTENSION_ARCS)
        .is_some()
    {
        return Err(FailureReason::Malformed(V::UnsupportedCriticalExtension));
    }
    let known = read_known_extensions(view).map_err(FailureReason::Malformed)?;
    let Some(eku) = view.extension(certgate_x509::oid::ext::EXT_KEY_USAGE) else {
        return Ok(known);
    };
    // Checked once and walked in place (no list is made: this runs per certificate).
    let purposes = certgate_x509::KeyPurposes::check(eku.value).map_err(|e| {
        let empty = crate::path::der_walk::only(eku.value, crate::path::der_walk::SEQUENCE)
            .is_some_and(<[u8]>::is_empty);
        FailureReason::Malformed(if empty {
            V::EmptyExtendedKeyUsage
        } else {
            e.into()
        })
    })?;
    usage
        .required_purposes()
        .iter()
        .all(|p| purposes.contains(p.oid()))
        .then_some(known)
        .ok_or(FailureReason::WrongKeyUsage)
}

/// The extensions path validation reads must be of their shape wherever they are,
/// whether or not this verification happens to look inside them (a critical
/// basicConstraints with an empty value is not "no CA", it is malformed).
fn read_known_extensions<'a>(view: &CertView<'a>) -> Result<KnownExtensions<'a>, V> {
    let known = KnownExtensions {
        basic_constraints: view.basic_constraints()?,
        key_usage: view.key_usage()?,
        authority_key_id: view.authority_key_id()?.and_then(|aki| aki.key_id),
    };
    view.subject_key_id()?;
    view.check_subject_alt_names()?;
    if view
        .extension(certgate_x509::oid::ext::CRL_DISTRIBUTION_POINTS)
        .is_some()
    {
        view.crl_distribution_points()?;
    }
    Ok(known)
}

impl Anchor {
    /// The anchor's key, as signature checks take it.
    pub(crate) fn issuer_key(&self) -> IssuerKey<'_> {
        IssuerKey {
            algorithm: &self.algorithm,
            key: &self.key,
        }
    }
}
