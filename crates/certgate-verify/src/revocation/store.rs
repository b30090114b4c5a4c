//! The revocation store: CRLs checked once, at load, against their issuers; revoked
//! serials per issuer in a sorted table; the whole store swapped atomically at run time.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use rustls_pki_types::SignatureVerificationAlgorithm;

use crate::VerifyError;
use certgate_x509::{CertView, ReasonFlags, SerialRef, Timestamp};

use crate::revocation::crl::CrlIssuer;
use crate::revocation::crl_input::{crl_issuer, name_content};
use crate::revocation::crl_sources::{Batches, CrlBatch};
use crate::revocation::files::{Stamp, load_files, stamps};
use crate::revocation::lookup::{Coverage, Lookup};
use crate::revocation::policy::{ExpirationPolicy, RevocationStatus};
use crate::revocation::scope::CertScope;
use crate::revocation::set::{CrlSet, delta_for};

/// One CRL in force, as [`RevocationStore::crl_summaries`] lists it.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlSummary {
    /// The issuer's name, RFC 4514.
    pub issuer: String,
    /// thisUpdate.
    pub this_update: Timestamp,
    /// nextUpdate (none: the CRL gives none).
    pub next_update: Option<Timestamp>,
    /// How many serials it lists.
    pub entries: usize,
}

/// Signature algorithms, from a crypto provider.
pub(crate) type Algorithms = &'static [&'static dyn SignatureVerificationAlgorithm];

/// A shared, swappable set of CRLs. Clones share the same store.
#[derive(Clone, Debug)]
pub struct RevocationStore {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) set: RwLock<Arc<CrlSet>>,
    pub(crate) generation: AtomicU64,
    /// The certificates CRLs may be signed by: those given to the builder, and those
    /// learnt from verifiers ([`RevocationStore::learn_issuers`]).
    pub(crate) issuers: RwLock<Vec<CrlIssuer>>,
    pub(crate) files: Vec<PathBuf>,
    /// Modification time and size of each file when it was last read.
    pub(crate) stamps: Mutex<Vec<Stamp>>,
    /// The CRLs by origin (the files, each named source); the set in force is their
    /// union. Held while a new set is made and installed, so swaps happen in order.
    pub(crate) batches: Mutex<Batches>,
    pub(crate) algs: Algorithms,
}

pub(crate) fn read_lock<T: Clone>(lock: &RwLock<T>) -> T {
    match lock.read() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

impl RevocationStore {
    /// Re-reads the store's files and swaps the new CRLs in at once: handshakes that
    /// start afterwards see them, none sees half of them. On error the old set stays.
    ///
    /// # Errors
    /// As [`RevocationStoreBuilder::build`](crate::RevocationStoreBuilder::build).
    pub fn reload(&self) -> Result<(), VerifyError> {
        let mut batch = CrlBatch::default();
        let issuers = read_lock(&self.inner.issuers);
        let stamps = load_files(&mut batch, &issuers, &self.inner.files, self.inner.algs)?;
        {
            let mut batches = self.lock_batches();
            batches.files = batch;
            self.install(Arc::new(batches.merge()));
        }
        match self.inner.stamps.lock() {
            Ok(mut guard) => *guard = stamps,
            Err(poisoned) => *poisoned.into_inner() = stamps,
        }
        Ok(())
    }

    /// Adds certificates that may sign CRLs — a verifier's configured intermediates —
    /// and checks at once the CRLs that waited for them (so a CRL of an intermediate is
    /// checked and read at load, not held whole until first use). Reloads check against
    /// them too.
    ///
    /// # Errors
    /// [`VerifyError::MalformedCertificate`] for a certificate that does not parse;
    /// [`VerifyError::MalformedCrl`] or [`VerifyError::UnsupportedCrl`] when a CRL that
    /// waited for one of them is signed by it but cannot be read.
    pub fn learn_issuers<'a>(
        &self,
        certs: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<(), VerifyError> {
        let mut learnt = Vec::new();
        {
            let mut issuers = match self.inner.issuers.write() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            for der in certs {
                let issuer = crl_issuer(der)?;
                if !issuers
                    .iter()
                    .any(|i| i.subject == issuer.subject && i.public_key == issuer.public_key)
                {
                    issuers.push(issuer.clone());
                    learnt.push(issuer);
                }
            }
        }
        let mut batches = self.lock_batches();
        if !learnt.iter().any(|i| batches.waits_for(&i.subject)) {
            return Ok(());
        }
        // Worked on a copy (of `Arc`s): an error leaves every origin as it was.
        let mut next = batches.clone();
        if next.resolve_pending(&learnt, self.inner.algs)? {
            *batches = next;
            self.install(Arc::new(batches.merge()));
        }
        Ok(())
    }

    /// Replaces the CRLs — the files' and every named source's — with those of `other`
    /// (built from other issuers or files). This store's files are read again by its
    /// next [`reload`](Self::reload), which replaces the CRLs taken as the files'.
    pub fn replace_with(&self, other: &RevocationStore) {
        if Arc::ptr_eq(&self.inner, &other.inner) {
            return;
        }
        let theirs = other.lock_batches().clone();
        let mut batches = self.lock_batches();
        *batches = theirs;
        self.install(Arc::new(batches.merge()));
    }

    pub(crate) fn lock_batches(&self) -> std::sync::MutexGuard<'_, Batches> {
        match self.inner.batches.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(crate) fn install(&self, set: Arc<CrlSet>) {
        match self.inner.set.write() {
            Ok(mut guard) => *guard = set,
            Err(poisoned) => *poisoned.into_inner() = set,
        }
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Installs `set` without a new generation: the same revocations, fresher.
    pub(crate) fn install_quietly(&self, set: Arc<CrlSet>) {
        match self.inner.set.write() {
            Ok(mut guard) => *guard = set,
            Err(poisoned) => *poisoned.into_inner() = set,
        }
    }

    fn current(&self) -> Arc<CrlSet> {
        match self.inner.set.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The files the store reads on [`reload`](Self::reload).
    pub fn files(&self) -> &[PathBuf] {
        &self.inner.files
    }

    /// The files' stamps when they were last read.
    pub(crate) fn loaded_stamps(&self) -> Vec<Stamp> {
        match self.inner.stamps.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Whether a CRL file changed (time, size or inode) since the store last read it:
    /// for a watcher deciding whether to [`reload`](Self::reload).
    pub fn files_changed(&self) -> bool {
        stamps(self.files()) != self.loaded_stamps()
    }

    /// Changes each time the CRLs are swapped; sessions tie themselves to it.
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::SeqCst)
    }

    /// How many serials the CRLs in force list (signature-checked ones).
    pub fn revoked_count(&self) -> usize {
        self.current()
            .by_issuer
            .values()
            .flatten()
            .map(|c| c.entry_count())
            .sum()
    }

    /// The signature-checked CRLs in force, one line each: for metrics (age, time to
    /// nextUpdate) and status pages.
    pub fn crl_summaries(&self) -> Vec<CrlSummary> {
        self.current()
            .by_issuer
            .values()
            .flatten()
            .map(|crl| {
                // The issuer is kept as the Name's content; wrap it back in its SEQUENCE.
                let name = certgate_x509::der::wrap(0x30, &crl.issuer);
                CrlSummary {
                    issuer: certgate_x509::NameView::parse(&name)
                        .map(|n| n.to_rfc4514())
                        .unwrap_or_default(),
                    this_update: crl.this_update,
                    next_update: crl.next_update,
                    entries: crl.entry_count(),
                }
            })
            .collect()
    }

    /// How many loaded CRLs wait for their issuer to be seen on a path.
    pub fn pending_count(&self) -> usize {
        self.current().pending.values().map(Vec::len).sum()
    }

    /// How many issuers have a CRL loaded.
    pub fn issuer_count(&self) -> usize {
        self.current().by_issuer.len()
    }

    /// The status of the certificate with serial `serial` issued by `issuer` (the DER
    /// `Name`), at `now`, from a CRL of that issuer that covers all its certificates for
    /// every reason (one with an issuingDistributionPoint scope needs the certificate:
    /// see the verifiers).
    pub fn status(
        &self,
        issuer: &[u8],
        serial: SerialRef<'_>,
        now: Timestamp,
        expiration: ExpirationPolicy,
    ) -> RevocationStatus {
        let set = self.current();
        let issuer = name_content(issuer);
        let Some((list, crl)) = set.by_issuer.get(issuer).and_then(|list| {
            let crl = list
                .iter()
                .find(|c| c.scope.is_complete() && c.delta_of.is_none())?;
            Some((list, crl))
        }) else {
            return RevocationStatus::Unknown;
        };
        let q = Lookup {
            cert: CertScope::of_issuer(issuer),
            serial,
            now,
            expiration,
        };
        let mut cov = Coverage::default();
        cov.add(crl, delta_for(list, crl), ReasonFlags::ALL, &q)
            .unwrap_or_else(|| cov.finish())
    }

    /// The status of a certificate on a verified path, given the key (subjectPublicKey
    /// octets, already read from the path) and the DER of the certificate that issued
    /// it (an intermediate or the anchor), at `now` (seconds since the epoch). Only CRLs
    /// signed by that certificate's key and in scope for `cert` (RFC 5280 6.3.3 (b))
    /// count; a CRL loaded without a known issuer is checked against it on first use,
    /// and the result cached.
    pub(crate) fn status_on_path(
        &self,
        cert: &CertView<'_>,
        issuer_key: &[u8],
        issuer_der: &[u8],
        now: u64,
        expiration: ExpirationPolicy,
    ) -> RevocationStatus {
        let q = Lookup {
            cert: CertScope::of(cert),
            serial: cert.serial,
            now: Timestamp::from_unix_seconds(i64::try_from(now).unwrap_or(i64::MAX)),
            expiration,
        };
        self.current().status(
            &q,
            issuer_key,
            issuer_der,
            &self.inner.issuers,
            self.inner.algs,
        )
    }
}
