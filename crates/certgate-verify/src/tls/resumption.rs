//! Session resumption that cannot outlive a CRL update.
//!
//! A resumed session skips the client-certificate verifier: rustls takes the client's
//! chain from the stored session. Without a guard, a certificate revoked after the first
//! handshake keeps working for as long as its session or ticket does. Here every stored
//! session and every ticket carries the [`RevocationStore::generation`] it was made
//! under, and one made under another generation is refused, so the client goes through
//! a full handshake and the current CRLs.

use std::fmt;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::{NoServerSessionStorage, ProducesTickets, StoresServerSessions};

use crate::RevocationStore;

/// Length of the generation prefix on stored sessions and ticket plaintexts.
const GENERATION_LEN: usize = 8;

/// How an mTLS server resumes sessions.
#[derive(Clone, Debug)]
pub enum Resumption {
    /// No resumption: no session ids stored, no TLS 1.3 tickets sent, no tickets made.
    /// Every connection is a full handshake that sees the current CRLs.
    Disabled,
    /// Resumption (TLS 1.2 session ids and tickets, TLS 1.3 stateful and stateless
    /// tickets) for as long as the store's CRLs stay the same: each
    /// [`RevocationStore::reload`] or [`RevocationStore::replace_with`] ends every
    /// session made before it, revoked or not, and their clients verify afresh.
    ///
    /// # Security
    /// A handshake verified just before a reload but finished just after it stores its
    /// session under the new generation; the window is that one handshake.
    TiedTo(RevocationStore),
}

/// Applies `resumption` to `config`, on top of what it has.
///
/// `Disabled` replaces the session storage with one that stores nothing, sends no TLS
/// 1.3 tickets and disables the ticketer. `TiedTo` wraps the config's session storage
/// (rustls' default is a 256-entry memory cache) and its ticketer (when it has one) so
/// that sessions made under another generation of the store are refused.
pub fn apply_resumption(config: &mut ServerConfig, resumption: Resumption) {
    match resumption {
        Resumption::Disabled => {
            config.session_storage = Arc::new(NoServerSessionStorage {});
            config.send_tls13_tickets = 0;
            config.ticketer = Arc::new(NoTickets);
        }
        Resumption::TiedTo(store) => {
            config.session_storage = Arc::new(GenerationBoundStorage {
                inner: Arc::clone(&config.session_storage),
                store: store.clone(),
            });
            config.ticketer = Arc::new(GenerationBoundTicketer {
                inner: Arc::clone(&config.ticketer),
                store,
            });
        }
    }
}

/// `value` prefixed with `generation`, big-endian.
fn tag(generation: u64, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(GENERATION_LEN + value.len());
    out.extend_from_slice(&generation.to_be_bytes());
    out.extend_from_slice(value);
    out
}

/// The value behind the prefix, if the prefix is `generation`.
fn untag(generation: u64, tagged: &[u8]) -> Option<Vec<u8>> {
    let (prefix, value) = tagged.split_first_chunk::<GENERATION_LEN>()?;
    (u64::from_be_bytes(*prefix) == generation).then(|| value.to_vec())
}

/// A ticketer that makes no tickets (rustls' own is not public).
#[derive(Debug)]
struct NoTickets;

impl ProducesTickets for NoTickets {
    fn enabled(&self) -> bool {
        false
    }

    fn lifetime(&self) -> u32 {
        0
    }

    fn encrypt(&self, _plain: &[u8]) -> Option<Vec<u8>> {
        None
    }

    fn decrypt(&self, _cipher: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

/// Session storage whose entries hold the store generation they were made under.
struct GenerationBoundStorage {
    inner: Arc<dyn StoresServerSessions>,
    store: RevocationStore,
}

impl fmt::Debug for GenerationBoundStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenerationBoundStorage")
            .field("inner", &self.inner)
            .field("generation", &self.store.generation())
            .finish()
    }
}

impl StoresServerSessions for GenerationBoundStorage {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        self.inner.put(key, tag(self.store.generation(), &value))
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let tagged = self.inner.get(key)?;
        let value = untag(self.store.generation(), &tagged);
        if value.is_none() {
            // Made under older CRLs: forget it.
            self.inner.take(key);
        }
        value
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        untag(self.store.generation(), &self.inner.take(key)?)
    }

    fn can_cache(&self) -> bool {
        self.inner.can_cache()
    }
}

/// A ticketer whose plaintexts hold the store generation they were made under.
struct GenerationBoundTicketer {
    inner: Arc<dyn ProducesTickets>,
    store: RevocationStore,
}

impl fmt::Debug for GenerationBoundTicketer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenerationBoundTicketer")
            .field("inner", &self.inner)
            .field("generation", &self.store.generation())
            .finish()
    }
}

impl ProducesTickets for GenerationBoundTicketer {
    fn enabled(&self) -> bool {
        self.inner.enabled()
    }

    fn lifetime(&self) -> u32 {
        self.inner.lifetime()
    }

    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        self.inner.encrypt(&tag(self.store.generation(), plain))
    }

    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        untag(self.store.generation(), &self.inner.decrypt(cipher)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_only_for_their_generation() {
        let tagged = tag(7, b"session");
        assert_eq!(untag(7, &tagged).as_deref(), Some(&b"session"[..]));
        assert_eq!(untag(8, &tagged), None);
        assert_eq!(untag(7, &[0; 7]), None);
        assert_eq!(untag(7, &tag(7, b"")).as_deref(), Some(&b""[..]));
    }

    fn empty_store() -> RevocationStore {
        RevocationStore::builder(std::iter::empty())
            .and_then(crate::RevocationStoreBuilder::build)
            .unwrap()
    }

    #[test]
    fn a_new_generation_drops_stored_sessions() {
        let store = empty_store();
        let inner = rustls::server::ServerSessionMemoryCache::new(4);
        let storage = GenerationBoundStorage {
            inner: inner.clone(),
            store: store.clone(),
        };
        assert!(storage.put(vec![1], vec![10]));
        assert!(storage.put(vec![2], vec![20]));
        assert_eq!(storage.get(&[1]), Some(vec![10]));
        store.replace_with(&empty_store());
        assert_eq!(storage.get(&[1]), None);
        assert_eq!(inner.get(&[1]), None, "a stale entry is removed on get");
        assert_eq!(storage.take(&[2]), None);
        assert!(storage.put(vec![1], vec![11]));
        assert_eq!(storage.take(&[1]), Some(vec![11]));
    }
}
