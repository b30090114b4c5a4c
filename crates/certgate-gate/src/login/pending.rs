//! Logins under way: kept on the gate (nothing the browser carries is trusted but the
//! random `state` and the binding cookie), bounded, single use, ten minutes at most.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use sha2::{Digest as _, Sha256};

use crate::session::token::b64url;

/// The most logins under way at once: each is a few hundred bytes, so 10 000 is a few
/// MiB; past it new logins are refused (503) until old ones end or expire, so a flood
/// of login starts cannot grow the gate's memory.
pub const MAX_PENDING_LOGINS: usize = 10_000;
/// How long a started login may take: the provider's login form, a second factor, a
/// slow typist; ten minutes, as most providers keep their own login state.
pub const PENDING_LOGIN_TTL_SECS: u64 = 600;

/// 32 random bytes, base64url: a `state`, a `nonce`, a PKCE verifier, a binding value.
pub(crate) fn random_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).ok()?;
    Some(b64url(&bytes))
}

/// SHA-256 of a binding cookie's value.
pub(crate) fn binding_hash(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

/// One login under way.
#[derive(Clone, Debug)]
pub(crate) struct PendingLogin {
    /// The provider's name.
    pub(crate) provider: String,
    /// The `nonce` sent, which the ID token must carry.
    pub(crate) nonce: String,
    /// The PKCE `code_verifier`.
    pub(crate) verifier: String,
    /// The `redirect_uri` sent (the token request repeats it).
    pub(crate) redirect_uri: String,
    /// Where the user goes after login (a same-host path).
    pub(crate) redirect_url: String,
    /// The host the login started on (lowercase, no port).
    pub(crate) host: String,
    /// SHA-256 of the binding cookie set on the browser that started it.
    pub(crate) binding: [u8; 32],
    /// Unix seconds when it started.
    pub(crate) started: u64,
}

/// The logins under way, by `state`.
#[derive(Debug, Default)]
pub(crate) struct PendingLogins(Mutex<HashMap<String, PendingLogin>>);

/// Why a login could not be kept.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Full;

impl PendingLogins {
    /// Keeps `login` under `state`; expired ones are dropped first when the store is full.
    pub(crate) fn insert(&self, state: String, login: PendingLogin, now: u64) -> Result<(), Full> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_PENDING_LOGINS {
            map.retain(|_, p| !expired(p, now));
        }
        if map.len() >= MAX_PENDING_LOGINS {
            return Err(Full);
        }
        map.insert(state, login);
        Ok(())
    }

    /// Takes the login of `state` out (a state is used once), if it has not expired.
    pub(crate) fn take(&self, state: &str, now: u64) -> Option<PendingLogin> {
        let login = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(state)?;
        (!expired(&login, now)).then_some(login)
    }

    /// How many are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

fn expired(login: &PendingLogin, now: u64) -> bool {
    now >= login.started.saturating_add(PENDING_LOGIN_TTL_SECS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn login(started: u64) -> PendingLogin {
        PendingLogin {
            provider: "p".into(),
            nonce: "n".into(),
            verifier: "v".into(),
            redirect_uri: "https://h/cdn-cgi/access/callback".into(),
            redirect_url: "/".into(),
            host: "h".into(),
            binding: binding_hash("b"),
            started,
        }
    }

    #[test]
    fn a_state_is_used_once_and_expires() {
        let store = PendingLogins::default();
        store.insert("s1".into(), login(100), 100).unwrap();
        assert!(store.take("s1", 101).is_some());
        assert!(store.take("s1", 101).is_none(), "single use");
        store.insert("s2".into(), login(100), 100).unwrap();
        assert!(store.take("s2", 100 + PENDING_LOGIN_TTL_SECS).is_none());
        assert_ne!(random_token().unwrap(), random_token().unwrap());
    }

    #[test]
    fn the_store_is_bounded() {
        let store = PendingLogins::default();
        for i in 0..MAX_PENDING_LOGINS {
            store.insert(format!("s{i}"), login(100), 100).unwrap();
        }
        assert_eq!(store.insert("over".into(), login(100), 100), Err(Full));
        // Once the old ones expired, room again.
        let later = 100 + PENDING_LOGIN_TTL_SECS;
        store.insert("new".into(), login(later), later).unwrap();
        assert_eq!(store.len(), 1);
    }
}
