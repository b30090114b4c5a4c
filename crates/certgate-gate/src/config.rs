//! The gate's TOML configuration: every key documented, unknown keys refused.
//!
//! ```toml
//! [server]
//! listen = ["127.0.0.1:8443"]        # one or more addresses
//! metrics = "127.0.0.1:9464"         # optional: /metrics (Prometheus) and /healthz
//! log_format = "text"                # or "json"
//! default_host = "money.example.com" # optional: for clients that send no SNI
//! reload_interval = "1s"             # how often watched files are looked at
//! session_keys = "session-keys"      # optional: session signing keys kept here (0600);
//!                                    # without it they live in memory (a restart signs out)
//! session_key_rotation = "24h"       # a new signing key this often (old ones verify on)
//! workers = 2                        # optional: threads that serve (default: the cores);
//!                                    # 1 runs everything on one thread, least work a request
//!
//! [limits]                           # all optional, these are the defaults
//! max_connections = 10000
//! max_header_bytes = 16384           # the whole request head
//! max_headers = 100
//! handshake_timeout = "10s"
//! header_read_timeout = "10s"
//! idle_timeout = "60s"
//! origin_connect_timeout = "5s"
//! origin_response_timeout = "30s"
//! shutdown_grace = "30s"
//!
//! [[host]]
//! name = "money.example.com"         # or "*.example.com"
//! certificate = "server.pem"         # the server's chain, leaf first
//! key = "server-key.pem"
//! origin = "http://127.0.0.1:8081"   # or "unix:/run/money.sock"
//! policy = "policies.toml"           # certgate's schema (TOML/JSON) or Access API JSON
//! origin_case = "unknown"            # "sensitive" | "insensitive": how the origin matches paths
//! resumption = true                  # TLS resumption, ended by every CRL reload
//! [host.trust]
//! ca = "ca.pem"                      # the CAs whose client certificates are accepted
//! intermediates = "intermediates.pem" # optional
//! crls = ["crl.pem"]                 # optional, watched and reloaded
//! crl_signers = "crl-signers.pem"    # optional: certificates of the CAs' dedicated CRL keys
//! crl_urls = ["http://pki.example.com/root.crl"] # optional: CRLs fetched over HTTP(S)
//! crl_fetch_interval = "5m"          # how often each URL is fetched (1s to 24h)
//! crl_fetch_timeout = "30s"          # time for one fetch, body included (up to 5m)
//! crl_fetch_ca = "pki-web-ca.pem"    # optional: roots for https URLs (default: the system's)
//! revocation_db = "postgres://gate@db.example/certs" # optional: revocations from certgate-db
//! revocation_db_poll = "1s"          # how often it is read (100ms to 1h; PostgreSQL also pushes)
//! revocation_db_max_age = "60s"      # a read stays in force this long (at least 2 polls)
//! mode = "enforce"                   # or "report": decide in HTTP, 403 page with the reason
//! ```
//! Relative paths are read from the configuration file's directory.
//!
//! Logins (read at start; a reload does not change them):
//! ```toml
//! [[login.oidc]]                     # an OpenID provider; several may be listed
//! name = "google"                    # in URLs: /cdn-cgi/access/oidc/google
//! display_name = "Google"
//! issuer = "https://accounts.google.com"
//! client_id = "1234.apps.googleusercontent.com"
//! client_secret_file = "google-secret.txt"  # or client_secret_env = "VAR"; never inline
//! scopes = ["openid", "email", "profile"]   # the default
//! groups_claim = "groups"            # the default
//! ca = "idp-roots.pem"               # optional: roots for the provider (default: the system's)
//! ```
//! See [`OidcSection`]. An `http://` issuer is taken only on a loopback address
//! (`danger_allow_http_issuer` lifts that).
//!
//! One-time codes by email (Access's "One-time PIN"), offered beside the providers:
//! ```toml
//! [login.otp]
//! smtp_host = "smtp.example.com"     # the submission server, over TLS only
//! smtp_port = 587                    # default: 587 with starttls, 465 with tls
//! tls = "starttls"                   # or "tls" (implicit TLS)
//! smtp_ca = "smtp-ca.pem"            # optional: roots for the server (default: the system's)
//! username = "gate@example.com"      # optional: AUTH PLAIN ...
//! password_file = "smtp-password"    # ... with password_file or password_env; never inline
//! from = "access@example.com"
//! code_ttl = "10m"                   # and max_attempts_per_code, max_sends_per_address_per_hour,
//!                                    # max_sends_per_client_per_hour, subject
//! ```
//! See [`OtpConfig`] for every key and its default and bounds. A code is mailed only to
//! an address some allow policy of the application could admit; the page is the same
//! for every address.
//!
//! A CRL fetched from `crl_urls` passes the same checks as a CRL file (its issuer's
//! signature, RFC 5280's rules) before it is used, and never replaces one with a higher
//! CRL Number. Fetches are conditional (`If-None-Match`, `If-Modified-Since`); a failed
//! one (no connection, timeout, a status other than 200 or 304, a body above
//! [`crate::MAX_CRL_FETCH_BYTES`], a CRL that does not pass) keeps the last good CRL, is
//! logged and counted in `certgate_crl_fetch_total{url,result}`. Until a URL's first
//! good fetch, the certificates of the issuers it speaks for have no CRL, and are
//! refused as when a CRL is missing (`revocation-unknown`): the gate fails closed.
//!
//! With `revocation_db` (the `db` feature, on by default) the gate reads the revoked
//! serials of the host's CAs (`ca` and `intermediates`, by their subject key identifier)
//! from certgate-db's inventory, SQLite or PostgreSQL, and puts them in force as those
//! CAs' lists, ahead of their CRLs: no CRL to sign, copy or fetch. PostgreSQL pushes
//! each revocation as it commits (LISTEN/NOTIFY); SQLite is polled. A list stays in force
//! for `revocation_db_max_age` after the last good read: a database down for longer
//! leaves the CAs' certificates with a stale status, refused (fail closed). Reads are
//! counted in `certgate_revocation_db_reads_total{db,result}` (the URL without its
//! password).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{ConfigProblem, GateError};

/// The most a configuration file may hold; a gate config is a few KiB.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The whole configuration, as read.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// Listening and logging.
    pub server: ServerSection,
    /// Limits and timeouts.
    #[serde(default)]
    pub limits: LimitsSection,
    /// The hosts served, by SNI.
    #[serde(rename = "host", default)]
    pub hosts: Vec<HostSection>,
    /// How users sign in when a policy needs an identity.
    #[serde(default)]
    pub login: LoginSection,
    /// The directory relative paths are read from (the file's directory).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// `[server]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Addresses to listen on.
    pub listen: Vec<String>,
    /// Address of the metrics and health endpoint.
    pub metrics: Option<String>,
    /// `text` (default) or `json`.
    #[serde(default)]
    pub log_format: LogFormat,
    /// The host for clients that send no SNI; without it their handshake fails.
    pub default_host: Option<String>,
    /// How often watched files (config, policies, certificates, CRLs) are looked at.
    pub reload_interval: Option<String>,
    /// The directory the session signing keys are kept in (read at start, not reload).
    pub session_keys: Option<PathBuf>,
    /// How often a new session signing key is made (default 24h).
    pub session_key_rotation: Option<String>,
    /// Threads that serve connections, 1 to [`MAX_WORKERS`] (read at start, not reload;
    /// default: one per core). With 1, the runtime is tokio's single-threaded one: no
    /// work stealing and no cross-thread wake-ups, the least work per request, for a
    /// gate pinned to one core.
    pub workers: Option<usize>,
}

/// Most `server.workers`.
pub const MAX_WORKERS: usize = 1024;

/// `[login]`: the login methods. Without any, a request that needs an identity gets
/// the 403 page.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginSection {
    /// OpenID providers (`[[login.oidc]]`).
    #[serde(default)]
    pub oidc: Vec<OidcSection>,
    /// One-time codes by email (`[login.otp]`).
    pub otp: Option<OtpConfig>,
}

pub use crate::login::oidc::OidcSection;
pub use crate::login::otp::OtpConfig;

/// How decision lines are written.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `key=value` text.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `[limits]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    /// Open client connections at most; more wait in the kernel's backlog.
    pub max_connections: Option<usize>,
    /// Bytes of a request head at most (431 above).
    pub max_header_bytes: Option<usize>,
    /// Header fields in a request at most (431 above).
    pub max_headers: Option<usize>,
    /// Time for a TLS handshake.
    pub handshake_timeout: Option<String>,
    /// Time for a request head to arrive.
    pub header_read_timeout: Option<String>,
    /// A connection with no traffic for this long is closed.
    pub idle_timeout: Option<String>,
    /// Time to connect to the origin (502 after).
    pub origin_connect_timeout: Option<String>,
    /// Time for the origin's response head (504 after).
    pub origin_response_timeout: Option<String>,
    /// Time in-flight requests get to finish on SIGTERM.
    pub shutdown_grace: Option<String>,
}

/// `[[host]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSection {
    /// Hostname or `*.` wildcard, as SNI and `Host` give it.
    pub name: String,
    /// The server's certificate chain (PEM, leaf first).
    pub certificate: PathBuf,
    /// The server's private key (PEM).
    pub key: PathBuf,
    /// Where allowed requests go.
    pub origin: String,
    /// The policy file.
    pub policy: PathBuf,
    /// How the origin matches paths.
    #[serde(default)]
    pub origin_case: OriginCaseSetting,
    /// TLS session resumption, tied to the CRLs (default true).
    pub resumption: Option<bool>,
    /// Which client certificates are accepted.
    pub trust: TrustSection,
}

/// Whether the origin tells `/Admin` from `/admin`.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OriginCaseSetting {
    /// Not known: paths whose application depends on case are refused.
    #[default]
    Unknown,
    /// `/Admin` and `/admin` are different resources.
    Sensitive,
    /// `/Admin` is `/admin`.
    Insensitive,
}

/// `[host.trust]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustSection {
    /// The trusted CA certificates (PEM).
    pub ca: PathBuf,
    /// Intermediates for clients that send only their leaf (PEM).
    pub intermediates: Option<PathBuf>,
    /// CRL files (PEM or DER), watched.
    #[serde(default)]
    pub crls: Vec<PathBuf>,
    /// Certificates (PEM) of keys the CAs certified to sign their CRLs (RFC 5280 6.3.3
    /// (f)): a CRL with a CA's name signed by one of them counts for that CA.
    pub crl_signers: Option<PathBuf>,
    /// CRL distribution points (`http://` or `https://` URLs), fetched on an interval.
    #[serde(default)]
    pub crl_urls: Vec<String>,
    /// How often each of `crl_urls` is fetched (default 5m, from 1s to 24h).
    pub crl_fetch_interval: Option<String>,
    /// Time for one fetch, connection to last byte (default 30s, at most 5m).
    pub crl_fetch_timeout: Option<String>,
    /// Roots (PEM) that `https` CRL URLs are verified with instead of the system's.
    pub crl_fetch_ca: Option<PathBuf>,
    /// The inventory database (`sqlite:///PATH` or `postgres://...`, certgate-db) whose
    /// revocations of the trusted CAs are taken straight into the revocation store.
    pub revocation_db: Option<String>,
    /// How often the database is read (default 1s, from 100ms to 1h); PostgreSQL also
    /// pushes each revocation at once (LISTEN/NOTIFY).
    pub revocation_db_poll: Option<String>,
    /// How long a read of the database stays in force without another (default 60s, at
    /// least twice `revocation_db_poll`): after that the CAs' certificates have a stale
    /// revocation status and are refused.
    pub revocation_db_max_age: Option<String>,
    /// `enforce` (default) or `report`.
    #[serde(default)]
    pub mode: TrustMode,
}

/// Where a bad certificate is refused.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TrustMode {
    /// In the TLS handshake, with the matching alert.
    #[default]
    Enforce,
    /// In HTTP: the handshake completes and the policy sees the verdict.
    Report,
}

/// The limits with defaults filled in and durations read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// See [`LimitsSection::max_connections`].
    pub max_connections: usize,
    /// See [`LimitsSection::max_header_bytes`].
    pub max_header_bytes: usize,
    /// See [`LimitsSection::max_headers`].
    pub max_headers: usize,
    /// See [`LimitsSection::handshake_timeout`].
    pub handshake_timeout: Duration,
    /// See [`LimitsSection::header_read_timeout`].
    pub header_read_timeout: Duration,
    /// See [`LimitsSection::idle_timeout`].
    pub idle_timeout: Duration,
    /// See [`LimitsSection::origin_connect_timeout`].
    pub origin_connect_timeout: Duration,
    /// See [`LimitsSection::origin_response_timeout`].
    pub origin_response_timeout: Duration,
    /// See [`LimitsSection::shutdown_grace`].
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            max_header_bytes: 16 * 1024,
            max_headers: 100,
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            origin_connect_timeout: Duration::from_secs(5),
            origin_response_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl GateConfig {
    /// Reads and checks a configuration file.
    ///
    /// # Errors
    /// [`GateError::Read`] when it cannot be read (or is above [`MAX_CONFIG_BYTES`]),
    /// [`GateError::ConfigSyntax`] for TOML that is not the schema (unknown keys included),
    /// [`GateError::ConfigValue`] for a value that cannot be used.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, GateError> {
        let path = path.as_ref();
        let text = crate::files::read_bounded(path, "config", MAX_CONFIG_BYTES)?;
        let text = String::from_utf8(text).map_err(|_| GateError::ConfigSyntax {
            path: path.to_owned(),
            detail: "not UTF-8".into(),
        })?;
        let base = path.parent().map(Path::to_owned).unwrap_or_default();
        Self::from_toml(&text, path, base)
    }

    /// Parses configuration text; `path` names it in errors, `base_dir` anchors relative
    /// paths.
    ///
    /// # Errors
    /// As [`GateConfig::from_file`], without the read.
    pub fn from_toml(text: &str, path: &Path, base_dir: PathBuf) -> Result<Self, GateError> {
        let mut config: Self = toml::from_str(text).map_err(|e| GateError::ConfigSyntax {
            path: path.to_owned(),
            detail: e.to_string().trim_end().to_owned(),
        })?;
        config.base_dir = base_dir;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), GateError> {
        let bad = |key: String, problem| GateError::ConfigValue { key, problem };
        self.listen_addresses()?;
        self.limits()?;
        self.reload_interval()?;
        self.session_keys()?;
        if self
            .server
            .workers
            .is_some_and(|n| n == 0 || n > MAX_WORKERS)
        {
            return Err(bad("server.workers".into(), ConfigProblem::OutOfRange));
        }
        if let Some(m) = &self.server.metrics {
            m.parse::<SocketAddr>()
                .map_err(|_| bad("server.metrics".into(), ConfigProblem::NotAnAddress))?;
        }
        if self.hosts.is_empty() {
            return Err(bad("host".into(), ConfigProblem::NoHosts));
        }
        let mut names = std::collections::HashSet::new();
        for (i, oidc) in self.login.oidc.iter().enumerate() {
            oidc.check(i)?;
            if !names.insert(oidc.name.as_str()) {
                return Err(bad(
                    format!("login.oidc[{i}].name"),
                    ConfigProblem::DuplicateProvider,
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, host) in self.hosts.iter().enumerate() {
            if !seen.insert(host.name.to_ascii_lowercase()) {
                return Err(bad(format!("host[{i}].name"), ConfigProblem::DuplicateHost));
            }
            crate::proxy::Origin::parse(&host.origin)
                .ok_or_else(|| bad(format!("host[{i}].origin"), ConfigProblem::NotAnOrigin))?;
            host.trust.crl_fetch(&format!("host[{i}].trust"))?;
        }
        if let Some(default) = &self.server.default_host
            && !self
                .hosts
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case(default))
        {
            return Err(bad(
                "server.default_host".into(),
                ConfigProblem::UnknownHost,
            ));
        }
        Ok(())
    }

    /// The listening addresses.
    ///
    /// # Errors
    /// [`GateError::ConfigValue`] for one that is not an address, or none.
    pub fn listen_addresses(&self) -> Result<Vec<SocketAddr>, GateError> {
        if self.server.listen.is_empty() {
            return Err(GateError::ConfigValue {
                key: "server.listen".into(),
                problem: ConfigProblem::NoListenAddress,
            });
        }
        self.server
            .listen
            .iter()
            .enumerate()
            .map(|(i, a)| {
                a.parse().map_err(|_| GateError::ConfigValue {
                    key: format!("server.listen[{i}]"),
                    problem: ConfigProblem::NotAnAddress,
                })
            })
            .collect()
    }

    /// The metrics address, when configured.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.server.metrics.as_deref().and_then(|m| m.parse().ok())
    }

    /// How often watched files are looked at (1 s by default).
    ///
    /// # Errors
    /// [`GateError::ConfigValue`] when it is not a duration, or zero.
    pub fn reload_interval(&self) -> Result<Duration, GateError> {
        duration_or(
            "server.reload_interval",
            self.server.reload_interval.as_deref(),
            Duration::from_secs(1),
        )
    }

    /// The session keys' settings: `server.session_keys` (resolved) and
    /// `server.session_key_rotation` (default [`crate::session::DEFAULT_KEY_ROTATION`]).
    ///
    /// # Errors
    /// [`GateError::ConfigValue`] for a rotation that is not a duration, or zero.
    pub fn session_keys(&self) -> Result<crate::session::SessionKeysBuilder, GateError> {
        let rotation = duration_or(
            "server.session_key_rotation",
            self.server.session_key_rotation.as_deref(),
            crate::session::DEFAULT_KEY_ROTATION,
        )?;
        let mut builder = crate::SessionKeys::builder().with_rotation(rotation);
        if let Some(dir) = &self.server.session_keys {
            builder = builder.with_dir(self.resolve(dir));
        }
        Ok(builder)
    }

    /// The limits, defaults filled in.
    ///
    /// # Errors
    /// [`GateError::ConfigValue`] for a duration that cannot be read or a zero count.
    pub fn limits(&self) -> Result<Limits, GateError> {
        let d = Limits::default();
        let l = &self.limits;
        let count = |key: &str, v: Option<usize>, default: usize| match v {
            Some(0) => Err(GateError::ConfigValue {
                key: format!("limits.{key}"),
                problem: ConfigProblem::OutOfRange,
            }),
            v => Ok(v.unwrap_or(default)),
        };
        let dur = |key: &str, v: &Option<String>, default| {
            duration_or(&format!("limits.{key}"), v.as_deref(), default)
        };
        Ok(Limits {
            max_connections: count("max_connections", l.max_connections, d.max_connections)?,
            max_header_bytes: count("max_header_bytes", l.max_header_bytes, d.max_header_bytes)?,
            max_headers: count("max_headers", l.max_headers, d.max_headers)?,
            handshake_timeout: dur(
                "handshake_timeout",
                &l.handshake_timeout,
                d.handshake_timeout,
            )?,
            header_read_timeout: dur(
                "header_read_timeout",
                &l.header_read_timeout,
                d.header_read_timeout,
            )?,
            idle_timeout: dur("idle_timeout", &l.idle_timeout, d.idle_timeout)?,
            origin_connect_timeout: dur(
                "origin_connect_timeout",
                &l.origin_connect_timeout,
                d.origin_connect_timeout,
            )?,
            origin_response_timeout: dur(
                "origin_response_timeout",
                &l.origin_response_timeout,
                d.origin_response_timeout,
            )?,
            shutdown_grace: dur("shutdown_grace", &l.shutdown_grace, d.shutdown_grace)?,
        })
    }

    /// A path from the file, resolved against its directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_owned()
        } else {
            self.base_dir.join(path)
        }
    }
}

fn duration_or(key: &str, value: Option<&str>, default: Duration) -> Result<Duration, GateError> {
    match value {
        None => Ok(default),
        Some(text) => parse_duration(text)
            .filter(|d| !d.is_zero())
            .ok_or_else(|| GateError::ConfigValue {
                key: key.into(),
                problem: ConfigProblem::NotADuration,
            }),
    }
}

/// Reads `500ms`, `10s`, `5m`, `1h` or `7d` (a whole number and a unit), as the policy
/// files' durations read.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => n.checked_mul(60).map(Duration::from_secs),
        "h" => n.checked_mul(3600).map(Duration::from_secs),
        "d" => n.checked_mul(86_400).map(Duration::from_secs),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("1w"), None);
        assert_eq!(parse_duration(&format!("{}d", u64::MAX)), None);
    }

    #[test]
    fn crl_urls_and_their_settings_are_checked() {
        let with = |trust: &str| {
            let text = format!(
                "[server]\nlisten = [\"127.0.0.1:1\"]\n[[host]]\nname = \"a\"\ncertificate = \"c\"\n\
                 key = \"k\"\norigin = \"http://127.0.0.1:9\"\npolicy = \"p\"\n[host.trust]\nca = \"ca\"\n{trust}\n"
            );
            GateConfig::from_toml(&text, Path::new("gate.toml"), PathBuf::new())
        };
        let ok = with(
            "crl_urls = [\"http://pki.example.com/r.crl\", \"https://[::1]:8443/r.crl\"]\n\
             crl_fetch_interval = \"10s\"\ncrl_fetch_timeout = \"2s\"\ncrl_fetch_ca = \"web.pem\"",
        )
        .unwrap();
        let fetch = ok.hosts[0].trust.crl_fetch("t").unwrap();
        assert_eq!(fetch.urls.len(), 2);
        assert_eq!(fetch.interval, Duration::from_secs(10));
        let defaults = with("crl_urls = [\"http://h/r.crl\"]").unwrap();
        let fetch = defaults.hosts[0].trust.crl_fetch("t").unwrap();
        assert_eq!(fetch.interval, Duration::from_secs(300));
        assert_eq!(fetch.timeout, Duration::from_secs(30));
        for (trust, key, problem) in [
            (
                "crl_urls = [\"ftp://h/r.crl\"]",
                "crl_urls[0]",
                ConfigProblem::NotACrlUrl,
            ),
            (
                "crl_urls = [\"http://h/a\", \"http://h/a\"]",
                "crl_urls[1]",
                ConfigProblem::DuplicateCrlUrl,
            ),
            (
                "crl_fetch_interval = \"500ms\"",
                "crl_fetch_interval",
                ConfigProblem::OutOfRange,
            ),
            (
                "crl_fetch_interval = \"2h\"\ncrl_fetch_timeout = \"6m\"",
                "crl_fetch_timeout",
                ConfigProblem::OutOfRange,
            ),
            (
                "crl_fetch_interval = \"soon\"",
                "crl_fetch_interval",
                ConfigProblem::NotADuration,
            ),
        ] {
            match with(trust) {
                Err(GateError::ConfigValue { key: k, problem: p }) => {
                    assert_eq!(k, format!("host[0].trust.{key}"), "{trust}");
                    assert_eq!(p, problem, "{trust}");
                }
                other => panic!("{trust}: {other:?}"),
            }
        }
        let err = with("crl_url = \"http://h/r.crl\"").unwrap_err();
        assert!(err.to_string().contains("crl_url"), "{err}");
    }

    #[test]
    fn workers_are_one_to_the_maximum() {
        let with = |server: &str| {
            let text = format!(
                "[server]\nlisten = [\"127.0.0.1:1\"]\n{server}\n[[host]]\nname = \"a\"\n\
                 certificate = \"c\"\nkey = \"k\"\norigin = \"http://127.0.0.1:9\"\n\
                 policy = \"p\"\n[host.trust]\nca = \"ca\"\n"
            );
            GateConfig::from_toml(&text, Path::new("gate.toml"), PathBuf::new())
        };
        assert_eq!(with("").unwrap().server.workers, None);
        assert_eq!(with("workers = 1").unwrap().server.workers, Some(1));
        assert_eq!(with("workers = 1024").unwrap().server.workers, Some(1024));
        for bad in ["workers = 0", "workers = 1025"] {
            match with(bad) {
                Err(GateError::ConfigValue { key, problem }) => {
                    assert_eq!(key, "server.workers", "{bad}");
                    assert_eq!(problem, ConfigProblem::OutOfRange, "{bad}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(matches!(
            with("workers = -1"),
            Err(GateError::ConfigSyntax { .. })
        ));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let text = "[server]\nlisten = [\"127.0.0.1:1\"]\nlisten_to = 1\n";
        let err = GateConfig::from_toml(text, Path::new("gate.toml"), PathBuf::new()).unwrap_err();
        assert!(err.to_string().contains("listen_to"), "{err}");
    }
}
