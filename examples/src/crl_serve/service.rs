//! `certgate crl serve` as a whole: the schedule that keeps each issuer's CRL fresh,
//! the database watched for revocations, the server, and the signals.
//!
//! At start every issuer's CRL is made from the database, published and written to the
//! output directory (`NAME.crl`, DER, and `NAME.crl.pem`, mode 0644, each atomically).
//! Then an issuer's CRL is made again when less than `refresh_before` is left before
//! its nextUpdate, and at once when the database has a new revocation for it (polled
//! every `poll_interval` with [`CertStore::revocations_since`]; pushed with LISTEN on
//! PostgreSQL as well). A regeneration that fails (the database down, the key
//! unreadable) leaves the last good CRL served, logs one line, counts in
//! `certgate_crl_regeneration_failures_total` and is tried again after a backoff that
//! doubles up to [`MAX_BACKOFF`]. SIGTERM and SIGINT stop the server gracefully;
//! SIGHUP reloads the configuration (a configuration that does not load is logged and
//! the running one kept).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use certgate_ca::{FileMode, write_atomic};
use certgate_db::{CertStore, DbUrl, RevocationCursor};
use certgate_x509::Timestamp;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::config::{IssuerConfig, ServeConfig};
use super::generate::{CrlIssuer, StoreCrl, crl_from_store, load_signer};
use super::{CrlPublication, CrlPublisher, CrlServeError};

/// The longest wait before a failed regeneration is tried again: a database back after
/// an outage is used within a minute, and a dead one is not hammered.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The first wait after a failed regeneration.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// The wait before a lost PostgreSQL LISTEN connection is opened again (polling goes on
/// meanwhile, so nothing is missed).
const LISTEN_RETRY: Duration = Duration::from_secs(5);

/// Revocation notices buffered between the LISTEN task and the schedule.
const NOTICE_BUFFER: usize = 1024;

/// One issuer: its configuration and where its schedule stands.
#[derive(Debug)]
struct Issuer {
    config: IssuerConfig,
    /// The signer, loaded (and its key decrypted) once, at start or reload.
    signer: CrlIssuer,
    /// The CA's key id: revocations carry it.
    key_id: Vec<u8>,
    /// When it is to be made next.
    due: Instant,
    /// A revocation not in the CRL served yet.
    dirty: bool,
    /// Failures since the last success.
    failures_in_row: u32,
}

/// Checks every issuer's signer now, so that a bad key stops the start (or a reload).
fn load_issuers(config: &ServeConfig) -> Result<Vec<Issuer>, CrlServeError> {
    let now = Instant::now();
    config
        .issuers
        .iter()
        .map(|c| {
            let ca = load_signer(c)?;
            Ok(Issuer {
                config: c.clone(),
                key_id: ca.ca().certificate().key_id().to_vec(),
                signer: ca,
                due: now,
                dirty: false,
                failures_in_row: 0,
            })
        })
        .collect()
}

/// The HTTP server, on a task of its own.
#[derive(Debug)]
struct Server {
    publisher: CrlPublisher,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(config: &ServeConfig) -> Result<Self, CrlServeError> {
        let publisher =
            CrlPublisher::builder(config.issuers.iter().map(|i| i.path.clone())).build()?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| CrlServeError::Listen {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().unwrap_or(config.listen);
        tracing::info!("certgate crl serve: listening on {addr}");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(publisher.clone().serve(listener, async {
            let _ = stopped.await;
        }));
        Ok(Self {
            publisher,
            stop: Some(stop),
            task,
        })
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}

/// The database: opened when first reachable, watched for revocations.
#[derive(Debug)]
struct Inventory {
    url: DbUrl,
    store: Option<CertStore>,
    cursor: RevocationCursor,
    notices: Option<mpsc::Receiver<Vec<u8>>>,
    listen_task: Option<JoinHandle<()>>,
    poll_failing: bool,
}

impl Inventory {
    fn new(url: DbUrl) -> Self {
        Self {
            url,
            store: None,
            cursor: RevocationCursor::START,
            notices: None,
            listen_task: None,
            poll_failing: false,
        }
    }

    /// The store, opened now if it is not yet; the revocations so far are skipped (the
    /// CRLs made next hold them).
    async fn store(&mut self) -> Result<CertStore, CrlServeError> {
        if let Some(store) = &self.store {
            return Ok(store.clone());
        }
        let db = |e: certgate_db::DbError| CrlServeError::Database {
            source: Box::new(e),
        };
        let store = CertStore::open(&self.url).await.map_err(db)?;
        self.cursor = store.latest_revocation().await.map_err(db)?;
        if store.is_postgres() {
            let (tx, rx) = mpsc::channel(NOTICE_BUFFER);
            self.listen_task = Some(tokio::spawn(listen(store.clone(), tx)));
            self.notices = Some(rx);
        }
        self.store = Some(store.clone());
        Ok(store)
    }

    /// Marks the issuers with revocations since the last poll.
    async fn poll(&mut self, issuers: &mut [Issuer]) {
        let Some(store) = &self.store else { return };
        loop {
            match store.revocations_since(self.cursor).await {
                Ok((events, next)) => {
                    if self.poll_failing {
                        tracing::info!("revocations: the database answers again");
                        self.poll_failing = false;
                    }
                    self.cursor = next;
                    if events.is_empty() {
                        return;
                    }
                    for event in events {
                        mark(issuers, &event.issuer);
                    }
                }
                Err(e) => {
                    if !self.poll_failing {
                        tracing::warn!("revocations: cannot poll the database: {e}");
                        self.poll_failing = true;
                    }
                    return;
                }
            }
        }
    }

    async fn close(mut self) {
        if let Some(task) = self.listen_task.take() {
            task.abort();
        }
        if let Some(store) = self.store.take() {
            store.close().await;
        }
    }
}

/// Marks the issuer whose key id is `issuer` as having a new revocation.
fn mark(issuers: &mut [Issuer], issuer: &[u8]) {
    for i in issuers.iter_mut().filter(|i| i.key_id == issuer) {
        i.dirty = true;
    }
}

/// Forwards PostgreSQL's revocation notices (issuer key ids) until the receiver is gone.
async fn listen(store: CertStore, tx: mpsc::Sender<Vec<u8>>) {
    loop {
        if let Ok(mut listener) = store.listen().await {
            while let Ok(event) = listener.recv().await {
                if tx.send(event.issuer).await.is_err() {
                    return;
                }
            }
        }
        if tx.is_closed() {
            return;
        }
        tokio::time::sleep(LISTEN_RETRY).await;
    }
}

/// What ends a wait in the schedule.
enum Wake {
    Tick,
    Notice(Vec<u8>),
    Stop,
    Reload,
}

/// Runs `certgate crl serve` with the configuration file `config_file` until SIGTERM or
/// SIGINT.
///
/// # Errors
/// The configuration's errors (see [`ServeConfig::from_file`]) and
/// [`load_signer`]'s, at start; [`CrlServeError::Listen`] when the address cannot be
/// bound; [`CrlServeError::Write`] when the output directory cannot be made. Once
/// running, failures are logged and retried, not returned.
pub async fn run(config_file: &Path) -> Result<(), CrlServeError> {
    let mut config = ServeConfig::from_file(config_file)?;
    let mut issuers = load_issuers(&config)?;
    make_dir(&config.output_dir)?;
    let signal_err = |source| CrlServeError::Listen {
        addr: config.listen,
        source,
    };
    let mut term = signal(SignalKind::terminate()).map_err(signal_err)?;
    let mut int = signal(SignalKind::interrupt()).map_err(signal_err)?;
    let mut hup = signal(SignalKind::hangup()).map_err(signal_err)?;
    let mut server = Server::start(&config).await?;
    let mut inventory = Inventory::new(config.db.clone());
    loop {
        // A database that hangs must not hold a shutdown.
        let work = async {
            inventory.poll(&mut issuers).await;
            regenerate_due(&mut issuers, &mut inventory, &server.publisher, &config).await;
        };
        tokio::select! {
            () = work => {}
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
        let next_due = issuers.iter().map(|i| i.due).min();
        let tick = Instant::now() + config.poll_interval;
        let wake_at = next_due.map_or(tick, |d| d.min(tick));
        let wake = tokio::select! {
            () = tokio::time::sleep_until(wake_at) => Wake::Tick,
            Some(issuer) = recv(&mut inventory.notices) => Wake::Notice(issuer),
            _ = term.recv() => Wake::Stop,
            _ = int.recv() => Wake::Stop,
            _ = hup.recv() => Wake::Reload,
        };
        match wake {
            Wake::Tick => {}
            Wake::Notice(issuer) => mark(&mut issuers, &issuer),
            Wake::Stop => break,
            Wake::Reload => {
                let loaded = ServeConfig::from_file(config_file)
                    .and_then(|c| load_issuers(&c).map(|i| (c, i)))
                    .and_then(|(c, i)| make_dir(&c.output_dir).map(|()| (c, i)));
                let (new, new_issuers) = match loaded {
                    Ok(loaded) => loaded,
                    Err(e) => {
                        tracing::warn!("reload failed, the running configuration stays: {e}");
                        continue;
                    }
                };
                let paths =
                    |c: &ServeConfig| c.issuers.iter().map(|i| i.path.clone()).collect::<Vec<_>>();
                if new.listen != config.listen || paths(&new) != paths(&config) {
                    server.stop().await;
                    server = Server::start(&new).await?;
                }
                if new.db != config.db {
                    inventory.close().await;
                    inventory = Inventory::new(new.db.clone());
                }
                config = new;
                issuers = new_issuers;
                tracing::info!("configuration reloaded: {} issuer(s)", issuers.len());
            }
        }
    }
    tracing::info!("stopping");
    server.stop().await;
    inventory.close().await;
    Ok(())
}

async fn recv(notices: &mut Option<mpsc::Receiver<Vec<u8>>>) -> Option<Vec<u8>> {
    match notices {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn make_dir(dir: &Path) -> Result<(), CrlServeError> {
    std::fs::create_dir_all(dir).map_err(|source| CrlServeError::Write {
        path: dir.to_owned(),
        source,
    })
}

/// Makes every issuer's CRL that is due (its time came, or a revocation and no failure
/// waiting out its backoff).
async fn regenerate_due(
    issuers: &mut [Issuer],
    inventory: &mut Inventory,
    publisher: &CrlPublisher,
    config: &ServeConfig,
) {
    for issuer in issuers.iter_mut() {
        let now = Instant::now();
        let due = now >= issuer.due || (issuer.dirty && issuer.failures_in_row == 0);
        if !due {
            continue;
        }
        issuer.dirty = false;
        let made = match inventory.store().await {
            Ok(store) => {
                regenerate(
                    &issuer.config,
                    &issuer.signer,
                    &store,
                    publisher,
                    &config.output_dir,
                )
                .await
            }
            Err(e) => Err(e),
        };
        let name = &issuer.config.name;
        match made {
            Ok(made) => {
                issuer.failures_in_row = 0;
                let fresh = issuer
                    .config
                    .validity
                    .saturating_sub(issuer.config.refresh_before);
                issuer.due = Instant::now() + fresh;
                tracing::info!(
                    "issuer {name}: CRL {} published at {} ({} entries{})",
                    made.number,
                    issuer.config.path,
                    made.entries,
                    if made.unlisted > 0 {
                        ", negative serials left out"
                    } else {
                        ""
                    }
                );
            }
            Err(e) => {
                // The revocation that made it due is not in the CRL served yet.
                issuer.dirty = true;
                let backoff = backoff(issuer.failures_in_row);
                issuer.failures_in_row = issuer.failures_in_row.saturating_add(1);
                issuer.due = Instant::now() + backoff;
                publisher.count_failure(&issuer.config.path);
                tracing::warn!(
                    "issuer {name}: regeneration failed, the last good CRL stays served \
                     (retry in {}s): {e}",
                    backoff.as_secs()
                );
            }
        }
    }
}

/// The wait after the `n`th failure in a row (0 first): 1s, 2s, 4s ... [`MAX_BACKOFF`].
fn backoff(n: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1u32.checked_shl(n.min(16)).unwrap_or(u32::MAX))
        .min(MAX_BACKOFF)
}

/// Makes, publishes and writes one issuer's CRL with its loaded signer (a key changed
/// on disk is read at the next reload).
async fn regenerate(
    issuer: &IssuerConfig,
    ca: &CrlIssuer,
    store: &CertStore,
    publisher: &CrlPublisher,
    dir: &Path,
) -> Result<StoreCrl, CrlServeError> {
    let now = Timestamp::now();
    let seconds = i64::try_from(issuer.validity.as_secs()).unwrap_or(i64::MAX);
    let next = Timestamp::from_unix_seconds(now.unix_seconds().saturating_add(seconds));
    let made = crl_from_store(store, ca, now, next).await?;
    publisher.publish(
        &issuer.path,
        CrlPublication::from_der(made.crl.der().to_vec())?,
    )?;
    let files = BTreeMap::from([
        (format!("{}.crl", issuer.name), made.crl.der().to_vec()),
        (
            format!("{}.crl.pem", issuer.name),
            made.crl.to_pem().into_bytes(),
        ),
    ]);
    for (name, bytes) in files {
        let path = dir.join(name);
        write_atomic(&path, &bytes, FileMode::Public).map_err(|e| CrlServeError::Write {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_limit() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(6), MAX_BACKOFF);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }
}
