//! What the chain and path-building tests share: a time as rustls takes it, a fresh
//! signer, and aws-lc-rs' signature algorithms each counting its checks (how the tests see
//! how many signatures a verification checked: the link cache, AKI-first path building).

use certgate_ca::{KeySigner, KeySpec, PrivateKey};
use rustls_pki_types::UnixTime;
use time::OffsetDateTime;

/// `t` as rustls takes it.
pub(crate) fn at(t: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(t.unix_timestamp()).unwrap(),
    ))
}

/// A new P-256 key, and a signer holding a copy of it.
pub(crate) fn signer() -> (PrivateKey, KeySigner) {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let copy = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap();
    (key, KeySigner::new(copy))
}

/// One of aws-lc-rs' algorithms, counting its signature checks.
#[derive(Debug)]
struct Counting {
    inner: &'static dyn rustls_pki_types::SignatureVerificationAlgorithm,
    calls: &'static std::sync::atomic::AtomicUsize,
}

impl rustls_pki_types::SignatureVerificationAlgorithm for Counting {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), rustls_pki_types::InvalidSignature> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.verify_signature(public_key, message, signature)
    }
    fn public_key_alg_id(&self) -> rustls_pki_types::AlgorithmIdentifier {
        self.inner.public_key_alg_id()
    }
    fn signature_alg_id(&self) -> rustls_pki_types::AlgorithmIdentifier {
        self.inner.signature_alg_id()
    }
}

/// aws-lc-rs' provider whose certificate signature checks are counted in `calls`.
pub(crate) fn counting_provider(
    calls: &'static std::sync::atomic::AtomicUsize,
) -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    let all: Vec<&'static dyn rustls_pki_types::SignatureVerificationAlgorithm> = provider
        .signature_verification_algorithms
        .all
        .iter()
        .map(|inner| {
            let counted: &'static Counting = Box::leak(Box::new(Counting {
                inner: *inner,
                calls,
            }));
            counted as &'static dyn rustls_pki_types::SignatureVerificationAlgorithm
        })
        .collect();
    provider.signature_verification_algorithms.all = Box::leak(all.into_boxed_slice());
    std::sync::Arc::new(provider)
}
