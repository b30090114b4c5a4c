//! Reloading a [`RevocationStore`] when its CRL files change: a thread that polls the
//! files' modification time and size, and swaps the new CRLs in (atomically, as
//! [`RevocationStore::reload`] does). A bad new file leaves the old CRLs in force.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::revocation::files::stamps;
use crate::{RevocationStore, VerifyError};

/// Watches a store's CRL files; stops when dropped.
#[derive(Debug)]
pub struct CrlWatcher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    reloads: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl RevocationStore {
    /// Starts a thread that checks the store's files every `interval` and reloads them
    /// when one changed (new handshakes then see the new CRLs; no restart). A reload that
    /// fails keeps the old CRLs and is reported by [`CrlWatcher::last_error`].
    ///
    /// # Errors
    /// [`VerifyError::Io`] when the store has no files to watch or the thread cannot start.
    pub fn watch(&self, interval: Duration) -> Result<CrlWatcher, VerifyError> {
        let files = self.files().to_vec();
        if files.is_empty() {
            return Err(VerifyError::Io {
                path: PathBuf::new(),
                source: std::io::Error::other("the store was built without CRL files to watch"),
            });
        }
        let shared = Arc::new(Shared::default());
        let store = self.clone();
        let state = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("certgate-crl-watch".into())
            .spawn(move || {
                while !state.stop.load(Ordering::SeqCst) {
                    std::thread::park_timeout(interval);
                    if state.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if stamps(&files) == store.loaded_stamps() {
                        continue;
                    }
                    let result = store.reload();
                    let mut last = match state.last_error.lock() {
                        Ok(guard) => guard,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                    match result {
                        Ok(()) => {
                            *last = None;
                            state.reloads.fetch_add(1, Ordering::SeqCst);
                        }
                        // The stamps stay, so a half-written file is read again next time.
                        Err(e) => *last = Some(e.to_string()),
                    }
                }
            })
            .map_err(|source| VerifyError::Io {
                path: PathBuf::from("certgate-crl-watch"),
                source,
            })?;
        Ok(CrlWatcher {
            shared,
            thread: Some(thread),
        })
    }
}

impl CrlWatcher {
    /// How many reloads succeeded.
    pub fn reloads(&self) -> u64 {
        self.shared.reloads.load(Ordering::SeqCst)
    }

    /// Why the last reload failed, if it did (cleared by the next success).
    pub fn last_error(&self) -> Option<String> {
        match self.shared.last_error.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl Drop for CrlWatcher {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}
