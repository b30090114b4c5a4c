//! Per-host trust by SNI: each hostname gets its own `ServerConfig` (its own trust
//! anchors, verifier and resumption policy), chosen from the ClientHello before the
//! handshake goes on, as Cloudflare Access ties each CA to hostnames.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};

use crate::tls::resumption::{Resumption, apply_resumption};
use crate::{ClientVerifier, HostPatternProblem, VerifyError};

/// The longest DNS name in its textual form without the trailing dot (RFC 1035 2.3.4:
/// 255 octets on the wire, two of which are the first length octet and the root label).
const MAX_NAME_LEN: usize = 253;

/// The longest DNS label (RFC 1035 2.3.4).
const MAX_LABEL_LEN: usize = 63;

/// Chooses a `ServerConfig` by the name a client asked for (SNI).
///
/// Lookup: the exact name first, then a `*.` wildcard pattern, which covers exactly one
/// leftmost label as a certificate wildcard does (`*.b.example.com` covers
/// `x.b.example.com`, not `b.example.com` nor `y.x.b.example.com`). Names are compared
/// without regard to ASCII case, and a trailing dot is ignored. A client that sends no
/// name (one connecting to an IP address) or an unknown name gets the default config,
/// or `None` when there is none: refuse the connection.
///
/// Use [`HostTrust::select`] with rustls' `Acceptor` or `tokio_rustls::LazyConfigAcceptor`;
/// `examples/host_trust.rs` in this crate is a small tokio server doing that.
///
/// ```ignore
/// let trust = HostTrust::builder()
///     .with_host("a.example.com", config_for_ca_a)?
///     .with_host("*.b.example.com", config_for_ca_b)?
///     .build()?;
/// let start = LazyConfigAcceptor::new(Acceptor::default(), tcp).await?;
/// match trust.select(&start.client_hello()) {
///     Some(config) => { let tls = start.into_stream(config).await?; /* ... */ }
///     None => { /* close the connection */ }
/// }
/// ```
#[derive(Clone, Debug)]
pub struct HostTrust {
    exact: HashMap<String, Arc<ServerConfig>>,
    /// Keyed by the suffix after `*.`.
    wildcard: HashMap<String, Arc<ServerConfig>>,
    default: Option<Arc<ServerConfig>>,
}

/// Collects hosts for a [`HostTrust`]. Start it with [`HostTrust::builder`].
#[derive(Debug)]
pub struct HostTrustBuilder {
    trust: HostTrust,
}

impl HostTrust {
    /// Starts an empty set of hosts.
    pub fn builder() -> HostTrustBuilder {
        HostTrustBuilder {
            trust: Self {
                exact: HashMap::new(),
                wildcard: HashMap::new(),
                default: None,
            },
        }
    }

    /// The config for the name in `hello`, the default, or `None` to refuse.
    pub fn select(&self, hello: &ClientHello<'_>) -> Option<Arc<ServerConfig>> {
        self.select_name(hello.server_name())
    }

    /// The config for `name` (`None`: the client sent no SNI), the default, or `None`
    /// to refuse.
    pub fn select_name(&self, name: Option<&str>) -> Option<Arc<ServerConfig>> {
        name.and_then(|name| self.lookup(&normalize(name)))
            .or_else(|| self.default.clone())
    }

    fn lookup(&self, name: &str) -> Option<Arc<ServerConfig>> {
        if let Some(config) = self.exact.get(name) {
            return Some(Arc::clone(config));
        }
        match name.split_once('.') {
            Some((first, rest)) if !first.is_empty() && !rest.is_empty() => {
                self.wildcard.get(rest).cloned()
            }
            _ => None,
        }
    }
}

impl HostTrustBuilder {
    /// Serves clients asking for `pattern` with `config`. A pattern is a hostname
    /// (`a.example.com`) or a wildcard over one leftmost label (`*.b.example.com`);
    /// case and a trailing dot do not matter. Internationalised names are given as
    /// A-labels (`xn--...`), as clients send them.
    ///
    /// # Errors
    /// [`VerifyError::BadHostPattern`] naming the pattern: an empty label, a label or
    /// name too long, a character DNS does not allow, `*` other than as the whole
    /// leftmost label, a bare `*` or `*.tld` (a wildcard needs two labels after it), or
    /// a pattern given twice.
    pub fn with_host(
        mut self,
        pattern: &str,
        config: Arc<ServerConfig>,
    ) -> Result<Self, VerifyError> {
        let bad = |problem| VerifyError::BadHostPattern {
            pattern: pattern.to_owned(),
            problem,
        };
        let normal = normalize(pattern);
        let (map, key) = match normal.strip_prefix("*.") {
            Some(suffix) => {
                check_name(suffix).map_err(bad)?;
                if !suffix.contains('.') {
                    return Err(bad(HostPatternProblem::WildcardOverTld));
                }
                (&mut self.trust.wildcard, suffix)
            }
            None if normal == "*" => {
                return Err(bad(HostPatternProblem::BareWildcard));
            }
            None => {
                check_name(&normal).map_err(bad)?;
                (&mut self.trust.exact, &*normal)
            }
        };
        match map.entry(key.to_owned()) {
            Entry::Occupied(_) => Err(bad(HostPatternProblem::Duplicate)),
            Entry::Vacant(slot) => {
                slot.insert(config);
                Ok(self)
            }
        }
    }

    /// Serves clients that send no name, or a name no pattern covers, with `config`.
    /// Without a default they are refused.
    pub fn with_default(mut self, config: Arc<ServerConfig>) -> Self {
        self.trust.default = Some(config);
        self
    }

    /// Builds the lookup tables.
    ///
    /// # Errors
    /// [`VerifyError::NoHosts`] when no host and no default were given.
    pub fn build(self) -> Result<HostTrust, VerifyError> {
        let t = self.trust;
        if t.exact.is_empty() && t.wildcard.is_empty() && t.default.is_none() {
            return Err(VerifyError::NoHosts);
        }
        Ok(t)
    }
}

/// Lower-cases ASCII and drops one trailing dot; borrows when there is nothing to do.
fn normalize(name: &str) -> Cow<'_, str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// Checks a normalised hostname without wildcard: labels of letters, digits, `-` and
/// `_` (seen in the wild), none empty, within DNS lengths.
fn check_name(name: &str) -> Result<(), HostPatternProblem> {
    if name.is_empty() {
        return Err(HostPatternProblem::EmptyName);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(HostPatternProblem::NameTooLong { max: MAX_NAME_LEN });
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err(HostPatternProblem::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(HostPatternProblem::LabelTooLong {
                label: label.to_owned(),
                max: MAX_LABEL_LEN,
            });
        }
        if label.contains('*') {
            return Err(HostPatternProblem::MisplacedWildcard);
        }
        if let Some(character) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(HostPatternProblem::CharacterNotAllowed { character });
        }
    }
    Ok(())
}

/// An mTLS `ServerConfig`: the verifier's crypto provider (aws-lc-rs unless it was built
/// with another), TLS 1.2 and 1.3, client certificates checked by `verifier`, the
/// server's certificate chosen by `resolver`, and session resumption as `resumption`
/// says (see [`apply_resumption`]).
///
/// # Errors
/// [`VerifyError::TlsConfig`] when rustls refuses the provider and versions (it does
/// not with aws-lc-rs or ring; a FIPS build may differ).
pub fn mtls_server_config(
    verifier: Arc<ClientVerifier>,
    resolver: Arc<dyn ResolvesServerCert>,
    resumption: Resumption,
) -> Result<Arc<ServerConfig>, VerifyError> {
    let provider = Arc::clone(verifier.chain_verifier().provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| VerifyError::TlsConfig {
            source: Box::new(e),
        })?
        .with_client_cert_verifier(verifier)
        .with_cert_resolver(resolver);
    apply_resumption(&mut config, resumption);
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised() {
        assert_eq!(normalize("A.Example.COM."), "a.example.com");
        assert!(matches!(normalize("a.example.com"), Cow::Borrowed(_)));
        assert_eq!(normalize("."), "");
    }

    #[test]
    fn hostname_checks() {
        assert!(check_name("a-b_c.example.com").is_ok());
        assert!(check_name("a..b").is_err());
        assert!(check_name("a.*.b").is_err());
        assert!(check_name("a b.c").is_err());
        assert!(check_name(&"a".repeat(64)).is_err());
        assert!(check_name(&["abc"; 64].join(".")).is_err());
    }
}
