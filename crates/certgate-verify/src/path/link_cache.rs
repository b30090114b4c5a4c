//! Verified links between CA certificates, remembered across verifications.
//!
//! A gate sees the same intermediates on every handshake, and webpki checks each one's
//! signature by its issuer every time. A signature check is a pure function of the
//! algorithm, the public key, the signed bytes and the signature: once it succeeded, it
//! succeeds again. [`LinkCache`] remembers the checks that succeeded, keyed by those
//! exact bytes (the signature to find the entry, then the key and the signed bytes
//! compared in full, so a hit is never a guess); [`LinkCache::verify`] answers from it
//! and skips the cryptography on a hit. Only the crypto is skipped: validity, usage,
//! constraints and path length of every certificate on the path are checked on every
//! verification.
//!
//! The leaf's own signature is never cached: a leaf is new on most handshakes, and
//! keeping them would let a client with many certificates fill the cache. So what is
//! kept is at most the links between CA certificates (and the rare certificate a CA
//! signed that a client offers as an intermediate), and a leaf → intermediate → root
//! chain costs one signature check per handshake instead of two. The cache is bounded
//! ([`DEFAULT_LINK_CACHE_ENTRIES`], or [`crate::ChainVerifierBuilder::with_link_cache`]);
//! when full it is emptied and fills again with what is in use.

use std::collections::HashMap;
use std::fmt;
use std::sync::{PoisonError, RwLock};

use rustls_pki_types::{InvalidSignature, SignatureVerificationAlgorithm};

/// Links the link cache keeps by default: far more than the intermediates any one
/// verifier trusts, and at most a few hundred KiB.
pub const DEFAULT_LINK_CACHE_ENTRIES: usize = 1024;

/// One verified link: which algorithm (its index in the provider's list), the issuer's
/// public key and the signed bytes; the signature is the map's key.
struct Link {
    algorithm: usize,
    public_key: Box<[u8]>,
    message: Box<[u8]>,
}

/// Signature checks that succeeded, bounded in number. Safe to share between threads.
pub(crate) struct LinkCache {
    links: RwLock<HashMap<Box<[u8]>, Link>>,
    capacity: usize,
}

impl fmt::Debug for LinkCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkCache")
            .field("entries", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl LinkCache {
    /// A cache of at most `capacity` links (0: nothing is cached).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            links: RwLock::new(HashMap::new()),
            capacity,
        }
    }

    /// Links held now.
    pub(crate) fn len(&self) -> usize {
        self.links
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether this exact check succeeded before.
    fn contains(&self, algorithm: usize, public_key: &[u8], message: &[u8], sig: &[u8]) -> bool {
        let links = self.links.read().unwrap_or_else(PoisonError::into_inner);
        links.get(sig).is_some_and(|link| {
            link.algorithm == algorithm
                && *link.public_key == *public_key
                && *link.message == *message
        })
    }

    /// Remembers a check that succeeded; empties the cache first when it is full.
    fn insert(&self, algorithm: usize, public_key: &[u8], message: &[u8], sig: &[u8]) {
        if self.capacity == 0 {
            return;
        }
        let mut links = self.links.write().unwrap_or_else(PoisonError::into_inner);
        if links.len() >= self.capacity {
            links.clear();
        }
        links.insert(
            sig.into(),
            Link {
                algorithm,
                public_key: public_key.into(),
                message: message.into(),
            },
        );
    }
}

impl LinkCache {
    /// Checks `signature` over `message` with `key` by `algorithm` (index `index` in the
    /// provider's list), answering from the cache when this exact check succeeded
    /// before, and remembering it when it succeeds now. The caller never passes a
    /// leaf's own signature (see the module docs).
    pub(crate) fn verify(
        &self,
        index: usize,
        algorithm: &dyn SignatureVerificationAlgorithm,
        key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        if self.capacity == 0 {
            return algorithm.verify_signature(key, message, signature);
        }
        if self.contains(index, key, message, signature) {
            return Ok(());
        }
        algorithm.verify_signature(key, message, signature)?;
        self.insert(index, key, message, signature);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::AlgorithmIdentifier;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Accepts a signature equal to the message's first byte; counts its calls.
    #[derive(Debug)]
    struct Counting(AtomicUsize);

    impl SignatureVerificationAlgorithm for Counting {
        fn verify_signature(&self, _: &[u8], m: &[u8], s: &[u8]) -> Result<(), InvalidSignature> {
            self.0.fetch_add(1, Ordering::SeqCst);
            (m.first() == s.first())
                .then_some(())
                .ok_or(InvalidSignature)
        }
        fn public_key_alg_id(&self) -> AlgorithmIdentifier {
            AlgorithmIdentifier::from_slice(&[])
        }
        fn signature_alg_id(&self) -> AlgorithmIdentifier {
            AlgorithmIdentifier::from_slice(&[])
        }
    }

    #[test]
    fn a_hit_needs_the_same_key_message_and_signature() {
        let alg = Counting(AtomicUsize::new(0));
        let calls = || alg.0.load(Ordering::SeqCst);
        let cache = LinkCache::new(2);
        // A link between CAs: checked once, then answered from the cache.
        assert!(cache.verify(0, &alg, b"key", b"int tbs", b"i").is_ok());
        assert!(cache.verify(0, &alg, b"key", b"int tbs", b"i").is_ok());
        assert_eq!(calls(), 1);
        // Another key, another message, another algorithm, a failing check: each goes
        // to the algorithm, and a failure is not kept.
        assert!(cache.verify(0, &alg, b"other", b"int tbs", b"i").is_ok());
        assert!(cache.verify(0, &alg, b"key", b"ixx", b"i").is_ok());
        assert!(cache.verify(1, &alg, b"key", b"int tbs", b"i").is_ok());
        assert!(cache.verify(0, &alg, b"key", b"bad", b"i").is_err());
        assert!(cache.verify(0, &alg, b"key", b"bad", b"i").is_err());
        assert_eq!(calls(), 6);
        assert!(cache.len() <= 2);
    }

    #[test]
    fn a_full_cache_starts_again_and_a_zero_one_keeps_nothing() {
        let alg = Counting(AtomicUsize::new(0));
        let cache = LinkCache::new(2);
        for m in [b"a1", b"b1", b"c1"] {
            assert!(cache.verify(0, &alg, b"k", m, &m[..1]).is_ok());
        }
        assert_eq!(cache.len(), 1);
        let none = LinkCache::new(0);
        assert!(none.verify(0, &alg, b"k", b"a", b"a").is_ok());
        assert!(none.verify(0, &alg, b"k", b"a", b"a").is_ok());
        assert_eq!(none.len(), 0);
        assert_eq!(alg.0.load(Ordering::SeqCst), 5);
    }
}
