//! The HTTP side of `certgate crl serve`: each issuer's CRL served at its distribution
//! point's path, from memory, with the validators gates and caches need; each
//! publication also written atomically to disk.
//!
//! The code that regenerates CRLs (from the database, on a schedule, signing) calls
//! [`CrlPublisher::publish`] with a [`CrlPublication`]; the server answers from the
//! latest one per path:
//!
//! - `GET` and `HEAD` of a configured path: the DER with `Content-Type:
//!   application/pkix-crl`, a strong `ETag` (the SHA-256 of the DER), `Last-Modified`
//!   (thisUpdate) and `Cache-Control: max-age` running out [`CACHE_MARGIN`] before
//!   nextUpdate; `If-None-Match` (or, without it, `If-Modified-Since`) answered with 304.
//!   A configured path not published yet: 503. Any other path: 404.
//! - `/metrics` (Prometheus): per path, when it was last published, its thisUpdate and
//!   the seconds until its nextUpdate. `/healthz`: 200 while every path has a CRL that is
//!   not past its nextUpdate, 503 (naming the paths) otherwise.
//!
//! ```no_run
//! use certgate_examples::crl_serve::{CrlPublication, CrlPublisher};
//!
//! # async fn run(der: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
//! let publisher = CrlPublisher::builder(["/crl/root.crl"])
//!     .with_directory("public")
//!     .build()?;
//! publisher.publish("/crl/root.crl", CrlPublication::from_der(der)?)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! publisher
//!     .serve(listener, async { let _ = tokio::signal::ctrl_c().await; })
//!     .await;
//! # Ok(()) }
//! ```

mod config;
mod error;
mod generate;
mod http;
mod service;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use certgate_x509::{CrlView, Sha256Fingerprint, Timestamp};

pub use config::{
    DEFAULT_POLL_INTERVAL, DEFAULT_REFRESH_BEFORE, DEFAULT_VALIDITY, IssuerConfig, MAX_ISSUERS,
    MIN_POLL_INTERVAL, MIN_VALIDITY, ServeConfig,
};
pub use error::CrlServeError;
pub use generate::{
    CrlIssuer, StoreCrl, crl_from_store, crl_from_store_with, load_crl_signer, load_signer,
};
pub use http::SHUTDOWN_GRACE;
pub use service::{MAX_BACKOFF, run};

/// How long before nextUpdate a cache must stop serving a CRL without asking again:
/// five minutes leave a gate polling every few minutes time to fetch the next one
/// before the old one expires under it.
pub const CACHE_MARGIN: Duration = Duration::from_secs(5 * 60);

/// Longest issuer path accepted: a URL path, not a document.
pub const MAX_PATH_LEN: usize = 1024;

/// One CRL as published: its DER and the times it states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlPublication {
    /// The CRL, DER.
    pub der: Bytes,
    /// Its thisUpdate (served as `Last-Modified`).
    pub this_update: Timestamp,
    /// Its nextUpdate, when it has one (caching runs out shortly before it).
    pub next_update: Option<Timestamp>,
    /// Its CRL Number, when it has one that fits in 64 bits (for the metrics).
    pub number: Option<u64>,
    /// How many certificates it lists (for the metrics).
    pub entries: usize,
}

impl CrlPublication {
    /// A publication of the CRL `der`, its times, number and entry count read from it
    /// (one reading of the CRL, however often it is served).
    ///
    /// # Errors
    /// [`CrlServeError::NotACrl`] when `der` is not a CRL.
    pub fn from_der(der: impl Into<Bytes>) -> Result<Self, CrlServeError> {
        let der = der.into();
        let view = CrlView::parse(&der).map_err(|e| CrlServeError::NotACrl {
            source: Box::new(e),
        })?;
        let number = view.crl_number().ok().flatten().and_then(|n| {
            let n = n.strip_prefix(&[0]).unwrap_or(n);
            (n.len() <= 8).then(|| n.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
        });
        let entries = view.entry_count().unwrap_or(0);
        Ok(Self {
            this_update: view.this_update,
            next_update: view.next_update,
            number,
            entries,
            der,
        })
    }
}

/// A publication being served, with its validators made once.
#[derive(Debug)]
struct Published {
    crl: CrlPublication,
    /// `"<sha256 hex>"`.
    etag: String,
    /// thisUpdate as an HTTP date.
    last_modified: String,
    published_at: SystemTime,
    /// Publications so far at this path.
    count: u64,
    /// Its CRL Number, when it has one that fits.
    number: Option<u64>,
    /// Its entries.
    entries: usize,
}

/// Each configured path's latest publication.
#[derive(Debug)]
struct Shared {
    paths: RwLock<BTreeMap<String, Option<Arc<Published>>>>,
    directory: Option<PathBuf>,
    /// Failed regenerations per path.
    failures: Mutex<BTreeMap<String, u64>>,
    /// Held through a publication, swap and write: memory and disk change in one order.
    publishing: Mutex<()>,
}

/// Builds a [`CrlPublisher`].
#[derive(Debug)]
pub struct CrlPublisherBuilder {
    paths: Vec<String>,
    directory: Option<PathBuf>,
}

impl CrlPublisherBuilder {
    /// Also writes each publication under `dir`, at its path (`/crl/root.crl` →
    /// `dir/crl/root.crl`), atomically: a temporary file renamed over the old one.
    pub fn with_directory(mut self, dir: impl Into<PathBuf>) -> Self {
        self.directory = Some(dir.into());
        self
    }

    /// Checks the paths and makes the publisher (nothing published yet).
    ///
    /// # Errors
    /// [`CrlServeError::BadPath`] for a path that is not `/` followed by segments of
    /// URL-safe characters (no `.` or `..` segment, no query, at most [`MAX_PATH_LEN`]
    /// bytes) or that the server keeps for itself (`/metrics`, `/healthz`);
    /// [`CrlServeError::DuplicatePath`].
    pub fn build(self) -> Result<CrlPublisher, CrlServeError> {
        let mut paths = BTreeMap::new();
        for path in self.paths {
            check_path(&path)?;
            if paths.insert(path.clone(), None).is_some() {
                return Err(CrlServeError::DuplicatePath { path });
            }
        }
        Ok(CrlPublisher {
            shared: Arc::new(Shared {
                paths: RwLock::new(paths),
                directory: self.directory,
                failures: Mutex::new(BTreeMap::new()),
                publishing: Mutex::new(()),
            }),
        })
    }
}

fn check_path(path: &str) -> Result<(), CrlServeError> {
    let bad = |problem| CrlServeError::BadPath {
        path: path.to_owned(),
        problem,
    };
    if path.len() > MAX_PATH_LEN {
        return Err(bad("too long"));
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(bad("does not start with /"));
    };
    if matches!(path, "/metrics" | "/healthz") {
        return Err(bad("is the server's own"));
    }
    let safe = |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@%".contains(c);
    for segment in rest.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return Err(bad("has an empty, . or .. segment"));
        }
        if !segment.chars().all(safe) {
            return Err(bad("has a character a URL path cannot hold as it is"));
        }
    }
    Ok(())
}

/// The CRLs being served, one per issuer path; clones share them. Publish from any
/// thread; [`serve`](Self::serve) answers from the latest.
#[derive(Clone, Debug)]
pub struct CrlPublisher {
    shared: Arc<Shared>,
}

impl CrlPublisher {
    /// Starts a publisher serving `paths` (each issuer's CRL distribution point path,
    /// such as `/crl/root.crl`).
    pub fn builder<S: Into<String>>(paths: impl IntoIterator<Item = S>) -> CrlPublisherBuilder {
        CrlPublisherBuilder {
            paths: paths.into_iter().map(Into::into).collect(),
            directory: None,
        }
    }

    /// Serves `crl` at `issuer_path` from now on, replacing the one before at once
    /// (a request is answered wholly from one or the other); then writes it to the
    /// directory, when there is one.
    ///
    /// # Errors
    /// [`CrlServeError::UnknownPath`] for a path not configured (nothing changes);
    /// [`CrlServeError::Write`] when the copy on disk could not be written (the
    /// publication is served all the same: the old file stays whole).
    pub fn publish(&self, issuer_path: &str, crl: CrlPublication) -> Result<(), CrlServeError> {
        let der = crl.der.clone();
        let (number, entries) = (crl.number, crl.entries);
        let _publishing = self
            .shared
            .publishing
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        {
            let mut paths = self.shared.paths.write().unwrap_or_else(|e| e.into_inner());
            let Some(slot) = paths.get_mut(issuer_path) else {
                return Err(CrlServeError::UnknownPath {
                    path: issuer_path.to_owned(),
                });
            };
            let count = slot.as_ref().map_or(0, |p| p.count) + 1;
            *slot = Some(Arc::new(Published {
                etag: format!("\"{}\"", Sha256Fingerprint::of(&crl.der).to_hex()),
                last_modified: http_date(crl.this_update),
                published_at: SystemTime::now(),
                count,
                number,
                entries,
                crl,
            }));
        }
        match &self.shared.directory {
            Some(dir) => {
                let path = dir.join(issuer_path.trim_start_matches('/'));
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|source| CrlServeError::Write {
                        path: path.clone(),
                        source,
                    })?;
                }
                // certgate-ca's writer: a random temporary name, file and directory synced.
                certgate_ca::write_atomic(&path, &der, certgate_ca::FileMode::Public).map_err(|e| {
                    CrlServeError::Write {
                        path: path.clone(),
                        source: std::io::Error::other(e),
                    }
                })
            }
            None => Ok(()),
        }
    }

    /// Counts a failed regeneration of `issuer_path`'s CRL (shown in the metrics; the
    /// CRL served does not change).
    pub fn count_failure(&self, issuer_path: &str) {
        let mut failures = self
            .shared
            .failures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *failures.entry(issuer_path.to_owned()).or_insert(0) += 1;
    }

    /// Failed regenerations of `issuer_path`'s CRL so far.
    pub fn failures(&self, issuer_path: &str) -> u64 {
        let failures = self
            .shared
            .failures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        failures.get(issuer_path).copied().unwrap_or(0)
    }

    /// The configured paths, in order.
    pub fn paths(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }

    /// The publication served at `issuer_path` now, if any.
    pub fn current(&self, issuer_path: &str) -> Option<CrlPublication> {
        self.read()
            .get(issuer_path)?
            .as_ref()
            .map(|p| p.crl.clone())
    }

    fn published(&self, issuer_path: &str) -> Option<Option<Arc<Published>>> {
        self.read().get(issuer_path).cloned()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Option<Arc<Published>>>> {
        self.shared.paths.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// `t` as an HTTP date (IMF-fixdate); times before the epoch as the epoch.
fn http_date(t: Timestamp) -> String {
    httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(t.unix_seconds_u64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked() {
        for good in ["/root.crl", "/crl/intermediate-1.crl", "/a/b:c@d.crl"] {
            assert!(check_path(good).is_ok(), "{good}");
        }
        for bad in [
            "root.crl", "/", "//x", "/a/../b", "/./b", "/a?b", "/a b", "/metrics", "/healthz",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        assert!(check_path(&format!("/{}", "a".repeat(MAX_PATH_LEN))).is_err());
    }

    #[test]
    fn http_dates_are_imf_fixdate() {
        assert_eq!(
            http_date(Timestamp::from_unix_seconds(784_111_777)),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
    }
}
