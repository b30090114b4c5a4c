//! The codes waiting to be typed in, and the send limits.
//!
//! A code is 6 digits drawn uniformly from the operating system's RNG (aws-lc-rs
//! `SystemRandom`, rejection sampling: no modulo bias). The store keeps an HMAC-SHA256
//! of it under a key made when the process starts, never the code, and compares in
//! constant time. One code per (application, address): a new one replaces the old.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};

use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// How many digits a code has: Access's one-time PIN has six.
pub const CODE_DIGITS: usize = 6;
/// The most codes waiting at once. A code costs a mail, and the send limits bound the
/// mails; ten thousand outstanding codes is far beyond any honest load, and bounds the
/// memory to about a megabyte. When full (after dropping expired codes) a new code is
/// refused rather than an older one dropped: codes already mailed stay good.
pub const MAX_PENDING_CODES: usize = 10_000;
/// The most addresses or clients the send limits track at once (about 10 MB at most).
/// When full (after dropping those with no send in the last hour) a send is refused:
/// a flood of new addresses must not wipe the counts that hold back a known one.
pub const MAX_TRACKED_SENDERS: usize = 100_000;
/// The window of the send limits.
const HOUR_SECS: u64 = 3600;
/// 10^6: codes are below it.
const CODE_SPACE: u32 = 1_000_000;

/// A code as mailed. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Code(String);

impl Code {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Code(..)")
    }
}

/// Why a typed code was not accepted.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeRefusal {
    /// No code is waiting for this address and application (none was mailed, or it was
    /// used). The page says "wrong code", as for [`CodeRefusal::Wrong`].
    NoCode,
    /// Not the code mailed; `attempts_left` more tries before it is dead.
    Wrong {
        /// Tries left.
        attempts_left: u32,
    },
    /// The code is past its validity.
    Expired,
    /// Too many wrong tries: the code is dead; a new one must be asked for.
    TooManyAttempts,
}

impl CodeRefusal {
    /// A short, stable id for logs and metrics.
    pub fn id(self) -> &'static str {
        match self {
            Self::NoCode => "no-code",
            Self::Wrong { .. } => "wrong-code",
            Self::Expired => "expired-code",
            Self::TooManyAttempts => "too-many-attempts",
        }
    }
}

#[derive(Debug)]
struct Pending {
    tag: hmac::Tag,
    expires_at: u64,
    attempts_left: u32,
}

/// The store could not make a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IssueError {
    /// [`MAX_PENDING_CODES`] are waiting.
    Full,
    /// The RNG failed.
    Random,
}

/// (application, address).
type CodeKey = (Box<str>, Box<str>);

/// Codes waiting, keyed by (application, address).
#[derive(Debug)]
pub(crate) struct CodeStore {
    rng: SystemRandom,
    key: hmac::Key,
    ttl_secs: u64,
    max_attempts: u32,
    capacity: usize,
    pending: Mutex<HashMap<CodeKey, Pending>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CodeStore {
    /// A store whose codes last `ttl_secs` and survive `max_attempts` wrong tries.
    pub(crate) fn new(
        ttl_secs: u64,
        max_attempts: u32,
        capacity: usize,
    ) -> Result<Self, IssueError> {
        let rng = SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng).map_err(|_| IssueError::Random)?;
        Ok(Self {
            rng,
            key,
            ttl_secs,
            max_attempts,
            capacity,
            pending: Mutex::new(HashMap::new()),
        })
    }

    fn tag(&self, application: &str, email: &str, code: &str) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.key);
        for part in [application, email, code] {
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part.as_bytes());
        }
        ctx.sign()
    }

    fn random_code(&self) -> Result<Code, IssueError> {
        // The largest multiple of 10^6 below 2^32: values at or above it are drawn again.
        const LIMIT: u32 = u32::MAX - u32::MAX % CODE_SPACE;
        loop {
            let mut bytes = [0u8; 4];
            self.rng.fill(&mut bytes).map_err(|_| IssueError::Random)?;
            let n = u32::from_be_bytes(bytes);
            if n < LIMIT {
                return Ok(Code(format!(
                    "{:0width$}",
                    n % CODE_SPACE,
                    width = CODE_DIGITS
                )));
            }
        }
    }

    /// A new code for `email` on `application`, replacing any waiting one.
    pub(crate) fn issue(
        &self,
        application: &str,
        email: &str,
        now: u64,
    ) -> Result<Code, IssueError> {
        let code = self.random_code()?;
        let entry = Pending {
            tag: self.tag(application, email, code.as_str()),
            expires_at: now.saturating_add(self.ttl_secs),
            attempts_left: self.max_attempts,
        };
        let key = (Box::from(application), Box::from(email));
        let mut pending = lock(&self.pending);
        if pending.len() >= self.capacity && !pending.contains_key(&key) {
            pending.retain(|_, p| p.expires_at > now);
            if pending.len() >= self.capacity {
                return Err(IssueError::Full);
            }
        }
        pending.insert(key, entry);
        Ok(code)
    }

    /// Checks `code` for `email` on `application`: on success the code is gone (single
    /// use); a wrong one costs an attempt; a dead one stays dead until it expires.
    pub(crate) fn verify(
        &self,
        application: &str,
        email: &str,
        code: &str,
        now: u64,
    ) -> Result<(), CodeRefusal> {
        let key = (Box::from(application), Box::from(email));
        let mut pending = lock(&self.pending);
        let Some(entry) = pending.get_mut(&key) else {
            return Err(CodeRefusal::NoCode);
        };
        if now >= entry.expires_at {
            pending.remove(&key);
            return Err(CodeRefusal::Expired);
        }
        if entry.attempts_left == 0 {
            return Err(CodeRefusal::TooManyAttempts);
        }
        let candidate = self.tag(application, email, code);
        // Constant time: the tags compared by aws-lc-rs.
        if aws_lc_rs::constant_time::verify_slices_are_equal(candidate.as_ref(), entry.tag.as_ref())
            .is_ok()
        {
            pending.remove(&key);
            return Ok(());
        }
        entry.attempts_left -= 1;
        Err(CodeRefusal::Wrong {
            attempts_left: entry.attempts_left,
        })
    }

    /// How many codes are waiting.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        lock(&self.pending).len()
    }
}

/// At most `per_hour` events per key in any hour (a sliding window of timestamps).
#[derive(Debug)]
pub(crate) struct SendLimit<K> {
    per_hour: u32,
    capacity: usize,
    sends: Mutex<HashMap<K, VecDeque<u64>>>,
}

impl<K: Hash + Eq> SendLimit<K> {
    pub(crate) fn new(per_hour: u32, capacity: usize) -> Self {
        Self {
            per_hour,
            capacity,
            sends: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one send for `key` at `now` if it is within the limit; `false` when it
    /// is not (or the table is full of senders active in the last hour).
    pub(crate) fn try_take(&self, key: K, now: u64) -> bool {
        let expired = |t: u64| t.saturating_add(HOUR_SECS) <= now;
        let mut sends = lock(&self.sends);
        if sends.len() >= self.capacity && !sends.contains_key(&key) {
            sends.retain(|_, stamps| stamps.back().is_some_and(|&t| !expired(t)));
            if sends.len() >= self.capacity {
                return false;
            }
        }
        let stamps = sends.entry(key).or_default();
        while stamps.front().is_some_and(|&t| expired(t)) {
            stamps.pop_front();
        }
        if stamps.len() >= self.per_hour as usize {
            return false;
        }
        stamps.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> CodeStore {
        CodeStore::new(600, 3, 4).unwrap()
    }

    #[test]
    fn a_code_works_once() {
        let s = store();
        let code = s.issue("money", "bob@example.com", 1000).unwrap();
        assert_eq!(code.as_str().len(), CODE_DIGITS);
        assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(format!("{code:?}"), "Code(..)");
        assert_eq!(
            s.verify("money", "bob@example.com", code.as_str(), 1001),
            Ok(())
        );
        assert_eq!(
            s.verify("money", "bob@example.com", code.as_str(), 1002),
            Err(CodeRefusal::NoCode)
        );
    }

    #[test]
    fn a_code_is_bound_to_its_application_and_address() {
        let s = store();
        let code = s.issue("money", "bob@example.com", 1000).unwrap();
        assert_eq!(
            s.verify("other", "bob@example.com", code.as_str(), 1001),
            Err(CodeRefusal::NoCode)
        );
        assert_eq!(
            s.verify("money", "eve@example.com", code.as_str(), 1001),
            Err(CodeRefusal::NoCode)
        );
        assert_eq!(
            s.verify("money", "bob@example.com", code.as_str(), 1001),
            Ok(())
        );
    }

    #[test]
    fn codes_expire() {
        let s = store();
        let code = s.issue("money", "bob@example.com", 1000).unwrap();
        assert_eq!(
            s.verify("money", "bob@example.com", code.as_str(), 1600),
            Err(CodeRefusal::Expired)
        );
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn wrong_tries_kill_the_code() {
        let s = store();
        let code = s.issue("money", "bob@example.com", 1000).unwrap();
        let wrong = if code.as_str() == "000000" {
            "000001"
        } else {
            "000000"
        };
        for left in [2, 1, 0] {
            assert_eq!(
                s.verify("money", "bob@example.com", wrong, 1001),
                Err(CodeRefusal::Wrong {
                    attempts_left: left
                })
            );
        }
        // Dead: even the right code is refused now.
        assert_eq!(
            s.verify("money", "bob@example.com", code.as_str(), 1001),
            Err(CodeRefusal::TooManyAttempts)
        );
    }

    #[test]
    fn a_new_code_replaces_the_old_one() {
        let s = store();
        let old = s.issue("money", "bob@example.com", 1000).unwrap();
        let new = s.issue("money", "bob@example.com", 1001).unwrap();
        if old != new {
            assert!(matches!(
                s.verify("money", "bob@example.com", old.as_str(), 1002),
                Err(CodeRefusal::Wrong { .. })
            ));
        }
        assert_eq!(
            s.verify("money", "bob@example.com", new.as_str(), 1002),
            Ok(())
        );
    }

    #[test]
    fn a_full_store_refuses_until_codes_expire() {
        let s = store();
        for i in 0..4 {
            s.issue("money", &format!("u{i}@example.com"), 1000)
                .unwrap();
        }
        assert_eq!(
            s.issue("money", "late@example.com", 1001),
            Err(IssueError::Full)
        );
        // Replacing a waiting code is still possible.
        s.issue("money", "u0@example.com", 1001).unwrap();
        // Once they expire there is room again.
        s.issue("money", "late@example.com", 1700).unwrap();
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn codes_are_spread_over_all_six_digits() {
        let s = CodeStore::new(600, 3, 1000).unwrap();
        let codes: std::collections::HashSet<String> = (0..200)
            .map(|i| s.issue("money", &format!("u{i}@example.com"), 1).unwrap().0)
            .collect();
        // 200 draws from 10^6: a collision or two at most, never a constant.
        assert!(codes.len() > 190);
    }

    #[test]
    fn send_limits_slide_over_an_hour() {
        let l = SendLimit::new(2, 2);
        assert!(l.try_take("a", 0));
        assert!(l.try_take("a", 10));
        assert!(!l.try_take("a", 20));
        assert!(l.try_take("b", 20));
        // The table is full of active senders: a newcomer is refused.
        assert!(!l.try_take("c", 30));
        // An hour after the first send, one more.
        assert!(l.try_take("a", 3601));
        assert!(!l.try_take("a", 3602));
        // After an hour of silence the old senders are dropped to make room.
        assert!(l.try_take("c", 3611 + 3600));
    }
}
