//! The revocation store: CRLs checked once, at load, against their issuers; revoked
//! serials per issuer in a hash set; the whole store swapped atomically at run time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use der::Decode;
use rustls_pki_types::SignatureVerificationAlgorithm;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages, SubjectKeyIdentifier};

use crate::VerifyError;
use crate::crl::{CrlIssuer, ParsedCrl, serial_key};

/// Which certificates of a path are checked against CRLs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RevocationCheckDepth {
    /// Only the client's certificate.
    EndEntity,
    /// Every certificate below the trust anchor (the default).
    #[default]
    Chain,
}

/// What to do with a certificate whose issuer has no CRL in the store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownStatusPolicy {
    /// Refuse it (the default: with a store, every issuer must publish a CRL).
    #[default]
    Deny,
    /// Accept it.
    Allow,
}

/// What to do once a CRL is past its nextUpdate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExpirationPolicy {
    /// Refuse certificates it covers (the default: a stale CRL fails closed).
    #[default]
    Enforce,
    /// Keep using it for this long past nextUpdate.
    Grace(Duration),
}

/// The revocation policy of a verifier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RevocationPolicy {
    /// Which certificates are checked.
    pub depth: RevocationCheckDepth,
    /// Issuers without a CRL.
    pub unknown_status: UnknownStatusPolicy,
    /// Stale CRLs.
    pub expiration: ExpirationPolicy,
}

/// What the store says of one certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Its issuer's current CRL does not list it.
    Good,
    /// Listed, with the reason code if the CRL gives one.
    Revoked(Option<u8>),
    /// No CRL of its issuer is loaded.
    Unknown,
    /// The issuer's CRL is past nextUpdate (and past the grace period).
    Stale,
}

/// The CRLs in force, keyed by issuer name.
#[derive(Debug, Default)]
struct CrlSet {
    by_issuer: HashMap<Vec<u8>, ParsedCrl>,
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
}

/// Collects issuers and CRLs for a [`RevocationStore`].
#[derive(Debug)]
pub struct RevocationStoreBuilder {
    issuers: Vec<CrlIssuer>,
    crls: Vec<(String, Vec<u8>)>,
    files: Vec<PathBuf>,
}

/// The certificate an issuer of CRLs is known by, read for what CRL checks need.
fn crl_issuer(der: &[u8]) -> Result<CrlIssuer, VerifyError> {
    let cert = Certificate::from_der(der).map_err(|e| VerifyError::malformed("Certificate", e))?;
    let tbs = cert.tbs_certificate();
    let spki = tbs.subject_public_key_info();
    let alg = der::Encode::to_der(&spki.algorithm)
        .map_err(|e| VerifyError::malformed("subjectPublicKeyInfo", e))?;
    let alg = der::asn1::AnyRef::from_der(&alg)
        .map_err(|e| VerifyError::malformed("subjectPublicKeyInfo", e))?
        .value()
        .to_vec();
    let ku = tbs
        .get_extension::<KeyUsage>()
        .map_err(|e| VerifyError::malformed("keyUsage", e))?
        .map(|(_, ku)| ku);
    Ok(CrlIssuer {
        subject: name_content(
            &der::Encode::to_der(tbs.subject())
                .map_err(|e| VerifyError::malformed("subject", e))?,
        )
        .to_vec(),
        spki_algorithm: alg,
        public_key: spki.subject_public_key.raw_bytes().to_vec(),
        key_id: tbs
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, ski)| ski.0.as_bytes().to_vec()),
        can_sign_crls: ku.is_none_or(|ku| ku.0.contains(KeyUsages::CRLSign)),
    })
}

/// A `Name`'s content: the RDNs without the SEQUENCE header. Content starts with a SET
/// (0x31) or is empty; a whole `Name` starts with 0x30.
pub(crate) fn name_content(name: &[u8]) -> &[u8] {
    match der::asn1::AnyRef::from_der(name) {
        Ok(any) if name.first() == Some(&0x30) => any.value(),
        _ => name,
    }
}

/// The `X509 CRL` blocks of PEM input (or the input itself when it is DER).
fn crl_blocks(input: &[u8], origin: &str) -> Result<Vec<Vec<u8>>, VerifyError> {
    if input.first() == Some(&0x30) {
        return Ok(vec![input.to_vec()]);
    }
    let text = std::str::from_utf8(input).map_err(|_| VerifyError::Pem {
        origin: origin.to_owned(),
        reason: "neither DER nor PEM".into(),
    })?;
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN X509 CRL-----") {
        let block = &rest[start..];
        let end_marker = "-----END X509 CRL-----";
        let end = block.find(end_marker).ok_or_else(|| VerifyError::Pem {
            origin: origin.to_owned(),
            reason: "X509 CRL block has no END line".into(),
        })?;
        let (_, der) =
            der::pem::decode_vec(&block.as_bytes()[..end + end_marker.len()]).map_err(|e| {
                VerifyError::Pem {
                    origin: origin.to_owned(),
                    reason: format!("malformed PEM: {e}"),
                }
            })?;
        out.push(der);
        rest = &block[end + end_marker.len()..];
    }
    if out.is_empty() {
        return Err(VerifyError::Pem {
            origin: origin.to_owned(),
            reason: "no X509 CRL block found".into(),
        });
    }
    Ok(out)
}

impl RevocationStoreBuilder {
    /// Adds a CRL in DER or PEM (several `X509 CRL` blocks allowed).
    ///
    /// # Errors
    /// [`VerifyError::Pem`] when the input holds no CRL.
    pub fn with_crls(mut self, input: &[u8], origin: &str) -> Result<Self, VerifyError> {
        for der in crl_blocks(input, origin)? {
            self.crls.push((origin.to_owned(), der));
        }
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
    pub fn build(self) -> Result<RevocationStore, VerifyError> {
        let set = load(&self.issuers, &self.crls, &self.files)?;
        Ok(RevocationStore {
            inner: Arc::new(Inner {
                set: RwLock::new(Arc::new(set)),
                generation: AtomicU64::new(1),
                issuers: self.issuers,
                files: self.files,
            }),
        })
    }
}

fn algs() -> &'static [&'static dyn SignatureVerificationAlgorithm] {
    webpki::ALL_VERIFICATION_ALGS
}

fn load(
    issuers: &[CrlIssuer],
    crls: &[(String, Vec<u8>)],
    files: &[PathBuf],
) -> Result<CrlSet, VerifyError> {
    let mut all: Vec<(String, Vec<u8>)> = crls.to_vec();
    for path in files {
        let bytes = std::fs::read(path).map_err(|source| VerifyError::Io {
            path: path.clone(),
            source,
        })?;
        let origin = path.display().to_string();
        for der in crl_blocks(&bytes, &origin)? {
            all.push((origin.clone(), der));
        }
    }
    let mut set = CrlSet::default();
    for (origin, der) in &all {
        let crl = crate::crl::parse(der, issuers, algs()).map_err(|e| with_origin(e, origin))?;
        // The newest CRL per issuer wins, by CRL Number.
        let newer = set
            .by_issuer
            .get(&crl.issuer)
            .is_none_or(|old| number_greater(&crl.number, &old.number));
        if newer {
            set.by_issuer.insert(crl.issuer.clone(), crl);
        }
    }
    Ok(set)
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
    /// the trust anchors and the intermediates that publish CRLs).
    ///
    /// # Errors
    /// [`VerifyError::MalformedCertificate`] for an issuer that does not parse.
    pub fn builder<'a>(
        issuers: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<RevocationStoreBuilder, VerifyError> {
        Ok(RevocationStoreBuilder {
            issuers: issuers
                .into_iter()
                .map(crl_issuer)
                .collect::<Result<_, _>>()?,
            crls: Vec::new(),
            files: Vec::new(),
        })
    }

    /// Re-reads the store's files and swaps the new CRLs in at once: handshakes that
    /// start afterwards see them, none sees half of them. On error the old set stays.
    ///
    /// # Errors
    /// As [`RevocationStoreBuilder::build`].
    pub fn reload(&self) -> Result<(), VerifyError> {
        let set = load(&self.inner.issuers, &[], &self.inner.files)?;
        self.swap(set);
        Ok(())
    }

    /// Replaces the CRLs with those of `other` (built from other issuers or files).
    pub fn replace_with(&self, other: &RevocationStore) {
        let set = other.current();
        self.install(set);
    }

    fn swap(&self, set: CrlSet) {
        self.install(Arc::new(set));
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

    /// Changes each time the CRLs are swapped; sessions tie themselves to it.
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::SeqCst)
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
        let Some(crl) = set.by_issuer.get(name_content(issuer)) else {
            return RevocationStatus::Unknown;
        };
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
                return RevocationStatus::Stale;
            }
        }
        match serial_key(serial) {
            Ok(key) if crl.revoked.contains(&key) => {
                RevocationStatus::Revoked(crl.reasons.get(&key).copied())
            }
            Ok(_) => RevocationStatus::Good,
            Err(long) => match crl.long_serials.get(&long) {
                Some(reason) => RevocationStatus::Revoked(*reason),
                None => RevocationStatus::Good,
            },
        }
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
