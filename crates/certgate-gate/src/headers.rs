//! Identity to the origin, spoof-proof: every copy of the identity headers a client sent
//! is removed, then the gate's own are set.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use std::net::SocketAddr;

use certgate_verify::ClientCertInfo;

use crate::decide::GateDecision;

/// RFC 9440: the client certificate, a structured-field byte sequence.
pub const CLIENT_CERT: &str = "client-cert";
/// RFC 9440: the chain the client sent after its certificate.
pub const CLIENT_CERT_CHAIN: &str = "client-cert-chain";
/// Cloudflare's SHA-256 of the certificate, hex.
pub const CF_CLIENT_CERT_SHA256: &str = "cf-client-cert-sha256";
/// Cloudflare's certificate, base64 DER.
pub const CF_CLIENT_CERT_DER_BASE64: &str = "cf-client-cert-der-base64";
/// The certificate's subject, RFC 4514.
pub const CERTGATE_SUBJECT: &str = "certgate-subject";
/// The policy that let the request in.
pub const CERTGATE_POLICY: &str = "certgate-policy";
/// `allow` or `bypass`.
pub const CERTGATE_DECISION: &str = "certgate-decision";

/// Header names (lowercase; hyper gives names lowercased) and prefixes that only the
/// gate may set. A client's copies, in any case and any number, are dropped.
const OWNED_PREFIXES: &[&str] = &[
    "cf-client-cert",
    "certgate-",
    "client-cert",
    "x-forwarded-",
    "cf-access-",
];
const OWNED_NAMES: &[&str] = &[
    "forwarded",
    "x-real-ip",
    "x-client-verify",
    "ssl-client-cert",
];

/// Hop-by-hop fields (RFC 9110 section 7.6.1), not forwarded.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
];

/// Whether the gate owns the header `name` (a client's copy is dropped). `_` counts as
/// `-`: origins that read headers CGI-style (WSGI, PHP, Rack) see `Certgate_Subject` as
/// `Certgate-Subject`.
pub fn is_owned(name: &str) -> bool {
    if name.contains('_') {
        return is_owned(&name.replace('_', "-"));
    }
    OWNED_NAMES.contains(&name) || OWNED_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Removes the identity headers a client sent, and hop-by-hop fields (keeping
/// `Connection: upgrade` and `Upgrade` when `upgrade` is true).
pub(crate) fn strip_inbound(headers: &mut HeaderMap, upgrade: bool) {
    // Fields named by Connection are hop-by-hop too.
    let named: Vec<HeaderName> = headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .filter(|n| !upgrade || n != http::header::UPGRADE)
        .collect();
    let drop: Vec<HeaderName> = headers
        .keys()
        .filter(|n| {
            let n = n.as_str();
            is_owned(n)
                || (HOP_BY_HOP.contains(&n) && !(upgrade && (n == "connection" || n == "upgrade")))
        })
        .cloned()
        .chain(named)
        .collect();
    for name in drop {
        headers.remove(&name);
    }
}

/// `X-Forwarded-For` and `Forwarded` of one peer: the same on every request of a
/// connection, so the gate's server makes them once per connection.
#[derive(Clone, Debug)]
pub(crate) struct PeerHeaders {
    forwarded_for: Option<HeaderValue>,
    forwarded: Option<HeaderValue>,
}

impl PeerHeaders {
    pub(crate) fn of(peer: &SocketAddr) -> Self {
        let ip = peer.ip().to_string();
        let forwarded = if peer.is_ipv6() {
            format!("for=\"[{ip}]\";proto=https")
        } else {
            format!("for={ip};proto=https")
        };
        Self {
            forwarded_for: HeaderValue::try_from(ip).ok(),
            forwarded: HeaderValue::try_from(forwarded).ok(),
        }
    }
}

/// Sets `X-Forwarded-*`, `Forwarded` and the decision's headers.
pub(crate) fn set_forwarding(
    headers: &mut HeaderMap,
    peer: &PeerHeaders,
    decision: &GateDecision,
    host: &str,
) {
    // Names checked once, at compile time (`from_static` checks each call).
    const FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
    const PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
    const HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
    const FORWARDED: HeaderName = HeaderName::from_static("forwarded");
    const DECISION: HeaderName = HeaderName::from_static(CERTGATE_DECISION);
    const POLICY: HeaderName = HeaderName::from_static(CERTGATE_POLICY);
    let mut set = |name: HeaderName, value: Option<HeaderValue>| {
        if let Some(v) = value {
            headers.insert(name, v);
        }
    };
    set(FOR, peer.forwarded_for.clone());
    set(PROTO, Some(HeaderValue::from_static("https")));
    if !host.is_empty() {
        set(HOST, HeaderValue::try_from(host).ok());
    }
    set(FORWARDED, peer.forwarded.clone());
    set(
        DECISION,
        Some(HeaderValue::from_static(decision.outcome.as_str())),
    );
    if let Some(policy) = &decision.policy {
        set(POLICY, HeaderValue::try_from(policy.as_str()).ok());
    }
}

/// The headers that carry a client certificate to the origin (RFC 9440 `Client-Cert`,
/// Cloudflare's two, `Certgate-Subject`), encoded once per verdict: a connection
/// reuses them on every request until its verdict changes.
#[derive(Debug, Default)]
pub(crate) struct CertHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The certificate's SHA-256 in hex, for the decision line (empty without one).
    pub(crate) fingerprint: String,
    /// Its serial in hex, for the decision line (empty without one).
    pub(crate) serial: String,
}

impl CertHeaders {
    /// The headers for `cert`: none unless it is verified (and not revoked) now; its
    /// fingerprint and serial whatever its verdict.
    pub(crate) fn of(cert: &ClientCertInfo) -> Self {
        let fingerprint = cert
            .fingerprint_sha256()
            .map(|f| f.to_hex())
            .unwrap_or_default();
        let serial = cert.serial_hex().unwrap_or_default();
        let mut out = Vec::with_capacity(4);
        if !cert.verified() {
            return Self {
                headers: out,
                fingerprint,
                serial,
            };
        }
        let mut push = |name: &'static str, value: String| {
            if let Ok(v) = HeaderValue::try_from(value) {
                out.push((HeaderName::from_static(name), v));
            }
        };
        if let Some(der) = cert.der() {
            let b64 = STANDARD.encode(der);
            push(CLIENT_CERT, format!(":{b64}:"));
            push(CF_CLIENT_CERT_DER_BASE64, b64);
        }
        if !fingerprint.is_empty() {
            push(CF_CLIENT_CERT_SHA256, fingerprint.clone());
        }
        if let Some(subject) = cert.subject_rfc4514() {
            push(CERTGATE_SUBJECT, subject);
        }
        Self {
            headers: out,
            fingerprint,
            serial,
        }
    }

    /// Sets them on a request (replacing any of the same name).
    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
    }
}

/// Sets RFC 9440's `Client-Cert-Chain` from the certificates the client sent after its
/// own.
pub(crate) fn set_chain(headers: &mut HeaderMap, chain: &[impl AsRef<[u8]>]) {
    if chain.is_empty() {
        return;
    }
    let value = chain
        .iter()
        .map(|c| format!(":{}:", STANDARD.encode(c.as_ref())))
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(v) = HeaderValue::try_from(value) {
        headers.insert(HeaderName::from_static(CLIENT_CERT_CHAIN), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_names() {
        for n in [
            "client-cert",
            "client-cert-chain",
            "cf-client-cert-sha256",
            "certgate-subject",
            "x-forwarded-for",
            "forwarded",
        ] {
            assert!(is_owned(n), "{n}");
        }
        for n in [
            "certgate_subject",
            "x_forwarded_for",
            "client_cert",
            "cf_client-cert",
        ] {
            assert!(is_owned(n), "{n}");
        }
        for n in ["accept", "cookie", "x-request-id", "x_request_id"] {
            assert!(!is_owned(n), "{n}");
        }
    }

    #[test]
    fn strips_every_copy_and_connection_named_fields() {
        let mut h = HeaderMap::new();
        h.append("Certgate-Subject", HeaderValue::from_static("CN=admin"));
        h.append("certgate-subject", HeaderValue::from_static("CN=admin2"));
        h.append("X-Forwarded-For", HeaderValue::from_static("10.0.0.1"));
        h.append("connection", HeaderValue::from_static("close, x-secret"));
        h.append("x-secret", HeaderValue::from_static("1"));
        h.append("accept", HeaderValue::from_static("*/*"));
        strip_inbound(&mut h, false);
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(h.contains_key("accept"));
    }
}
