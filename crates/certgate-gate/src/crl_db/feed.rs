//! The task that reads one host's `revocation_db` and keeps its lists in force.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use certgate_db::{CertStore, DbUrl, RevocationCursor, RevocationEvent};
use certgate_x509::{CertView, KeyId, ReasonCode, SerialRef};
use tokio::sync::oneshot;

use super::RevocationDb;
use crate::gate::Gate;

/// How often the whole lists are read even without a sign of change (a revocation
/// committed out of order on PostgreSQL, a row changed by hand).
const FULL_READ_EVERY: Duration = Duration::from_secs(300);

/// How often a running gate looks for hosts whose `revocation_db` a reload changed.
const SUPERVISE_EVERY: Duration = Duration::from_secs(1);

/// Runs one feed per host with a `revocation_db` until aborted; a reload that changes a
/// host's settings restarts its feed. Each feed runs on a thread of its own with a
/// single-threaded runtime: database drivers' futures are not all `Send`, and a slow
/// database then never holds up the gate's workers. Dropping the supervisor (abort)
/// stops them all.
pub(crate) async fn supervise(gate: Gate) {
    let mut running: HashMap<String, (RevocationDb, oneshot::Sender<()>)> = HashMap::new();
    loop {
        let wanted: HashMap<String, RevocationDb> = gate
            .runtime()
            .hosts()
            .iter()
            .filter_map(|h| Some((h.name.clone(), h.revocation_db.clone()?)))
            .collect();
        // A dropped sender stops its feed.
        running.retain(|host, (db, _)| wanted.get(host) == Some(db));
        for (host, db) in wanted {
            if let std::collections::hash_map::Entry::Vacant(slot) = running.entry(host.clone()) {
                match start(gate.clone(), host.clone(), db.clone()) {
                    Ok(stop) => {
                        slot.insert((db, stop));
                    }
                    Err(e) => {
                        tracing::error!(host, error = %e, "no thread for the revocation database feed")
                    }
                }
            }
        }
        tokio::time::sleep(SUPERVISE_EVERY).await;
    }
}

/// Starts `host`'s feed on its own thread; the sender that stops it (when dropped).
fn start(gate: Gate, host: String, db: RevocationDb) -> std::io::Result<oneshot::Sender<()>> {
    let (stop, stopped) = oneshot::channel::<()>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("certgate-revocation-db".to_owned())
        .spawn(move || {
            runtime.block_on(async move {
                tokio::select! {
                    () = feed(gate, host, db) => {}
                    _ = stopped => {}
                }
            });
        })?;
    Ok(stop)
}

/// One CA's revoked serials, as the database has them.
struct Issuer {
    der: Vec<u8>,
    key_id: Vec<u8>,
    revoked: BTreeMap<Vec<u8>, ReasonCode>,
    /// Whether `revoked` changed since it was last given to the store: only then is the
    /// list built and handed over again; otherwise a read only keeps it fresh.
    changed: bool,
}

async fn feed(gate: Gate, host: String, db: RevocationDb) {
    let Ok(url) = DbUrl::parse(&db.url) else {
        return; // checked when the configuration was read
    };
    // certgate-db's own form for messages: the password masked.
    let label = url.to_string();
    let mut issuers: Vec<Issuer> = db
        .issuers
        .iter()
        .filter_map(|der| {
            let view = CertView::parse(der.as_ref()).ok()?;
            let key_id = view.subject_key_id().ok()??.to_vec();
            Some(Issuer {
                der: der.as_ref().to_vec(),
                key_id,
                revoked: BTreeMap::new(),
                changed: true,
            })
        })
        .collect();
    loop {
        match CertStore::open(&url).await {
            Ok(store) => {
                let e = follow(&gate, &host, &db, &label, &store, &mut issuers).await;
                tracing::warn!(host, db = %label, error = %e, "revocation database lost: the lists in force stay until revocation_db_max_age");
                store.close().await;
            }
            Err(e) => {
                tracing::warn!(host, db = %label, error = %e, "revocation database unreachable");
            }
        }
        gate.metrics().revocation_db_read(
            &label,
            false,
            certgate_x509::Timestamp::now().unix_seconds_u64(),
        );
        tokio::time::sleep(db.poll).await;
    }
}

/// Reads the lists, then follows the database until it fails; the error.
async fn follow(
    gate: &Gate,
    host: &str,
    db: &RevocationDb,
    label: &str,
    store: &CertStore,
    issuers: &mut [Issuer],
) -> certgate_db::DbError {
    let mut listener = if store.is_postgres() {
        match store.listen().await {
            Ok(l) => Some(l),
            Err(e) => return e,
        }
    } else {
        None
    };
    let mut cursor = RevocationCursor::START;
    let mut last_full: Option<Instant> = None;
    loop {
        let read = if last_full.is_none_or(|t| t.elapsed() >= FULL_READ_EVERY) {
            let r = full_read(store, issuers, &mut cursor).await;
            if r.is_ok() {
                last_full = Some(Instant::now());
            }
            r
        } else {
            apply_since(store, issuers, &mut cursor).await
        };
        if let Err(e) = read {
            return e;
        }
        install(gate, host, db, label, issuers);
        gate.metrics().revocation_db_read(
            label,
            true,
            certgate_x509::Timestamp::now().unix_seconds_u64(),
        );
        let Some(l) = listener.as_mut() else {
            tokio::time::sleep(db.poll).await;
            continue;
        };
        tokio::select! {
            event = l.recv() => match event {
                Ok(event) => apply(issuers, &event),
                Err(e) => return e,
            },
            () = tokio::time::sleep(db.poll) => {}
        }
    }
}

/// Every issuer's list read whole; the cursor moved past every revocation so far.
async fn full_read(
    store: &CertStore,
    issuers: &mut [Issuer],
    cursor: &mut RevocationCursor,
) -> Result<(), certgate_db::DbError> {
    // The cursor first: a revocation between the two reads is then seen twice, never
    // missed.
    *cursor = store.latest_revocation().await?;
    for issuer in issuers.iter_mut() {
        let rows = store.revoked_for_issuer(KeyId(&issuer.key_id)).await?;
        let revoked: BTreeMap<Vec<u8>, ReasonCode> = rows
            .into_iter()
            .map(|r| (r.serial.as_ref().as_bytes().to_vec(), r.reason))
            .collect();
        if revoked != issuer.revoked {
            issuer.revoked = revoked;
            issuer.changed = true;
        }
    }
    Ok(())
}

/// The revocations since the cursor, added to the lists.
async fn apply_since(
    store: &CertStore,
    issuers: &mut [Issuer],
    cursor: &mut RevocationCursor,
) -> Result<(), certgate_db::DbError> {
    loop {
        let (events, next) = store.revocations_since(*cursor).await?;
        *cursor = next;
        if events.is_empty() {
            return Ok(());
        }
        for event in &events {
            apply(issuers, event);
        }
    }
}

fn apply(issuers: &mut [Issuer], event: &RevocationEvent) {
    if let Some(issuer) = issuers.iter_mut().find(|i| i.key_id == event.issuer) {
        let before = issuer
            .revoked
            .insert(event.serial.as_ref().as_bytes().to_vec(), event.reason);
        issuer.changed |= before != Some(event.reason);
    }
}

/// The lists into the host's store as it is now (a reload may have replaced it): a
/// changed list (or one the store does not have) is given whole, the others only made
/// fresh again.
fn install(gate: &Gate, host: &str, db: &RevocationDb, label: &str, issuers: &mut [Issuer]) {
    let runtime = gate.runtime();
    let Some(store) = runtime
        .hosts()
        .iter()
        .find(|h| h.name == host)
        .and_then(|h| h.store.as_ref())
    else {
        return;
    };
    let now = certgate_x509::Timestamp::now();
    for issuer in issuers {
        let name = format!("db:{label}:{}", certgate_x509::hex::lower(&issuer.key_id));
        if !issuer.changed && store.refresh_serial_source(&name, db.max_age, now) {
            continue;
        }
        let entries: Vec<(SerialRef<'_>, Option<ReasonCode>)> = issuer
            .revoked
            .iter()
            .filter_map(|(serial, reason)| {
                Some((SerialRef::from_der_content(serial).ok()?, Some(*reason)))
            })
            .collect();
        match store.set_serial_source(&name, &issuer.der, &entries, db.max_age, now) {
            Ok(()) => issuer.changed = false,
            Err(e) => tracing::warn!(host, db = %label, error = %e, "revocation list not accepted"),
        }
    }
}
