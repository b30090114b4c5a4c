//! Revocations from a live feed instead of a signed CRL: the revoked serials of one
//! issuer as an inventory database holds them (certgate-db), handed to the store by the
//! code that reads the database. The list stands in for that issuer's CRL: complete,
//! authoritative while fresh, and refused as stale (so failing closed by default) when
//! the feed stops refreshing it.

use std::sync::Arc;
use std::time::Duration;

use certgate_x509::{ReasonCode, SerialRef, Timestamp};
use sha2::{Digest, Sha256};

use crate::VerifyError;
use crate::revocation::crl::ParsedCrl;
use crate::revocation::crl_input::crl_issuer;
use crate::revocation::crl_sources::CrlBatch;
use crate::revocation::scope::CrlScope;
use crate::revocation::serials::SerialTable;
use crate::revocation::store::RevocationStore;

/// The most serials one list may hold: ten million, ten times the million-device
/// deployments certgate is measured with (about 220 MB as a serial table).
pub const MAX_LIVE_SERIALS: usize = 10_000_000;

impl RevocationStore {
    /// Installs `serials` (with their reason codes) as the complete list of revoked
    /// certificates of the CA `issuer_der` (a DER certificate), under the source name
    /// `name`, fresh for `valid_for` from `now`.
    ///
    /// No signature vouches for the list: it is as trustworthy as the channel it came
    /// over (an authenticated database connection of the deployment itself). While fresh
    /// it stands for the issuer's CRL and takes precedence over CRLs of that issuer from
    /// files or fetched sources; after `valid_for` without a refresh, certificates of that
    /// issuer have a stale status, which the default policy refuses.
    ///
    /// Calling again with the same issuer and serials only extends the freshness: the
    /// generation stays (open connections are not re-verified for nothing). A changed
    /// list bumps it, so connections re-check their certificate on their next request.
    ///
    /// # Errors
    /// [`VerifyError::MalformedCertificate`] for an `issuer_der` that is no certificate,
    /// [`VerifyError::TooManySerials`] beyond [`MAX_LIVE_SERIALS`].
    pub fn set_serial_source(
        &self,
        name: &str,
        issuer_der: &[u8],
        serials: &[(SerialRef<'_>, Option<ReasonCode>)],
        valid_for: Duration,
        now: Timestamp,
    ) -> Result<(), VerifyError> {
        if serials.len() > MAX_LIVE_SERIALS {
            return Err(VerifyError::TooManySerials {
                origin: name.to_owned(),
                count: serials.len(),
                limit: MAX_LIVE_SERIALS,
            });
        }
        let issuer = crl_issuer(issuer_der)?;
        let digest = list_digest(&issuer.subject, &issuer.public_key, serials);
        let (this_update, next_update) = window(valid_for, now);
        if self.lock_batches().sources.get(name).map(|b| b.digest) == Some(Some(digest)) {
            // The same list: only fresher.
            self.refresh_serial_source(name, valid_for, now);
            return Ok(());
        }
        let mut table = SerialTable::with_capacity(serials.len());
        for (serial, reason) in serials {
            table.insert(*serial, reason.map(ReasonCode::code));
        }
        let crl = ParsedCrl {
            issuer: issuer.subject.clone(),
            number: Vec::new(),
            delta_of: None,
            this_update,
            next_update: Some(next_update),
            scope: CrlScope::default(),
            revoked: Arc::new(table.seal()),
            others: Arc::default(),
            issuer_key: issuer.public_key.clone(),
            signer: Arc::new(issuer),
            live: true,
        };
        let batch = CrlBatch::live(Arc::new(crl), digest);
        let mut batches = self.lock_batches();
        batches.sources.insert(name.to_owned(), batch);
        let set = Arc::new(batches.merge());
        self.install(set);
        Ok(())
    }
}

impl RevocationStore {
    /// Extends the freshness of the live list `name` to `valid_for` from `now`, without
    /// giving it again (a feed that saw no change since it last set the list); the
    /// generation stays. Whether there is such a list: after a reload built a new store,
    /// there is none until [`set_serial_source`](Self::set_serial_source) gives it.
    pub fn refresh_serial_source(&self, name: &str, valid_for: Duration, now: Timestamp) -> bool {
        let (this_update, next_update) = window(valid_for, now);
        let mut batches = self.lock_batches();
        let Some([crl]) = batches
            .sources
            .get_mut(name)
            .map(|b| b.verified.as_mut_slice())
        else {
            return false;
        };
        if !crl.live {
            return false;
        }
        // A fresher copy of the list (its serial table is shared, not copied).
        let mut fresher = ParsedCrl::clone(crl);
        fresher.this_update = this_update;
        fresher.next_update = Some(next_update);
        *crl = Arc::new(fresher);
        let set = Arc::new(batches.merge());
        self.install_quietly(set);
        true
    }
}

/// thisUpdate (`now`) and nextUpdate (`valid_for` later) of a live list.
fn window(valid_for: Duration, now: Timestamp) -> (Timestamp, Timestamp) {
    let this_update = now;
    let next_update = Timestamp::from_unix_seconds(
        this_update
            .unix_seconds()
            .saturating_add(i64::try_from(valid_for.as_secs()).unwrap_or(i64::MAX)),
    );
    (this_update, next_update)
}

/// What identifies a list: the issuer and its serials with their reasons, in order.
fn list_digest(
    subject: &[u8],
    key: &[u8],
    serials: &[(SerialRef<'_>, Option<ReasonCode>)],
) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [subject, key] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    for (serial, reason) in serials {
        let bytes = serial.as_bytes();
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
        h.update([reason.map_or(0xff, ReasonCode::code)]);
    }
    h.finalize().into()
}
