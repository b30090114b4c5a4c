//! The CRLs in force, keyed by issuer name: per issuer key and scope the newest by CRL
//! Number, and the CRLs whose issuer was not known at load, checked against it on first
//! use.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use certgate_x509::CertView;

use crate::revocation::crl::{ParsedCrl, PendingCrl};
use crate::revocation::crl_input::crl_issuer;
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
}

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

/// The newest of `crls` signed by `key` that covers `cert`.
fn best_covering<'c>(
    crls: impl Iterator<Item = &'c Arc<ParsedCrl>>,
    key: &[u8],
    cert: &CertView<'_>,
) -> Option<Arc<ParsedCrl>> {
    crls.filter(|c| c.issuer_key == key && c.scope.covers(cert))
        .max_by(|a, b| {
            a.live
                .cmp(&b.live)
                .then_with(|| number_order(&a.number, &b.number))
        })
        .cloned()
}

impl CrlSet {
    /// Adds a checked CRL: per issuer key and scope, the newest by CRL Number stays.
    pub(crate) fn insert(&mut self, crl: Arc<ParsedCrl>) {
        let list = self.by_issuer.entry(crl.issuer.clone()).or_default();
        match list
            .iter_mut()
            .find(|c| c.issuer_key == crl.issuer_key && c.scope == crl.scope)
        {
            Some(old) if newer(&crl, old) => *old = crl,
            Some(_) => {}
            None => list.push(crl),
        }
    }

    /// The CRL covering `cert`, issued by the issuer named `name` with public key `key`,
    /// verifying pending CRLs of that name against `issuer_der` on first use.
    pub(crate) fn find(
        &self,
        name: &[u8],
        key: &[u8],
        issuer_der: &[u8],
        cert: &CertView<'_>,
        algs: Algorithms,
    ) -> Option<Arc<ParsedCrl>> {
        if let Some(crl) = self
            .by_issuer
            .get(name)
            .and_then(|list| best_covering(list.iter(), key, cert))
        {
            return Some(crl);
        }
        let pending = self.pending.get(name)?;
        // Handshakes after the first read the cache without allocating or waiting.
        let hit = match self.checked.read() {
            Ok(cache) => cached(&cache, name, key),
            Err(poisoned) => cached(&poisoned.into_inner(), name, key),
        };
        if let Some(found) = hit {
            return best_covering(found.iter(), key, cert);
        }
        let verified: Arc<[Arc<ParsedCrl>]> = match crl_issuer(issuer_der) {
            Ok(issuer) => pending
                .iter()
                .filter_map(|p| p.verify(&issuer, algs).ok().map(Arc::new))
                .collect(),
            Err(_) => Arc::from(Vec::new()),
        };
        let mut cache = match self.checked.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let entries = cache.entry(name.to_vec()).or_default();
        if !entries.iter().any(|(k, _)| k.as_slice() == key) {
            entries.push((key.to_vec(), Arc::clone(&verified)));
        }
        best_covering(verified.iter(), key, cert)
    }
}

/// Orders CRL Numbers (minimal unsigned magnitudes).
pub(crate) fn number_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    (a.len(), a).cmp(&(b.len(), b))
}
