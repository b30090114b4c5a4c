//! Prometheus metrics, in the text exposition format, and `/healthz`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::host::Runtime;

/// Latency buckets, seconds.
const BUCKETS: [f64; 12] = [
    0.000_25, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
];

/// The gate's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    handshakes: AtomicU64,
    handshake_failures: Mutex<BTreeMap<&'static str, u64>>,
    decisions: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    reloads: AtomicU64,
    reload_failures: AtomicU64,
    origin_errors: Mutex<BTreeMap<&'static str, u64>>,
    connections_open: AtomicU64,
    latency: Mutex<Histogram>,
    crl_fetches: SourceReads,
    /// Reads of `revocation_db`, by database and result.
    db_reads: SourceReads,
    /// Login steps that ended (`ok`) or were refused, by method and result.
    logins: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
}

/// Reads of a revocation source (a CRL URL, a database) by label and result, and when
/// each label last succeeded (seconds since the epoch).
#[derive(Debug, Default)]
struct SourceReads {
    by_result: Mutex<BTreeMap<(String, &'static str), u64>>,
    last_success: Mutex<BTreeMap<String, u64>>,
}

impl SourceReads {
    fn count(&self, label: &str, result: &'static str, success: bool, now: u64) {
        *self
            .by_result
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((label.to_owned(), result))
            .or_default() += 1;
        if success {
            self.last_success
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(label.to_owned(), now);
        }
    }

    fn counted(&self, label: &str, result: &str) -> u64 {
        self.by_result
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|((l, r), _)| l == label && *r == result)
            .map(|(_, n)| *n)
            .sum()
    }

    /// The counter `{counter}{KEY=..,result=..}` and the gauge `{gauge}{KEY=..}`, each
    /// with its help text.
    fn render(
        &self,
        out: &mut String,
        key: &str,
        [counter, total]: [&str; 2],
        [gauge, success]: [&str; 2],
    ) {
        let _ = writeln!(out, "# HELP {counter} {total}\n# TYPE {counter} counter");
        for ((label, result), n) in self
            .by_result
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let label = escape(label);
            let _ = writeln!(
                out,
                "{counter}{{{key}=\"{label}\",result=\"{result}\"}} {n}"
            );
        }
        let _ = writeln!(out, "# HELP {gauge} {success}\n# TYPE {gauge} gauge");
        for (label, at) in self
            .last_success
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let label = escape(label);
            let _ = writeln!(out, "{gauge}{{{key}=\"{label}\"}} {at}");
        }
    }
}

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    *map.lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_default() += 1;
}

impl Metrics {
    /// A full handshake or resumption that completed.
    pub fn handshake(&self) {
        self.handshakes.fetch_add(1, Ordering::Relaxed);
    }

    /// A handshake that failed, by reason (`timeout`, `no-host`, `tls`).
    pub fn handshake_failed(&self, reason: &'static str) {
        bump(&self.handshake_failures, reason);
    }

    /// A decision, by outcome and reason class.
    pub fn decision(&self, outcome: &'static str, reason: &'static str, latency: Duration) {
        bump(&self.decisions, (outcome, reason));
        let secs = latency.as_secs_f64();
        let mut h = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// A configuration, policy, certificate or CRL reload.
    pub fn reload(&self, ok: bool) {
        if ok {
            self.reloads.fetch_add(1, Ordering::Relaxed);
        } else {
            self.reload_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Reloads that failed so far.
    pub fn reload_failures(&self) -> u64 {
        self.reload_failures.load(Ordering::Relaxed)
    }

    /// Reloads that succeeded so far.
    pub fn reloads(&self) -> u64 {
        self.reloads.load(Ordering::Relaxed)
    }

    /// An origin failure, by kind.
    pub fn origin_error(&self, kind: &'static str) {
        bump(&self.origin_errors, kind);
    }

    /// A read of a `revocation_db` (its label: no password), at `now`.
    #[cfg_attr(not(feature = "db"), allow(dead_code))]
    pub(crate) fn revocation_db_read(&self, db: &str, ok: bool, now: u64) {
        self.db_reads
            .count(db, if ok { "ok" } else { "failed" }, ok, now);
    }

    /// Reads of the database `db` (as labelled) that ended in `result` (`ok`, `failed`).
    pub fn revocation_db_reads(&self, db: &str, result: &str) -> u64 {
        self.db_reads.counted(db, result)
    }

    /// A fetch of a CRL URL, by result, at `now` (seconds since the epoch).
    pub(crate) fn crl_fetch(&self, url: &str, result: crate::crl_fetch::FetchResult, now: u64) {
        self.crl_fetches
            .count(url, result.id(), result.is_success(), now);
    }

    /// Fetches of `url` that ended with the result labelled `result` so far.
    pub fn crl_fetches(&self, url: &str, result: &str) -> u64 {
        self.crl_fetches.counted(url, result)
    }

    /// A login step that ended: `result` is `ok` or why it was refused.
    pub fn login(&self, method: &'static str, result: &'static str) {
        bump(&self.logins, (method, result));
    }

    /// How many login steps of `method` ended with `result`.
    pub fn logins(&self, method: &str, result: &str) -> u64 {
        self.logins
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|((m, r), _)| *m == method && *r == result)
            .map(|(_, n)| *n)
            .sum()
    }

    pub(crate) fn connection_opened(&self) {
        self.connections_open.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Ordering::Relaxed);
    }

    /// The exposition text, with per-issuer CRL ages from `runtime` at `now` (seconds).
    pub fn render(&self, runtime: &Runtime, now: u64) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP certgate_gate_handshakes_total TLS handshakes completed.\n# TYPE certgate_gate_handshakes_total counter"
        );
        let _ = writeln!(
            out,
            "certgate_gate_handshakes_total {}",
            self.handshakes.load(Ordering::Relaxed)
        );
        let _ = writeln!(out, "# TYPE certgate_gate_handshake_failures_total counter");
        for (reason, n) in self
            .handshake_failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "certgate_gate_handshake_failures_total{{reason=\"{reason}\"}} {n}"
            );
        }
        let _ = writeln!(out, "# TYPE certgate_gate_decisions_total counter");
        for ((outcome, reason), n) in self
            .decisions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "certgate_gate_decisions_total{{outcome=\"{outcome}\",reason=\"{reason}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# TYPE certgate_gate_reloads_total counter\ncertgate_gate_reloads_total {}",
            self.reloads()
        );
        let _ = writeln!(
            out,
            "# TYPE certgate_gate_reload_failures_total counter\ncertgate_gate_reload_failures_total {}",
            self.reload_failures()
        );
        let _ = writeln!(out, "# TYPE certgate_gate_origin_errors_total counter");
        for (kind, n) in self
            .origin_errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "certgate_gate_origin_errors_total{{kind=\"{kind}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# TYPE certgate_gate_connections_open gauge\ncertgate_gate_connections_open {}",
            self.connections_open.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP certgate_gate_logins_total Logins completed or refused, by method and result.\n# TYPE certgate_gate_logins_total counter"
        );
        for ((method, result), n) in self.logins.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(
                out,
                "certgate_gate_logins_total{{method=\"{method}\",result=\"{result}\"}} {n}"
            );
        }
        self.render_latency(&mut out);
        render_crls(&mut out, runtime, now);
        self.crl_fetches.render(
            &mut out,
            "url",
            [
                "certgate_crl_fetch_total",
                "Fetches of CRL URLs, by result.",
            ],
            [
                "certgate_crl_fetch_last_success_timestamp_seconds",
                "When a fetch of the URL last succeeded.",
            ],
        );
        self.db_reads.render(
            &mut out,
            "db",
            [
                "certgate_revocation_db_reads_total",
                "Reads of revocation databases, by result.",
            ],
            [
                "certgate_revocation_db_last_success_timestamp_seconds",
                "When a read of the database last succeeded.",
            ],
        );
        out
    }

    fn render_latency(&self, out: &mut String) {
        let h = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(
            out,
            "# TYPE certgate_gate_request_duration_seconds histogram"
        );
        for (b, n) in BUCKETS.iter().zip(h.counts) {
            let _ = writeln!(
                out,
                "certgate_gate_request_duration_seconds_bucket{{le=\"{b}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "certgate_gate_request_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            h.count
        );
        let _ = writeln!(out, "certgate_gate_request_duration_seconds_sum {}", h.sum);
        let _ = writeln!(
            out,
            "certgate_gate_request_duration_seconds_count {}",
            h.count
        );
    }
}

fn render_crls(out: &mut String, runtime: &Runtime, now: u64) {
    let _ = writeln!(
        out,
        "# TYPE certgate_gate_crl_age_seconds gauge\n# TYPE certgate_gate_crl_next_update_seconds gauge\n# TYPE certgate_gate_crl_generation gauge"
    );
    for host in runtime.hosts() {
        let Some(store) = &host.store else { continue };
        let h = escape(&host.name);
        let _ = writeln!(
            out,
            "certgate_gate_crl_generation{{host=\"{h}\"}} {}",
            store.generation()
        );
        for crl in store.crl_summaries() {
            let issuer = escape(&crl.issuer);
            let _ = writeln!(
                out,
                "certgate_gate_crl_age_seconds{{host=\"{h}\",issuer=\"{issuer}\"}} {}",
                now.saturating_sub(crl.this_update.unix_seconds_u64())
            );
            if let Some(next) = crl.next_update {
                let left = i128::from(next.unix_seconds()) - i128::from(now);
                let _ = writeln!(
                    out,
                    "certgate_gate_crl_next_update_seconds{{host=\"{h}\",issuer=\"{issuer}\"}} {left}"
                );
            }
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
