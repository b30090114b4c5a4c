//! The `crl_urls`, `crl_fetch_interval`, `crl_fetch_timeout` and `crl_fetch_ca` keys of
//! `[host.trust]`, read and checked.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use http::Uri;

use crate::config::{TrustSection, parse_duration};
use crate::error::{ConfigProblem, GateError};

/// How often a URL is fetched when the configuration does not say.
pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// The shortest interval: once a second is already more than a CRL needs (CAs publish
/// hours apart), and below it a gate would hammer the distribution point.
pub(crate) const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// The longest interval: CRLs commonly live a day or a week; fetching less than daily
/// would leave a revocation unseen for longer than anyone expects.
pub(crate) const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);
/// Time for one fetch when the configuration does not say: a large CRL over a slow link.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest timeout: a fetch that hangs longer is broken, and holds a connection.
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// A CRL distribution point URL, checked: `http` or `https`, with a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CrlUrl {
    text: String,
    uri: Uri,
}

impl CrlUrl {
    fn parse(text: &str) -> Option<Self> {
        let uri: Uri = text.parse().ok()?;
        let https = match uri.scheme_str()? {
            "http" => false,
            "https" => true,
            _ => return None,
        };
        let host = uri.host().filter(|h| !h.is_empty())?;
        // A name TLS can check, when it must.
        if https && rustls_pki_types::ServerName::try_from(unbracket(host)).is_err() {
            return None;
        }
        Some(Self {
            text: text.to_owned(),
            uri,
        })
    }

    /// As configured: the source name in the revocation store, and the metrics label.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn uri(&self) -> &Uri {
        &self.uri
    }

    pub(crate) fn is_https(&self) -> bool {
        self.uri.scheme_str() == Some("https")
    }

    /// The host to connect to (an IPv6 address without its brackets).
    pub(crate) fn host(&self) -> &str {
        self.uri.host().map(unbracket).unwrap_or_default()
    }

    pub(crate) fn port(&self) -> u16 {
        self.uri
            .port_u16()
            .unwrap_or(if self.is_https() { 443 } else { 80 })
    }
}

fn unbracket(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

/// A host's CRL fetching: its URLs (none: nothing fetched) and how.
#[derive(Clone, Debug, Default)]
pub(crate) struct CrlFetch {
    pub(crate) urls: Vec<CrlUrl>,
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
    /// For `https` URLs: the roots (`crl_fetch_ca`, or the system's).
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
}

pub(crate) fn bounded(
    key: String,
    value: Option<&str>,
    default: Duration,
    min: Duration,
    max: Duration,
) -> Result<Duration, GateError> {
    let Some(text) = value else {
        return Ok(default);
    };
    let d = parse_duration(text).ok_or_else(|| GateError::ConfigValue {
        key: key.clone(),
        problem: ConfigProblem::NotADuration,
    })?;
    if d < min || d > max {
        return Err(GateError::ConfigValue {
            key,
            problem: ConfigProblem::OutOfRange,
        });
    }
    Ok(d)
}

impl TrustSection {
    /// The CRL fetching settings without the TLS roots (what the configuration check
    /// needs); `key` names the section in errors.
    pub(crate) fn crl_fetch(&self, key: &str) -> Result<CrlFetch, GateError> {
        let mut urls: Vec<CrlUrl> = Vec::new();
        for (i, text) in self.crl_urls.iter().enumerate() {
            let bad = |problem| GateError::ConfigValue {
                key: format!("{key}.crl_urls[{i}]"),
                problem,
            };
            let url = CrlUrl::parse(text).ok_or_else(|| bad(ConfigProblem::NotACrlUrl))?;
            if urls.contains(&url) {
                return Err(bad(ConfigProblem::DuplicateCrlUrl));
            }
            urls.push(url);
        }
        let interval = bounded(
            format!("{key}.crl_fetch_interval"),
            self.crl_fetch_interval.as_deref(),
            DEFAULT_INTERVAL,
            MIN_INTERVAL,
            MAX_INTERVAL,
        )?;
        let timeout = bounded(
            format!("{key}.crl_fetch_timeout"),
            self.crl_fetch_timeout.as_deref(),
            DEFAULT_TIMEOUT,
            Duration::from_millis(1),
            MAX_TIMEOUT,
        )?;
        Ok(CrlFetch {
            urls,
            interval,
            timeout,
            tls: None,
        })
    }
}

/// The TLS client configuration for `https` CRL URLs: roots from `ca_file`, or the
/// system's when there is none.
pub(crate) fn client_tls(
    host: &str,
    ca_file: Option<&Path>,
    provider: &Arc<rustls::crypto::CryptoProvider>,
) -> Result<Arc<rustls::ClientConfig>, GateError> {
    let mut roots = rustls::RootCertStore::empty();
    let bad_roots = || GateError::ConfigValue {
        key: format!("host {host}: trust.crl_fetch_ca"),
        problem: ConfigProblem::NoCrlFetchRoots,
    };
    match ca_file {
        Some(path) => {
            for cert in crate::files::certificates(path, "CRL fetch CA file")? {
                roots.add(cert).map_err(|_| bad_roots())?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
        }
    }
    if roots.is_empty() {
        return Err(bad_roots());
    }
    let tls_err = |e: rustls::Error| GateError::Tls {
        host: host.to_owned(),
        source: Box::new(e),
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::clone(provider))
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        assert!(CrlUrl::parse("http://pki.example.com/root.crl").is_some());
        let v6 = CrlUrl::parse("https://[::1]:8443/r.crl").unwrap();
        assert_eq!((v6.host(), v6.port()), ("::1", 8443));
        assert_eq!(CrlUrl::parse("http://h/x").unwrap().port(), 80);
        for bad in [
            "ftp://h/x",
            "/root.crl",
            "file:///etc/x.crl",
            "http:///x",
            "ldap://h",
        ] {
            assert!(CrlUrl::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn intervals_are_bounded() {
        let d = Duration::from_secs(1);
        let max = Duration::from_secs(10);
        let key = || "k".to_owned();
        assert_eq!(bounded(key(), None, d, d, max).unwrap(), d);
        assert_eq!(bounded(key(), Some("5s"), d, d, max).unwrap(), 5 * d);
        assert!(bounded(key(), Some("500ms"), d, d, max).is_err());
        assert!(bounded(key(), Some("1m"), d, d, max).is_err());
        assert!(bounded(key(), Some("soon"), d, d, max).is_err());
    }
}
