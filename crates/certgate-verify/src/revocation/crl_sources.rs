//! Where the store's CRLs come from: its files (and the bytes given to its builder), and
//! named sources whose bytes the caller replaces (a CRL fetched from a distribution
//! point, one pushed by a database). Each is kept as a [`CrlBatch`] of checked CRLs; the
//! set in force is their union, rebuilt and swapped whenever one of them changes.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::VerifyError;
use crate::revocation::crl::{CrlIssuer, Loaded, ParsedCrl, PendingCrl};
use crate::revocation::crl_input::for_each_crl;
use crate::revocation::set::{CrlSet, number_order, same_series};
use crate::revocation::store::{Algorithms, RevocationStore, read_lock};

/// The CRLs read from one origin: checked ones, and those waiting for their issuer.
#[derive(Clone, Debug, Default)]
pub(crate) struct CrlBatch {
    pub(crate) verified: Vec<Arc<ParsedCrl>>,
    pending: Vec<Arc<PendingCrl>>,
    /// For a named source: the SHA-256 of the bytes it was read from (of the list, for
    /// a live one).
    pub(crate) digest: Option<[u8; 32]>,
}

impl CrlBatch {
    /// A live list of serials as a source's batch.
    pub(crate) fn live(list: Arc<ParsedCrl>, digest: [u8; 32]) -> Self {
        Self {
            verified: vec![list],
            pending: Vec::new(),
            digest: Some(digest),
        }
    }

    /// Reads every CRL of `input` (DER, or PEM with one or more `X509 CRL` blocks),
    /// checking each against `issuers` as a file's CRLs are checked.
    pub(crate) fn add(
        &mut self,
        issuers: &[CrlIssuer],
        input: &[u8],
        origin: &str,
        algs: Algorithms,
    ) -> Result<(), VerifyError> {
        for_each_crl(input, origin, |der| {
            match crate::revocation::crl::load(der, issuers, algs, origin)? {
                Loaded::Verified(crl) => self.insert(Arc::new(*crl)),
                Loaded::Pending(p) => self.pending.push(Arc::new(p)),
            }
            Ok(())
        })
    }

    /// Adds a checked CRL; of two by the same issuer key for the same scope, the one
    /// with the higher CRL Number stays.
    fn insert(&mut self, crl: Arc<ParsedCrl>) {
        match self.verified.iter_mut().find(|c| same_series(c, &crl)) {
            Some(old) if number_order(&crl.number, &old.number).is_gt() => *old = crl,
            Some(_) => {}
            None => self.verified.push(crl),
        }
    }

    /// Checks the pending CRLs of `issuer`'s name against it; the ones it signed become
    /// checked. Whether any did.
    fn resolve_pending(
        &mut self,
        issuer: &CrlIssuer,
        algs: Algorithms,
    ) -> Result<bool, VerifyError> {
        let mut resolved = false;
        let mut left = Vec::with_capacity(self.pending.len());
        for p in std::mem::take(&mut self.pending) {
            if p.issuer != issuer.subject {
                left.push(p);
                continue;
            }
            match p.verify(issuer, algs) {
                Ok(crl) => {
                    self.insert(Arc::new(crl));
                    resolved = true;
                }
                Err(VerifyError::CrlIssuer { .. }) => left.push(p),
                Err(other) => {
                    left.push(p);
                    self.pending = left;
                    return Err(other);
                }
            }
        }
        self.pending = left;
        Ok(resolved)
    }

    /// Refuses `self` as the next CRLs of a source whose CRLs in force are `old` when
    /// one of them goes back to a lower CRL Number than `old` has for the same issuer
    /// key and scope: an older CRL replayed (over plain HTTP, by a stale mirror) would
    /// otherwise bring back certificates revoked since.
    fn check_not_older(&self, old: &CrlBatch, origin: &str) -> Result<(), VerifyError> {
        for new in &self.verified {
            if let Some(prev) = old.verified.iter().find(|o| same_series(o, new))
                && number_order(&new.number, &prev.number).is_lt()
            {
                return Err(VerifyError::CrlRollback {
                    origin: origin.to_owned(),
                    number: certgate_x509::hex::decimal(&new.number),
                    in_force: certgate_x509::hex::decimal(&prev.number),
                });
            }
        }
        Ok(())
    }
}

/// Every origin's CRLs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Batches {
    /// The files', read again by each reload (with the builder's bytes until then).
    pub(crate) files: CrlBatch,
    /// Each named source's, by name.
    pub(crate) sources: BTreeMap<String, CrlBatch>,
}

impl Batches {
    /// The set in force: the union, newest CRL Number per issuer key and scope.
    pub(crate) fn merge(&self) -> CrlSet {
        let mut set = CrlSet::default();
        for batch in std::iter::once(&self.files).chain(self.sources.values()) {
            for crl in &batch.verified {
                set.insert(Arc::clone(crl));
            }
            for p in &batch.pending {
                set.pending
                    .entry(p.issuer.clone())
                    .or_default()
                    .push(Arc::clone(p));
            }
        }
        set
    }

    /// Checks the pending CRLs of every origin against newly learnt issuers; whether
    /// any became checked.
    pub(crate) fn resolve_pending(
        &mut self,
        learnt: &[CrlIssuer],
        algs: Algorithms,
    ) -> Result<bool, VerifyError> {
        let mut changed = false;
        for batch in std::iter::once(&mut self.files).chain(self.sources.values_mut()) {
            for issuer in learnt {
                changed |= batch.resolve_pending(issuer, algs)?;
            }
        }
        Ok(changed)
    }

    /// Whether a CRL of any origin waits for an issuer of this name.
    pub(crate) fn waits_for(&self, subject: &[u8]) -> bool {
        std::iter::once(&self.files)
            .chain(self.sources.values())
            .any(|b| b.pending.iter().any(|p| p.issuer == subject))
    }
}

impl RevocationStore {
    /// Sets the CRLs of the source `name` (a CRL distribution point's URL, say) to those
    /// of `input` (DER, or PEM with one or more `X509 CRL` blocks) and swaps the new set
    /// in at once, as [`reload`](Self::reload) does: the generation changes, so sessions
    /// tied to it end and open connections verified under the old set are verified
    /// again. The CRLs are checked exactly as a file's are (structure, RFC 5280 rules,
    /// the signature of a known issuer, the reader's limits) and their freshness is
    /// judged at each lookup as a file's is; on top of that, a CRL whose CRL Number is
    /// below the one this source has in force for the same issuer key is refused, so a
    /// replayed older CRL cannot bring back revoked certificates.
    ///
    /// The same bytes again change nothing (no new generation: a fetcher that gets the
    /// same CRL twice does not end sessions or re-verify connections for it).
    ///
    /// On error nothing changes: the source keeps the CRLs it had (none, the first time:
    /// its issuers' certificates then have no CRL, which the default
    /// [`crate::UnknownStatusPolicy::Deny`] refuses). Sources survive
    /// [`reload`](Self::reload), which re-reads the files only.
    ///
    /// # Errors
    /// [`VerifyError::Pem`] when the input holds no CRL, [`VerifyError::MalformedCrl`],
    /// [`VerifyError::UnsupportedCrl`], [`VerifyError::CrlIssuer`] as for a file (each
    /// naming `name` as the origin), and [`VerifyError::CrlRollback`] for an older CRL.
    pub fn set_source(&self, name: &str, input: &[u8]) -> Result<(), VerifyError> {
        let digest: [u8; 32] = Sha256::digest(input).into();
        let same = |b: &CrlBatch| b.digest == Some(digest);
        if self.lock_batches().sources.get(name).is_some_and(same) {
            return Ok(());
        }
        let issuers = read_lock(&self.inner.issuers);
        let mut batch = CrlBatch {
            digest: Some(digest),
            ..CrlBatch::default()
        };
        batch.add(&issuers, input, name, self.inner.algs)?;
        let mut batches = self.lock_batches();
        if let Some(old) = batches.sources.get(name) {
            batch.check_not_older(old, name)?;
        }
        batches.sources.insert(name.to_owned(), batch);
        self.install(Arc::new(batches.merge()));
        Ok(())
    }

    /// Drops the source `name` and its CRLs (a distribution point no longer
    /// configured); whether it was there. The set in force changes only if it was.
    pub fn remove_source(&self, name: &str) -> bool {
        let mut batches = self.lock_batches();
        if batches.sources.remove(name).is_none() {
            return false;
        }
        self.install(Arc::new(batches.merge()));
        true
    }

    /// The names of the sources that have CRLs, in order.
    pub fn source_names(&self) -> Vec<String> {
        self.lock_batches().sources.keys().cloned().collect()
    }
}
