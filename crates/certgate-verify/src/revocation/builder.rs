//! Building a [`RevocationStore`]: the certificates CRLs may be signed by, CRLs given as
//! bytes, and CRL files, every CRL read and checked before the store exists.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};

use rustls::crypto::CryptoProvider;

use crate::VerifyError;
use crate::revocation::crl::CrlIssuer;
use crate::revocation::crl_input::{crl_issuer, crl_signer};
use crate::revocation::crl_sources::{Batches, CrlBatch};
use crate::revocation::files::load_files;
use crate::revocation::store::{Algorithms, Inner, RevocationStore};

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

    /// Adds certificates of dedicated CRL signers: keys a CA has certified to sign its
    /// CRLs (RFC 5280 6.3.3 (f)), each a certificate with the CA's name as its subject,
    /// issued by the CA, with keyUsage cRLSign (or no keyUsage). A CRL with the CA's
    /// name signed by such a key counts for the CA's certificates when the signer's
    /// certificate is valid at the time of the check and its signature verifies with the
    /// CA's key on the path (checked once per signer and CA key, then cached). Give
    /// them before [`with_crls`](Self::with_crls): CRLs are checked against the
    /// certificates known when they are added. A signer certificate given among the
    /// builder's issuers works the same way.
    ///
    /// # Errors
    /// [`VerifyError::MalformedCertificate`] for a certificate that does not parse.
    pub fn with_crl_signers<'a>(
        mut self,
        certs: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Self, VerifyError> {
        for der in certs {
            self.issuers.push(crl_signer(der)?);
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
