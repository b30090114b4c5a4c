//! The revocation store: CRLs checked once, at load, against their issuers; revoked
//! serials per issuer in a sorted table; the whole store swapped atomically at run time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use rustls::crypto::CryptoProvider;
use rustls_pki_types::SignatureVerificationAlgorithm;

use crate::VerifyError;
use certgate_x509::{CertView, SerialRef, Timestamp};

use crate::revocation::crl::{CrlIssuer, ParsedCrl, PendingCrl};
use crate::revocation::crl_input::{crl_issuer, name_content};
use crate::revocation::crl_sources::{Batches, CrlBatch};
pub use crate::revocation::policy::{
    ExpirationPolicy, RevocationCheckDepth, RevocationPolicy, RevocationStatus, UnknownStatusPolicy,
};

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

/// The CRLs in force, keyed by issuer name: per issuer key and scope, the newest by
/// CRL Number.
#[derive(Debug, Default)]
pub(crate) struct CrlSet {
    by_issuer: HashMap<Vec<u8>, Vec<Arc<ParsedCrl>>>,
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
    fn find(
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

/// A shared, swappable set of CRLs. Clones share the same store.
#[derive(Clone, Debug)]
pub struct RevocationStore {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    set: RwLock<Arc<CrlSet>>,
    generation: AtomicU64,
    /// The certificates CRLs may be signed by: those given to the builder, and those
    /// learnt from verifiers ([`RevocationStore::learn_issuers`]).
    pub(crate) issuers: RwLock<Vec<CrlIssuer>>,
    files: Vec<PathBuf>,
    /// Modification time and size of each file when it was last read.
    stamps: Mutex<Vec<Stamp>>,
    /// The CRLs by origin (the files, each named source); the set in force is their
    /// union. Held while a new set is made and installed, so swaps happen in order.
    batches: Mutex<Batches>,
    pub(crate) algs: Algorithms,
}

/// What identifies a version of a file: its modification time and size.
pub(crate) type Stamp = Option<(std::time::SystemTime, u64, u64)>;

/// The inode (a file replaced by a rename has another, whatever its time and size).
#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata) -> u64 {
    0
}

/// The stamp of each file now.
pub(crate) fn stamps(files: &[PathBuf]) -> Vec<Stamp> {
    files
        .iter()
        .map(|f| {
            let meta = std::fs::metadata(f).ok()?;
            Some((meta.modified().ok()?, meta.len(), file_id(&meta)))
        })
        .collect()
}

/// Collects issuers and CRLs for a [`RevocationStore`].
#[derive(Debug)]
pub struct RevocationStoreBuilder {
    issuers: Vec<CrlIssuer>,
    batch: CrlBatch,
    files: Vec<PathBuf>,
    algs: Algorithms,
}

impl RevocationStoreBuilder {
    /// Adds a CRL in DER or PEM (several `X509 CRL` blocks allowed), read and checked
    /// now; only what lookups need is kept. (A reload reads the files only: CRLs given
    /// as bytes are not kept across it.)
    ///
    /// # Errors
    /// [`VerifyError::Pem`] when the input holds no CRL, [`VerifyError::MalformedCrl`],
    /// [`VerifyError::CrlIssuer`] when a configured issuer of its name did not sign it
    /// or may not sign CRLs.
    pub fn with_crls(mut self, input: &[u8], origin: &str) -> Result<Self, VerifyError> {
        self.batch.add(&self.issuers, input, origin, self.algs)?;
        Ok(self)
    }

    /// Adds the CRLs of a file, which [`RevocationStore::reload`] reads again later.
    pub fn with_crl_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.files.push(path.into());
        self
    }

    /// Reads the files, checks every CRL's signature against its issuer and builds the store.
    ///
    /// # Errors
    /// [`VerifyError::Io`] for an unreadable file, [`VerifyError::MalformedCrl`],
    /// [`VerifyError::CrlIssuer`] for a CRL no configured issuer signed.
    pub fn build(mut self) -> Result<RevocationStore, VerifyError> {
        let stamps = load_files(&mut self.batch, &self.issuers, &self.files, self.algs)?;
        let batches = Batches {
            files: self.batch,
            sources: Default::default(),
        };
        Ok(RevocationStore {
            inner: Arc::new(Inner {
                set: RwLock::new(Arc::new(batches.merge())),
                generation: AtomicU64::new(1),
                issuers: RwLock::new(self.issuers),
                files: self.files,
                stamps: Mutex::new(stamps),
                batches: Mutex::new(batches),
                algs: self.algs,
            }),
        })
    }
}

/// Reads the files into `set`, each stamped before it is read (so a change while it is
/// read is seen by the next check).
fn load_files(
    batch: &mut CrlBatch,
    issuers: &[CrlIssuer],
    files: &[PathBuf],
    algs: Algorithms,
) -> Result<Vec<Stamp>, VerifyError> {
    let stamped = stamps(files);
    for path in files {
        let bytes = std::fs::read(path).map_err(|source| VerifyError::Io {
            path: path.clone(),
            source,
        })?;
        batch.add(issuers, &bytes, &path.display().to_string(), algs)?;
    }
    Ok(stamped)
}

/// Orders CRL Numbers (minimal unsigned magnitudes).
pub(crate) fn number_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    (a.len(), a).cmp(&(b.len(), b))
}

pub(crate) fn read_lock<T: Clone>(lock: &RwLock<T>) -> T {
    match lock.read() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

impl RevocationStore {
    /// Starts a store whose CRLs must be signed by one of `issuers` (DER certificates:
    /// the trust anchors and the intermediates that publish CRLs); signatures are
    /// checked with aws-lc-rs.
    ///
    /// # Errors
    /// [`VerifyError::MalformedCertificate`] for an issuer that does not parse.
    pub fn builder<'a>(
        issuers: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<RevocationStoreBuilder, VerifyError> {
        Self::builder_with_provider(issuers, crate::path::chain::default_provider())
    }

    /// Starts a store whose CRL signatures are checked with the
    /// `signature_verification_algorithms` of `provider` (ring's, a FIPS build's, ...).
    ///
    /// # Errors
    /// [`VerifyError::MalformedCertificate`] for an issuer that does not parse.
    pub fn builder_with_provider<'a>(
        issuers: impl IntoIterator<Item = &'a [u8]>,
        provider: Arc<CryptoProvider>,
    ) -> Result<RevocationStoreBuilder, VerifyError> {
        Ok(RevocationStoreBuilder {
            issuers: issuers
                .into_iter()
                .map(crl_issuer)
                .collect::<Result<_, _>>()?,
            batch: CrlBatch::default(),
            files: Vec::new(),
            algs: provider.signature_verification_algorithms.all,
        })
    }

    /// Re-reads the store's files and swaps the new CRLs in at once: handshakes that
    /// start afterwards see them, none sees half of them. On error the old set stays.
    ///
    /// # Errors
    /// As [`RevocationStoreBuilder::build`].
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
            .map(|c| c.revoked.len())
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
                    entries: crl.revoked.len(),
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
    /// `Name`), at `now`, from a CRL of that issuer that covers
    /// all its certificates (one with an issuingDistributionPoint scope needs the
    /// certificate: see the verifiers).
    pub fn status(
        &self,
        issuer: &[u8],
        serial: SerialRef<'_>,
        now: Timestamp,
        expiration: ExpirationPolicy,
    ) -> RevocationStatus {
        let set = self.current();
        let Some(crl) = set
            .by_issuer
            .get(name_content(issuer))
            .and_then(|list| list.iter().find(|c| c.scope.is_complete()))
        else {
            return RevocationStatus::Unknown;
        };
        evaluate(crl, serial, now, expiration)
    }

    /// The status of a certificate on a verified path, given the key (subjectPublicKey
    /// octets, already read from the path) and the DER of the certificate that issued it (an intermediate or the anchor). Only a CRL signed by that
    /// certificate's key and covering `cert` counts; a CRL loaded without a known issuer
    /// is checked against it on first use, and the result cached.
    pub(crate) fn status_on_path(
        &self,
        cert: &CertView<'_>,
        issuer_key: &[u8],
        issuer_der: &[u8],
        now: u64,
        expiration: ExpirationPolicy,
    ) -> RevocationStatus {
        let key = issuer_key;
        let set = self.current();
        match set.find(
            cert.issuer.content(),
            key,
            issuer_der,
            cert,
            self.inner.algs,
        ) {
            Some(crl) => evaluate(
                &crl,
                cert.serial,
                Timestamp::from_unix_seconds(i64::try_from(now).unwrap_or(i64::MAX)),
                expiration,
            ),
            None => RevocationStatus::Unknown,
        }
    }
}

fn evaluate(
    crl: &ParsedCrl,
    serial: SerialRef<'_>,
    now: Timestamp,
    expiration: ExpirationPolicy,
) -> RevocationStatus {
    // A CRL from the future (beyond five minutes of clock skew) says nothing yet.
    if now.unix_seconds().saturating_add(300) < crl.this_update.unix_seconds() {
        return RevocationStatus::Unknown;
    }
    if let Some(next) = crl.next_update {
        let grace = match expiration {
            ExpirationPolicy::Enforce => 0,
            ExpirationPolicy::Grace(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        };
        if now.unix_seconds() > next.unix_seconds().saturating_add(grace) {
            return RevocationStatus::Stale { next_update: next };
        }
    }
    match crl.revoked.get(serial) {
        Some(reason) => RevocationStatus::Revoked(reason),
        None => RevocationStatus::Good,
    }
}

/// Reads one file's CRLs for a one-off check (the `certgate verify -CRLfile` path).
///
/// # Errors
/// As [`RevocationStoreBuilder::build`].
pub fn store_from_files<'a>(
    issuers: impl IntoIterator<Item = &'a [u8]>,
    files: &[&Path],
) -> Result<RevocationStore, VerifyError> {
    let mut builder = RevocationStore::builder(issuers)?;
    for f in files {
        builder = builder.with_crl_file(f.to_path_buf());
    }
    builder.build()
}
