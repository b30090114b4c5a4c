//! The revocation store: CRLs checked once, at load, against their issuers; revoked
//! serials per issuer in a flat hash table; the whole store swapped atomically at run time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use rustls::crypto::CryptoProvider;
use rustls_pki_types::SignatureVerificationAlgorithm;

use crate::VerifyError;
use crate::crl::{CrlIssuer, Loaded, ParsedCrl, PendingCrl};
use crate::crl_input::{crl_issuer, for_each_crl, name_content, subject_public_key};
pub use crate::revocation_policy::{
    ExpirationPolicy, RevocationCheckDepth, RevocationPolicy, RevocationStatus, UnknownStatusPolicy,
};

/// Signature algorithms, from a crypto provider.
type Algorithms = &'static [&'static dyn SignatureVerificationAlgorithm];

/// The CRLs in force, keyed by issuer name, one per issuer key (the newest by number).
#[derive(Debug, Default)]
struct CrlSet {
    by_issuer: HashMap<Vec<u8>, Vec<Arc<ParsedCrl>>>,
    /// CRLs whose issuer was not configured: checked when it is first seen on a path.
    pending: HashMap<Vec<u8>, Vec<PendingCrl>>,
    /// What those checks found, per issuer name and key (`None`: no pending CRL verified).
    checked: RwLock<FirstUse>,
}

/// Issuer name → (public key, the pending CRL that key signed, if any).
type FirstUse = HashMap<Vec<u8>, Vec<(Vec<u8>, Option<Arc<ParsedCrl>>)>>;

/// What the first-use cache holds for this name and key (outer `None`: not checked yet).
fn cached(cache: &FirstUse, name: &[u8], key: &[u8]) -> Option<Option<Arc<ParsedCrl>>> {
    cache
        .get(name)?
        .iter()
        .find(|(k, _)| k.as_slice() == key)
        .map(|(_, crl)| crl.clone())
}

impl CrlSet {
    fn insert(&mut self, crl: ParsedCrl) {
        let list = self.by_issuer.entry(crl.issuer.clone()).or_default();
        match list.iter_mut().find(|c| c.issuer_key == crl.issuer_key) {
            Some(old) if number_greater(&crl.number, &old.number) => *old = Arc::new(crl),
            Some(_) => {}
            None => list.push(Arc::new(crl)),
        }
    }

    /// The CRL of the issuer named `name` with public key `key`, verifying pending CRLs
    /// of that name against `issuer_der` with `algs` on first use.
    fn find(
        &self,
        name: &[u8],
        key: &[u8],
        issuer_der: &[u8],
        algs: Algorithms,
    ) -> Option<Arc<ParsedCrl>> {
        if let Some(crl) = self
            .by_issuer
            .get(name)
            .and_then(|list| list.iter().find(|c| c.issuer_key == key))
        {
            return Some(Arc::clone(crl));
        }
        let pending = self.pending.get(name)?;
        // Handshakes after the first read the cache without allocating or waiting.
        let hit = match self.checked.read() {
            Ok(cache) => cached(&cache, name, key),
            Err(poisoned) => cached(&poisoned.into_inner(), name, key),
        };
        if let Some(found) = hit {
            return found;
        }
        let mut best: Option<&Arc<ParsedCrl>> = None;
        if let Ok(issuer) = crl_issuer(issuer_der) {
            for p in pending {
                if p.verify(&issuer, algs).is_ok()
                    && best.is_none_or(|b| number_greater(&p.crl.number, &b.number))
                {
                    best = Some(&p.crl);
                }
            }
        }
        let found = best.cloned();
        let mut cache = match self.checked.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let entries = cache.entry(name.to_vec()).or_default();
        if !entries.iter().any(|(k, _)| k.as_slice() == key) {
            entries.push((key.to_vec(), found.clone()));
        }
        found
    }
}

/// A shared, swappable set of CRLs. Clones share the same store.
#[derive(Clone, Debug)]
pub struct RevocationStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    set: RwLock<Arc<CrlSet>>,
    generation: AtomicU64,
    issuers: Vec<CrlIssuer>,
    files: Vec<PathBuf>,
    /// Modification time and size of each file when it was last read.
    stamps: Mutex<Vec<Stamp>>,
    algs: Algorithms,
}

/// What identifies a version of a file: its modification time and size.
pub(crate) type Stamp = Option<(std::time::SystemTime, u64)>;

/// The stamp of each file now.
pub(crate) fn stamps(files: &[PathBuf]) -> Vec<Stamp> {
    files
        .iter()
        .map(|f| {
            let meta = std::fs::metadata(f).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        })
        .collect()
}

/// Collects issuers and CRLs for a [`RevocationStore`].
#[derive(Debug)]
pub struct RevocationStoreBuilder {
    issuers: Vec<CrlIssuer>,
    set: CrlSet,
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
        add_crls(&mut self.set, &self.issuers, input, origin, self.algs)?;
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
        let stamps = load_files(&mut self.set, &self.issuers, &self.files, self.algs)?;
        Ok(RevocationStore {
            inner: Arc::new(Inner {
                set: RwLock::new(Arc::new(self.set)),
                generation: AtomicU64::new(1),
                issuers: self.issuers,
                files: self.files,
                stamps: Mutex::new(stamps),
                algs: self.algs,
            }),
        })
    }
}

/// Reads the files into `set`, each stamped before it is read (so a change while it is
/// read is seen by the next check).
fn load_files(
    set: &mut CrlSet,
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
        add_crls(set, issuers, &bytes, &path.display().to_string(), algs)?;
    }
    Ok(stamped)
}

fn add_crls(
    set: &mut CrlSet,
    issuers: &[CrlIssuer],
    input: &[u8],
    origin: &str,
    algs: Algorithms,
) -> Result<(), VerifyError> {
    for_each_crl(input, origin, |der| {
        match crate::crl::load(der, issuers, algs).map_err(|e| with_origin(e, origin))? {
            // The newest CRL per issuer wins, by CRL Number.
            Loaded::Verified(crl) => set.insert(crl),
            Loaded::Pending(p) => set.pending.entry(p.crl.issuer.clone()).or_default().push(p),
        }
        Ok(())
    })
}

fn with_origin(err: VerifyError, origin: &str) -> VerifyError {
    match err {
        VerifyError::CrlIssuer { reason } => VerifyError::CrlIssuer {
            reason: format!("{origin}: {reason}"),
        },
        VerifyError::MalformedCrl { field, reason } => VerifyError::MalformedCrl {
            field,
            reason: format!("{origin}: {reason}"),
        },
        other => other,
    }
}

fn number_greater(a: &[u8], b: &[u8]) -> bool {
    (a.len(), a) > (b.len(), b)
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
        Self::builder_with_provider(issuers, crate::chain::default_provider())
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
            set: CrlSet::default(),
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
        let mut set = CrlSet::default();
        let inner = &self.inner;
        let stamps = load_files(&mut set, &inner.issuers, &inner.files, inner.algs)?;
        self.install(Arc::new(set));
        match self.inner.stamps.lock() {
            Ok(mut guard) => *guard = stamps,
            Err(poisoned) => *poisoned.into_inner() = stamps,
        }
        Ok(())
    }

    /// Replaces the CRLs with those of `other` (built from other issuers or files).
    pub fn replace_with(&self, other: &RevocationStore) {
        let set = other.current();
        self.install(set);
    }

    fn install(&self, set: Arc<CrlSet>) {
        match self.inner.set.write() {
            Ok(mut guard) => *guard = set,
            Err(poisoned) => *poisoned.into_inner() = set,
        }
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn current(&self) -> Arc<CrlSet> {
        match self.inner.set.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The files the store reads on [`reload`](Self::reload).
    pub(crate) fn files(&self) -> &[PathBuf] {
        &self.inner.files
    }

    /// The files' stamps when they were last read.
    pub(crate) fn loaded_stamps(&self) -> Vec<Stamp> {
        match self.inner.stamps.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
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

    /// How many loaded CRLs wait for their issuer to be seen on a path.
    pub fn pending_count(&self) -> usize {
        self.current().pending.values().map(Vec::len).sum()
    }

    /// How many issuers have a CRL loaded.
    pub fn issuer_count(&self) -> usize {
        self.current().by_issuer.len()
    }

    /// The status of the certificate with serial `serial` (the INTEGER's value bytes)
    /// issued by `issuer` (the DER `Name`), at `now` (seconds since the epoch).
    pub fn status(
        &self,
        issuer: &[u8],
        serial: &[u8],
        now: u64,
        expiration: ExpirationPolicy,
    ) -> RevocationStatus {
        let set = self.current();
        let Some(crl) = set
            .by_issuer
            .get(name_content(issuer))
            .and_then(|list| list.first())
        else {
            return RevocationStatus::Unknown;
        };
        evaluate(crl, serial, now, expiration)
    }

    /// The status of a certificate on a verified path: its issuer name and serial, and
    /// the DER of the certificate that issued it (an intermediate or the anchor). Only a
    /// CRL signed by that certificate's key counts; a CRL loaded without a configured
    /// issuer is checked against it on first use, and the result cached.
    pub(crate) fn status_on_path(
        &self,
        issuer: &[u8],
        serial: &[u8],
        issuer_der: &[u8],
        now: u64,
        expiration: ExpirationPolicy,
    ) -> RevocationStatus {
        let Some(key) = subject_public_key(issuer_der) else {
            return RevocationStatus::Unknown;
        };
        let set = self.current();
        match set.find(name_content(issuer), key, issuer_der, self.inner.algs) {
            Some(crl) => evaluate(&crl, serial, now, expiration),
            None => RevocationStatus::Unknown,
        }
    }
}

fn evaluate(
    crl: &ParsedCrl,
    serial: &[u8],
    now: u64,
    expiration: ExpirationPolicy,
) -> RevocationStatus {
    // A CRL from the future (beyond five minutes of clock skew) says nothing yet.
    if now.saturating_add(300) < crl.this_update {
        return RevocationStatus::Unknown;
    }
    if let Some(next) = crl.next_update {
        let grace = match expiration {
            ExpirationPolicy::Enforce => 0,
            ExpirationPolicy::Grace(d) => d.as_secs(),
        };
        if now > next.saturating_add(grace) {
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
