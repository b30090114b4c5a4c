//! CRLs fetched from their distribution points (`crl_urls`): one task per URL fetches it
//! on the host's interval with conditional requests, and hands a new CRL to the
//! revocation store of every host that names the URL (`RevocationStore::set_source`,
//! which checks it as a file's CRL is checked). A failed fetch keeps the last good CRL,
//! logs one line and is counted; the last good body and its validators outlive a
//! configuration reload, so a rebuilt host starts with the CRL its predecessor had.

mod http;
mod settings;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ::http::HeaderValue;
use bytes::Bytes;
use tokio::task::{AbortHandle, JoinSet};

use crate::gate::Gate;
use crate::host::Runtime;

pub(crate) use settings::{CrlFetch, CrlUrl, bounded, client_tls};

/// Largest CRL body a fetch reads: 64 MiB holds a DER CRL of about two million entries
/// (a 1M-entry CRL is about 31 MiB even as PEM), and bounds what a hostile or broken
/// server can make the gate buffer.
pub const MAX_CRL_FETCH_BYTES: usize = 64 * 1024 * 1024;

/// How often a running gate looks for URLs added or removed by a reload.
const SUPERVISE_EVERY: Duration = Duration::from_secs(1);

/// How one fetch ended, as `certgate_crl_fetch_total{result}` counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FetchResult {
    /// A new CRL, accepted by every host that names the URL.
    Updated,
    /// 200 with the bytes already in force.
    Unchanged,
    /// 304: the server says the CRL in force is still the current one.
    NotModified,
    /// No TCP or TLS connection, or the HTTP exchange broke.
    ConnectError,
    /// Not done within `crl_fetch_timeout`.
    Timeout,
    /// A status other than 200 or 304.
    HttpStatus,
    /// A body above [`MAX_CRL_FETCH_BYTES`].
    TooLarge,
    /// A body a host's revocation store refused (not a CRL, wrong issuer, older, ...).
    BadCrl,
}

impl FetchResult {
    /// The label value.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
            Self::NotModified => "not-modified",
            Self::ConnectError => "connect-error",
            Self::Timeout => "timeout",
            Self::HttpStatus => "http-status",
            Self::TooLarge => "too-large",
            Self::BadCrl => "bad-crl",
        }
    }

    pub(crate) fn is_success(self) -> bool {
        matches!(self, Self::Updated | Self::Unchanged | Self::NotModified)
    }
}

/// The last good answer of a URL: the body in force and the validators it came with.
#[derive(Clone, Debug, Default)]
struct LastGood {
    body: Option<Bytes>,
    etag: Option<HeaderValue>,
    last_modified: Option<HeaderValue>,
}

/// The last good answer per URL, shared by the fetch tasks and configuration reloads.
#[derive(Debug, Default)]
pub(crate) struct FetchedCrls {
    by_url: Mutex<HashMap<String, LastGood>>,
}

impl FetchedCrls {
    fn last_good(&self, url: &str) -> LastGood {
        self.by_url
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(url)
            .cloned()
            .unwrap_or_default()
    }

    fn remember(&self, url: &str, good: LastGood) {
        self.by_url
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(url.to_owned(), good);
    }

    /// Gives the hosts of a freshly built `runtime` the CRLs already fetched for their
    /// URLs, before it serves: a reload does not send them back to "no CRL yet".
    pub(crate) fn seed(&self, runtime: &Runtime) {
        let by_url = self.by_url.lock().unwrap_or_else(|e| e.into_inner());
        for host in runtime.hosts() {
            let Some(store) = &host.store else { continue };
            for url in &host.crl_fetch.urls {
                let Some(body) = by_url.get(url.as_str()).and_then(|g| g.body.as_ref()) else {
                    continue;
                };
                if let Err(e) = store.set_source(url.as_str(), body) {
                    tracing::warn!(host = %host.name, url = %url.as_str(), error = %e, "the CRL fetched before the reload is not accepted by the new configuration");
                }
            }
        }
    }
}

/// What one task fetches: a URL and the settings of the hosts that name it (the shortest
/// interval and timeout among them).
#[derive(Clone, Debug)]
struct Target {
    url: CrlUrl,
    interval: Duration,
    timeout: Duration,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl PartialEq for Target {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url
            && self.interval == other.interval
            && self.timeout == other.timeout
            && match (&self.tls, &other.tls) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

/// Every URL of `runtime`'s hosts, with its settings.
fn targets(runtime: &Runtime) -> HashMap<String, Target> {
    let mut out: HashMap<String, Target> = HashMap::new();
    for host in runtime.hosts() {
        let f = &host.crl_fetch;
        for url in &f.urls {
            let target = out.entry(url.as_str().to_owned()).or_insert(Target {
                url: url.clone(),
                interval: f.interval,
                timeout: f.timeout,
                tls: f.tls.clone(),
            });
            target.interval = target.interval.min(f.interval);
            target.timeout = target.timeout.min(f.timeout);
        }
    }
    out
}

/// Runs one fetch task per configured URL until aborted, starting and stopping tasks as
/// reloads add and remove URLs (a URL whose settings change is fetched again at once).
pub(crate) async fn supervise(gate: Gate) {
    let mut tasks = JoinSet::new();
    let mut running: HashMap<String, (Target, AbortHandle)> = HashMap::new();
    loop {
        let wanted = targets(&gate.runtime());
        running.retain(|url, (target, handle)| {
            let keep = wanted.get(url) == Some(target);
            if !keep {
                handle.abort();
            }
            keep
        });
        for (url, target) in wanted {
            if let std::collections::hash_map::Entry::Vacant(slot) = running.entry(url) {
                let handle = tasks.spawn(fetch_loop(gate.clone(), target.clone()));
                slot.insert((target, handle));
            }
        }
        while tasks.try_join_next().is_some() {}
        tokio::time::sleep(SUPERVISE_EVERY).await;
    }
}

async fn fetch_loop(gate: Gate, target: Target) {
    loop {
        fetch_once(&gate, &target).await;
        tokio::time::sleep(target.interval).await;
    }
}

/// One conditional GET of `target`, its answer handed to the hosts, its result counted.
async fn fetch_once(gate: &Gate, target: &Target) -> FetchResult {
    let url = target.url.as_str();
    let last = gate.fetched_crls().last_good(url);
    let answer = tokio::time::timeout(
        target.timeout,
        http::get(
            &target.url,
            target.tls.as_ref(),
            last.etag.as_ref(),
            last.last_modified.as_ref(),
        ),
    )
    .await;
    let (result, detail) = match answer {
        Err(_) => (
            FetchResult::Timeout,
            format!("no answer within {:?}", target.timeout),
        ),
        Ok(Err(failure)) => (failure.result, failure.detail),
        Ok(Ok(http::Answer::NotModified)) => (FetchResult::NotModified, String::new()),
        Ok(Ok(http::Answer::Body(body))) if last.body.as_ref() == Some(&body.bytes) => {
            gate.fetched_crls().remember(
                url,
                LastGood {
                    body: last.body,
                    etag: body.etag,
                    last_modified: body.last_modified,
                },
            );
            (FetchResult::Unchanged, String::new())
        }
        Ok(Ok(http::Answer::Body(body))) => match deliver(gate, url, &body.bytes) {
            Ok(()) => {
                gate.fetched_crls().remember(
                    url,
                    LastGood {
                        body: Some(body.bytes),
                        etag: body.etag,
                        last_modified: body.last_modified,
                    },
                );
                (FetchResult::Updated, String::new())
            }
            Err(detail) => (FetchResult::BadCrl, detail),
        },
    };
    let now = certgate_x509::Timestamp::now().unix_seconds_u64();
    gate.metrics().crl_fetch(url, result, now);
    match result {
        FetchResult::Updated => tracing::info!(url, "CRL fetched and in force"),
        r if r.is_success() => tracing::debug!(url, result = r.id(), "CRL fetch"),
        r => {
            tracing::warn!(url, result = r.id(), error = %detail, "CRL fetch failed: the last good CRL stays")
        }
    }
    result
}

/// Hands a fetched body to every host that names `url`; the first refusal, if any
/// (those that accepted keep it: each checked it against its own issuers).
fn deliver(gate: &Gate, url: &str, body: &[u8]) -> Result<(), String> {
    let mut refused = None;
    for host in gate.runtime().hosts() {
        let Some(store) = &host.store else { continue };
        if !host.crl_fetch.urls.iter().any(|u| u.as_str() == url) {
            continue;
        }
        match store.set_source(url, body) {
            Ok(()) => {
                tracing::info!(host = %host.name, url, revoked = store.revoked_count(), "CRL from URL swapped in");
            }
            Err(e) => {
                refused.get_or_insert_with(|| format!("host {}: {e}", host.name));
            }
        }
    }
    refused.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_ids_are_stable_labels() {
        assert_eq!(FetchResult::NotModified.id(), "not-modified");
        assert_eq!(FetchResult::BadCrl.id(), "bad-crl");
        assert!(FetchResult::Unchanged.is_success());
        assert!(!FetchResult::TooLarge.is_success());
    }
}
