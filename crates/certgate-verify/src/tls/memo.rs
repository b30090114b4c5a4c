//! The verdict a handshake reached, kept until the application asks for it, so that a
//! server verifies each full handshake once: rustls calls the verifier during the
//! handshake, and the application reads the result after it, without verifying again.

use std::collections::VecDeque;
use std::sync::Mutex;

use rustls_pki_types::CertificateDer;
use sha2::{Digest, Sha256};

use crate::info::Verdict;
use crate::path::policy::PolicySets;

/// How many verdicts wait for their connection at most. A verdict is taken when the
/// application reads it; one whose connection died before that is dropped when the
/// memo is full. 4,096 covers that many handshakes finishing before their first read.
pub const MAX_PENDING_VERDICTS: usize = 4096;

/// The key of a presented chain: SHA-256 over each certificate's length and octets.
pub(crate) type ChainKey = [u8; 32];

/// Verdicts of finished handshakes, oldest first.
#[derive(Debug, Default)]
pub(crate) struct VerdictMemo {
    pending: Mutex<VecDeque<(ChainKey, u64, Verdict, PolicySets)>>,
}

pub(crate) fn chain_key(leaf: &[u8], intermediates: &[CertificateDer<'_>]) -> ChainKey {
    let mut hash = Sha256::new();
    for cert in std::iter::once(leaf).chain(intermediates.iter().map(|c| c.as_ref())) {
        hash.update((cert.len() as u64).to_be_bytes());
        hash.update(cert);
    }
    hash.finalize().into()
}

impl VerdictMemo {
    /// Keeps the verdict reached for `key` under revocation `generation`, with the
    /// verified path's policy sets.
    pub(crate) fn put(
        &self,
        key: ChainKey,
        generation: u64,
        verdict: Verdict,
        policies: PolicySets,
    ) {
        // A poisoned lock only means another thread panicked mid-push: the queue is whole.
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.len() >= MAX_PENDING_VERDICTS {
            pending.pop_front();
        }
        pending.push_back((key, generation, verdict, policies));
    }

    /// Takes the most recent verdict for `key` reached under `generation`.
    pub(crate) fn take(&self, key: &ChainKey, generation: u64) -> Option<(Verdict, PolicySets)> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let at = pending.iter().rposition(|(k, _, _, _)| k == key)?;
        let (_, made_under, verdict, policies) = pending.remove(at)?;
        (made_under == generation).then_some((verdict, policies))
    }
}
