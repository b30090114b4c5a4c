//! [`Gate`]: a configuration file turned into a running gate, reloadable.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use tokio::net::TcpListener;

use crate::config::GateConfig;
use crate::crl_fetch::FetchedCrls;
use crate::error::GateError;
use crate::host::Runtime;
use crate::login::LoginMethods;
use crate::metrics::Metrics;
use crate::session::SessionKeys;

/// A gate: the configuration in force (swapped whole on reload), its metrics, and the
/// file it came from.
#[derive(Clone, Debug)]
pub struct Gate {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    config_path: PathBuf,
    runtime: RwLock<Arc<Runtime>>,
    metrics: Metrics,
    /// Per host, the CRL files' stamps when a reload of them last failed: not tried again
    /// (nor logged again) until they change.
    crl_failed: Mutex<HashMap<String, Vec<Stamp>>>,
    /// The configuration files' stamps when they were loaded: the watcher starts from
    /// them, so a file changed before serving began is reloaded.
    loaded_stamps: Vec<(PathBuf, Stamp)>,
    /// The last good answer of each CRL URL, kept across reloads.
    fetched: FetchedCrls,
    /// The session signing keys (from `server.session_keys` at load; kept across
    /// reloads).
    session_keys: Arc<SessionKeys>,
    /// The login methods (from `[login]` at load; kept across reloads) and the logins
    /// under way.
    login: Arc<LoginMethods>,
}

/// Listening sockets bound for a [`Gate`], before serving.
#[derive(Debug)]
pub struct Bound {
    listeners: Vec<TcpListener>,
    metrics: Option<TcpListener>,
}

impl Bound {
    /// The addresses the gate serves on (with the ports the system chose for `:0`).
    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// The metrics address, when one is configured.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }
}

impl Gate {
    /// Reads, checks and builds the configuration at `path`.
    ///
    /// # Errors
    /// Any [`GateError`] of reading the configuration and the files it names.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, GateError> {
        let config_path = path.as_ref().to_owned();
        // Stamped before it is read: a change while it is read is seen as a change.
        let config_stamp = stamp(&config_path);
        let runtime = Runtime::build(GateConfig::from_file(&config_path)?)?;
        let session_keys = Arc::new(runtime.config.session_keys()?.build()?);
        let login = Arc::new(LoginMethods::from_config(&runtime.config)?);
        let mut loaded_stamps = stamps_of(&config_path, &runtime);
        if let Some(first) = loaded_stamps.first_mut() {
            first.1 = config_stamp;
        }
        Ok(Self {
            shared: Arc::new(Shared {
                config_path,
                runtime: RwLock::new(Arc::new(runtime)),
                metrics: Metrics::default(),
                crl_failed: Mutex::new(HashMap::new()),
                loaded_stamps,
                fetched: FetchedCrls::default(),
                session_keys,
                login,
            }),
        })
    }

    /// The configuration in force.
    pub fn runtime(&self) -> Arc<Runtime> {
        Arc::clone(
            &self
                .shared
                .runtime
                .read()
                .unwrap_or_else(|e| e.into_inner()),
        )
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    /// The keys that sign and verify sessions; a login makes sessions with a
    /// [`crate::SessionIssuer`] over them.
    pub fn session_keys(&self) -> &Arc<SessionKeys> {
        &self.shared.session_keys
    }

    /// The login methods and the logins under way.
    pub(crate) fn login(&self) -> &Arc<LoginMethods> {
        &self.shared.login
    }

    /// The last good answer of each CRL URL.
    pub(crate) fn fetched_crls(&self) -> &FetchedCrls {
        &self.shared.fetched
    }

    /// Reads the configuration file again and swaps it in whole: connections opened
    /// from now on use it, and requests on open connections are decided with it (their
    /// certificates verified again under the new trust). On error the old configuration
    /// stays, the error is logged and counted.
    ///
    /// # Errors
    /// The [`GateError`] that kept the old configuration.
    pub fn reload(&self) -> Result<(), GateError> {
        let built = GateConfig::from_file(&self.shared.config_path).and_then(Runtime::build);
        match built {
            Ok(runtime) => {
                // The CRLs fetched so far, checked again under the new trust, before
                // the new configuration serves.
                self.shared.fetched.seed(&runtime);
                *self
                    .shared
                    .runtime
                    .write()
                    .unwrap_or_else(|e| e.into_inner()) = Arc::new(runtime);
                self.metrics().reload(true);
                tracing::info!(config = %self.shared.config_path.display(), "configuration reloaded");
                Ok(())
            }
            Err(e) => {
                self.metrics().reload(false);
                tracing::error!(config = %self.shared.config_path.display(), error = %e, "reload failed: the old configuration stays");
                Err(e)
            }
        }
    }

    /// Reloads the CRLs of every host whose CRL files changed since its store read them.
    pub(crate) fn reload_crls(&self) {
        for host in self.runtime().hosts() {
            let Some(store) = &host.store else { continue };
            if !store.files_changed() {
                continue;
            }
            let stamps: Vec<Stamp> = store.files().iter().map(|f| stamp(f)).collect();
            let mut failed = self
                .shared
                .crl_failed
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if failed.get(&host.name) == Some(&stamps) {
                continue;
            }
            match store.reload() {
                Ok(()) => {
                    failed.remove(&host.name);
                    self.metrics().reload(true);
                    tracing::info!(host = %host.name, revoked = store.revoked_count(), "CRLs reloaded");
                }
                Err(e) => {
                    failed.insert(host.name.clone(), stamps);
                    self.metrics().reload(false);
                    tracing::error!(host = %host.name, error = %e, "CRL reload failed: the old CRLs stay");
                }
            }
        }
    }

    /// The stamps of every file whose change rebuilds the configuration.
    pub(crate) fn config_stamps(&self) -> Vec<(PathBuf, Stamp)> {
        stamps_of(&self.shared.config_path, &self.runtime())
    }

    /// [`Gate::config_stamps`] as they were when the gate was loaded.
    pub(crate) fn loaded_stamps(&self) -> Vec<(PathBuf, Stamp)> {
        self.shared.loaded_stamps.clone()
    }

    /// Opens the configured listening sockets (and the metrics socket).
    ///
    /// # Errors
    /// [`GateError::Listen`] naming the address that could not be bound.
    pub async fn bind(&self) -> Result<Bound, GateError> {
        let runtime = self.runtime();
        let mut listeners = Vec::new();
        for address in runtime.config.listen_addresses()? {
            listeners.push(listen(address).await?);
        }
        let metrics = match runtime.config.metrics_address() {
            Some(address) => Some(listen(address).await?),
            None => None,
        };
        Ok(Bound { listeners, metrics })
    }

    /// Serves on `bound` until `shutdown` resolves: the gate, its metrics endpoint, the
    /// watcher that reloads changed files (and everything on SIGHUP), and the tasks
    /// that fetch the hosts' `crl_urls` (the first fetch of each at once; until it
    /// succeeds, the issuers it speaks for have no CRL and their certificates are
    /// refused). Then it stops accepting, lets in-flight requests finish and returns.
    pub async fn serve(self, bound: Bound, shutdown: impl Future<Output = ()>) {
        let interval = self
            .runtime()
            .config
            .reload_interval()
            .unwrap_or(std::time::Duration::from_secs(1));
        let watcher = tokio::spawn(crate::reload::watch(self.clone(), interval));
        let fetcher = tokio::spawn(crate::crl_fetch::supervise(self.clone()));
        let feeder = tokio::spawn(crate::crl_db::supervise(self.clone()));
        let rotator = tokio::spawn(crate::session::rotate_on_schedule(Arc::clone(
            self.session_keys(),
        )));
        let metrics = bound
            .metrics
            .map(|l| tokio::spawn(crate::reload::metrics_server(self.clone(), l)));
        crate::server::serve(self, bound.listeners, shutdown).await;
        watcher.abort();
        fetcher.abort();
        feeder.abort();
        rotator.abort();
        if let Some(m) = metrics {
            m.abort();
        }
    }

    /// The metrics text now.
    pub fn render_metrics(&self) -> String {
        let now = certgate_x509::Timestamp::now().unix_seconds_u64();
        let mut out = self.metrics().render(&self.runtime(), now);
        self.shared.login.render_metrics(&mut out);
        out
    }
}

async fn listen(address: SocketAddr) -> Result<TcpListener, GateError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| GateError::Listen {
            address: address.to_string(),
            source,
        })
}

fn stamps_of(config_path: &Path, runtime: &Runtime) -> Vec<(PathBuf, Stamp)> {
    std::iter::once(config_path)
        .chain(
            runtime
                .hosts()
                .iter()
                .flat_map(|h| h.files.iter().map(PathBuf::as_path)),
        )
        .map(|f| (f.to_owned(), stamp(f)))
        .collect()
}

/// What says a file changed: modification time, size and inode (none if unreadable).
pub(crate) type Stamp = Option<(SystemTime, u64, u64)>;

pub(crate) fn stamp(path: &Path) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len(), m.ino()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use certgate_ca::cfssl::{CsrJson, SigningConfig};
    use certgate_ca::{CertificateRequest, KeySigner, KeySpec, PrivateKey, RootCaBuilder};
    use std::time::Duration;

    /// Writes a CA, a server certificate, a policy and `gate.toml` in `dir`.
    fn write_config(dir: &Path) -> PathBuf {
        let csr = CsrJson::from_json(br#"{"CN": "reload CA"}"#, "t").unwrap();
        let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
            .build()
            .unwrap();
        let json = br#"{"CN": "money.example.com", "hosts": ["money.example.com"]}"#;
        let (key, req) =
            CertificateRequest::generate(&CsrJson::from_json(json, "t").unwrap()).unwrap();
        let profiles = SigningConfig::from_json(
            br#"{"signing": {"profiles": {"server": {"usages": ["digital signature", "server auth"], "expiry": "720h"}}}}"#,
            "t",
        )
        .unwrap();
        let cert = root
            .ca
            .issue(&req, profiles.profile("server").unwrap())
            .build()
            .unwrap();
        let files = [
            ("ca.pem", root.certificate.to_pem()),
            ("server.pem", cert.to_pem()),
            ("server-key.pem", key.to_pkcs8_pem().unwrap().to_string()),
            (
                "policies.toml",
                "[[applications]]\nname = \"money\"\ndomains = [\"money.example.com\"]\n\
                 [[applications.policies]]\nname = \"devices\"\ndecision = \"non_identity\"\n\
                 include = [{ certificate = true }]\n"
                    .to_owned(),
            ),
            (
                "gate.toml",
                "[server]\nlisten = [\"127.0.0.1:0\"]\n\n[[host]]\nname = \"money.example.com\"\n\
                 certificate = \"server.pem\"\nkey = \"server-key.pem\"\n\
                 origin = \"http://127.0.0.1:9\"\npolicy = \"policies.toml\"\n\
                 [host.trust]\nca = \"ca.pem\"\n"
                    .to_owned(),
            ),
        ];
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        dir.join("gate.toml")
    }

    #[test]
    fn a_file_changed_between_load_and_serve_is_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let gate = Gate::load(write_config(dir.path())).unwrap();
        // Changed after the load, before the watcher starts (as when a deploy writes the
        // policy while the gate binds its sockets).
        std::fs::write(
            dir.path().join("policies.toml"),
            "[[applications]]\nname = \n",
        )
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let watcher = tokio::spawn(crate::reload::watch(
                gate.clone(),
                Duration::from_millis(10),
            ));
            // Generous: the watcher looks every 10 ms.
            for _ in 0..1000 {
                if gate.metrics().reload_failures() > 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            watcher.abort();
        });
        assert_eq!(gate.metrics().reload_failures(), 1);
    }
}
