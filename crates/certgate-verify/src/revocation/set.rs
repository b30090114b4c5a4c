//! The CRLs in force, keyed by issuer name: per issuer key and scope the newest by CRL
//! Number, and the CRLs whose issuer was not known at load, checked against it on first
//! use.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::revocation::crl::{CrlIssuer, ParsedCrl, PendingCrl, signed_by};
use crate::revocation::crl_input::crl_issuer;
use crate::revocation::lookup::{Coverage, Lookup};
use crate::revocation::policy::RevocationStatus;
use crate::revocation::store::Algorithms;

/// The CRLs in force, keyed by issuer name: per issuer key and scope, the newest by
/// CRL Number.
#[derive(Debug, Default)]
pub(crate) struct CrlSet {
    pub(crate) by_issuer: HashMap<Vec<u8>, Vec<Arc<ParsedCrl>>>,
    /// CRLs whose issuer was not known at load: checked when it is first seen on a path.
    pub(crate) pending: HashMap<Vec<u8>, Vec<Arc<PendingCrl>>>,
    /// What those checks found, per issuer name and key.
    checked: RwLock<FirstUse>,
    /// Whether a CRL signer's certificate (its DER) was issued by the CA key given
    /// beside it: checked once per signer and key.
    delegations: RwLock<Delegations>,
}

/// (A signer's certificate, a CA's key) → whether that key signed it.
type Delegations = HashMap<(Arc<[u8]>, Vec<u8>), bool>;

/// Issuer name → (public key, the pending CRLs that key signed).
type FirstUse = HashMap<Vec<u8>, Vec<(Vec<u8>, Arc<[Arc<ParsedCrl>]>)>>;

/// What the first-use cache holds for this name and key (`None`: not checked yet).
fn cached(cache: &FirstUse, name: &[u8], key: &[u8]) -> Option<Arc<[Arc<ParsedCrl>]>> {
    cache
        .get(name)?
        .iter()
        .find(|(k, _)| k.as_slice() == key)
        .map(|(_, crls)| Arc::clone(crls))
}

/// Whether `a` replaces `b` (same issuer key and scope): a live list beats a CRL, else
/// the higher CRL Number wins.
fn newer(a: &ParsedCrl, b: &ParsedCrl) -> bool {
    (a.live, a.number.len(), &a.number) > (b.live, b.number.len(), &b.number)
}

/// Whether `a` and `b` are versions of one another: the same issuer key and scope, both
/// complete or both delta CRLs (a delta never replaces its base).
pub(crate) fn same_series(a: &ParsedCrl, b: &ParsedCrl) -> bool {
    a.issuer == b.issuer
        && a.issuer_key == b.issuer_key
        && a.scope == b.scope
        && a.delta_of.is_some() == b.delta_of.is_some()
}

/// The delta CRL of `list` in force over the complete CRL `base` (RFC 5280 5.2.4): of
/// the same issuer, key and scope, its BaseCRLNumber at most the base's number and its
/// own number above it. The list holds one delta per series, the newest.
pub(crate) fn delta_for<'l>(list: &'l [Arc<ParsedCrl>], base: &ParsedCrl) -> Option<&'l ParsedCrl> {
    if base.live || base.delta_of.is_some() {
        return None;
    }
    list.iter().map(|d| &**d).find(|d| {
        d.delta_of.as_ref().is_some_and(|of| {
            number_order(of, &base.number).is_le() && number_order(&d.number, &base.number).is_gt()
        }) && d.issuer_key == base.issuer_key
            && d.scope == base.scope
    })
}

/// Puts `crl` into `list`: per issuer key and scope, the newest complete CRL and the
/// newest delta stay.
fn insert_into(list: &mut Vec<Arc<ParsedCrl>>, crl: Arc<ParsedCrl>) {
    match list.iter_mut().find(|c| same_series(c, &crl)) {
        Some(old) if newer(&crl, old) => *old = crl,
        Some(_) => {}
        None => list.push(crl),
    }
}

/// Takes into `cov` every complete CRL of `list` that `key` signed and that speaks for
/// the certificate, with its delta CRL; `Some` when one settles its status. A live list
/// in scope stands for the issuer's CRLs: then only live lists count.
fn consider(
    list: &[Arc<ParsedCrl>],
    authorised: &dyn Fn(&ParsedCrl) -> bool,
    q: &Lookup<'_>,
    cov: &mut Coverage,
) -> Option<RevocationStatus> {
    let in_scope = |c: &ParsedCrl| {
        let reasons = c.scope.reasons_for(&c.issuer, &q.cert)?;
        authorised(c).then_some(reasons)
    };
    let live = list.iter().any(|c| c.live && in_scope(c).is_some());
    // Complete CRLs, each with the delta in force over it; a delta alone says nothing.
    for crl in list
        .iter()
        .filter(|c| c.live == live && c.delta_of.is_none())
    {
        if let Some(reasons) = in_scope(crl)
            && let Some(status) = cov.add(crl, delta_for(list, crl), reasons, q)
        {
            return Some(status);
        }
    }
    None
}

impl CrlSet {
    /// Adds a checked CRL: per issuer key and scope, the newest by CRL Number stays.
    pub(crate) fn insert(&mut self, crl: Arc<ParsedCrl>) {
        insert_into(self.by_issuer.entry(crl.issuer.clone()).or_default(), crl);
    }

    /// The status of the certificate of `q`, issued by the issuer whose public key is
    /// `key`, from the CRLs that speak for it; pending CRLs of its issuer's name are
    /// verified against `issuer_der` on first use.
    pub(crate) fn status(
        &self,
        q: &Lookup<'_>,
        key: &[u8],
        issuer_der: &[u8],
        trusted: &RwLock<Vec<CrlIssuer>>,
        algs: Algorithms,
    ) -> RevocationStatus {
        let name = q.cert.issuer;
        let mut cov = Coverage::default();
        let authorised =
            |c: &ParsedCrl| c.issuer_key == key || self.delegated(c, key, issuer_der, q, algs);
        if let Some(list) = self.by_issuer.get(name)
            && let Some(status) = consider(list, &authorised, q, &mut cov)
        {
            return status;
        }
        if cov.is_empty() && self.pending.contains_key(name) {
            let verified = self.first_use(name, key, issuer_der, algs);
            if let Some(status) = consider(&verified, &authorised, q, &mut cov) {
                return status;
            }
        }
        // Indirect CRLs of the cRLIssuers the certificate's points name.
        let vouched = |c: &ParsedCrl| c.scope.is_indirect() && self.vouched(c, q, trusted, algs);
        for crl_issuer in q.cert.crl_issuers() {
            if let Some(list) = self.by_issuer.get(crl_issuer)
                && let Some(status) = consider(list, &vouched, q, &mut cov)
            {
                return status;
            }
        }
        cov.finish()
    }

    /// Whether the signer of the indirect CRL `crl` may speak for other CAs: valid now,
    /// and a CA the store trusts (an anchor or an intermediate given to it or learnt)
    /// or a certificate one of those issued (checked once per signer, then cached).
    fn vouched(
        &self,
        crl: &ParsedCrl,
        q: &Lookup<'_>,
        trusted: &RwLock<Vec<CrlIssuer>>,
        algs: Algorithms,
    ) -> bool {
        let s = &crl.signer;
        if q.now < s.not_before || q.now > s.not_after {
            return false;
        }
        if s.trusted {
            return true;
        }
        // Cached under an empty key: "issued by a trusted CA".
        let lookup = (Arc::clone(&s.der), Vec::new());
        if let Some(known) = self.cached_delegation(&lookup) {
            return known;
        }
        let verdict = {
            let cas = match trusted.read() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            cas.iter().any(|ca| {
                ca.trusted
                    && ca.subject == s.issuer
                    && signed_by(&s.der, &ca.spki_algorithm, &ca.public_key, algs)
            })
        };
        self.cache_delegation(lookup, verdict);
        verdict
    }

    fn cached_delegation(&self, lookup: &(Arc<[u8]>, Vec<u8>)) -> Option<bool> {
        match self.delegations.read() {
            Ok(cache) => cache.get(lookup).copied(),
            Err(poisoned) => poisoned.into_inner().get(lookup).copied(),
        }
    }

    fn cache_delegation(&self, lookup: (Arc<[u8]>, Vec<u8>), verdict: bool) {
        match self.delegations.write() {
            Ok(mut cache) => cache.insert(lookup, verdict),
            Err(poisoned) => poisoned.into_inner().insert(lookup, verdict),
        };
    }

    /// Whether `crl`, signed by another key than the CA's `key`, was signed by a CRL
    /// signer of that CA: a certificate with the CA's name as its issuer (exact octets),
    /// valid now, signed by `key` (the issuer's certificate `issuer_der` gives the key's
    /// algorithm). cRLSign was checked when the CRL was loaded; the signature here once
    /// per signer and key, then cached.
    fn delegated(
        &self,
        crl: &ParsedCrl,
        key: &[u8],
        issuer_der: &[u8],
        q: &Lookup<'_>,
        algs: Algorithms,
    ) -> bool {
        let s = &crl.signer;
        if s.issuer != q.cert.issuer || q.now < s.not_before || q.now > s.not_after {
            return false;
        }
        let lookup = (Arc::clone(&s.der), key.to_vec());
        if let Some(known) = self.cached_delegation(&lookup) {
            return known;
        }
        let spki_algorithm = certgate_x509::CertView::parse(issuer_der)
            .map(|ca| ca.public_key().0.to_vec())
            .unwrap_or_default();
        let verdict = signed_by(&s.der, &spki_algorithm, key, algs);
        self.cache_delegation(lookup, verdict);
        verdict
    }

    /// The pending CRLs of `name` that `key` signed, verified against `issuer_der` the
    /// first time and cached.
    fn first_use(
        &self,
        name: &[u8],
        key: &[u8],
        issuer_der: &[u8],
        algs: Algorithms,
    ) -> Arc<[Arc<ParsedCrl>]> {
        // Handshakes after the first read the cache without allocating or waiting.
        let hit = match self.checked.read() {
            Ok(cache) => cached(&cache, name, key),
            Err(poisoned) => cached(&poisoned.into_inner(), name, key),
        };
        if let Some(found) = hit {
            return found;
        }
        let mut verified = Vec::new();
        if let (Ok(issuer), Some(pending)) = (crl_issuer(issuer_der), self.pending.get(name)) {
            for p in pending {
                if let Ok(crl) = p.verify(&issuer, algs) {
                    insert_into(&mut verified, Arc::new(crl));
                }
            }
        }
        let verified: Arc<[Arc<ParsedCrl>]> = verified.into();
        let mut cache = match self.checked.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let entries = cache.entry(name.to_vec()).or_default();
        if !entries.iter().any(|(k, _)| k.as_slice() == key) {
            entries.push((key.to_vec(), Arc::clone(&verified)));
        }
        verified
    }
}
/// Orders CRL Numbers (minimal unsigned magnitudes).
pub(crate) fn number_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    (a.len(), a).cmp(&(b.len(), b))
}
