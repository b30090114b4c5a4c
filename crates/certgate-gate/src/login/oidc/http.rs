//! The gate's requests to an OpenID provider (discovery, JWKS, token): hyper 1's
//! HTTP/1.1 client over one connection per request, TLS by tokio-rustls for `https`,
//! every answer bounded in size and time. Redirects are not followed.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Time for one request to a provider, connection to last byte: a provider that has not
/// answered in ten seconds leaves the user at a blank page; better a refusal page.
pub const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// An `http(s)` URL of a provider's endpoint, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProviderUrl {
    uri: Uri,
    https: bool,
    host: String,
    port: u16,
}

impl ProviderUrl {
    /// `text` when it is `https://HOST[:PORT]/...`, or `http://` to a loopback host
    /// (`127.0.0.0/8`, `::1`, `localhost`), or any `http://` when `allow_http` (the
    /// `danger` option); no user info, no fragment.
    pub(crate) fn parse(text: &str, allow_http: bool) -> Option<Self> {
        if text.contains('#') || text.contains('@') {
            return None;
        }
        let uri: Uri = text.parse().ok()?;
        let https = match uri.scheme_str()? {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let raw_host = uri.host()?;
        let host = raw_host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(raw_host)
            .to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        let loopback =
            host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if !https && !loopback && !allow_http {
            return None;
        }
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        Some(Self {
            uri,
            https,
            host,
            port,
        })
    }

    /// The URL as given.
    pub(crate) fn as_str(&self) -> String {
        self.uri.to_string()
    }

    /// Whether it is `https`.
    pub(crate) fn is_https(&self) -> bool {
        self.https
    }
}

/// Why a request to a provider failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No connection, TLS refused, or the exchange broke.
    Unreachable(String),
    /// Not done within [`PROVIDER_TIMEOUT`].
    Timeout,
    /// The body is larger than the limit.
    TooLarge,
    /// A status other than 200, with the (bounded) body.
    Status(StatusCode, Bytes),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(e) => write!(f, "unreachable: {e}"),
            Self::Timeout => f.write_str("timed out"),
            Self::TooLarge => f.write_str("answer too large"),
            Self::Status(s, _) => write!(f, "status {}", s.as_u16()),
        }
    }
}

/// A request: `GET` (no body) or `POST` of a form with HTTP Basic client credentials.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) url: &'a ProviderUrl,
    pub(crate) form: Option<(&'a str, String)>,
    pub(crate) limit: usize,
}

/// Sends `call` and reads its 200 body (at most `call.limit` bytes).
pub(crate) async fn send(
    call: Call<'_>,
    tls: Option<&Arc<rustls::ClientConfig>>,
) -> Result<Bytes, Failure> {
    match tokio::time::timeout(PROVIDER_TIMEOUT, send_now(call, tls)).await {
        Ok(result) => result,
        Err(_) => Err(Failure::Timeout),
    }
}

async fn send_now(
    call: Call<'_>,
    tls: Option<&Arc<rustls::ClientConfig>>,
) -> Result<Bytes, Failure> {
    let unreachable = |e: &dyn std::fmt::Display| Failure::Unreachable(e.to_string());
    let url = call.url;
    let tcp = TcpStream::connect((url.host.as_str(), url.port))
        .await
        .map_err(|e| unreachable(&e))?;
    let _ = tcp.set_nodelay(true);
    if !url.https {
        return exchange(tcp, call).await;
    }
    let tls = tls.ok_or_else(|| unreachable(&"no TLS roots for https"))?;
    let name =
        rustls_pki_types::ServerName::try_from(url.host.clone()).map_err(|e| unreachable(&e))?;
    let stream = tokio_rustls::TlsConnector::from(Arc::clone(tls))
        .connect(name, tcp)
        .await
        .map_err(|e| unreachable(&e))?;
    exchange(stream, call).await
}

async fn exchange<S>(stream: S, call: Call<'_>) -> Result<Bytes, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let broken = |e: &dyn std::fmt::Display| Failure::Unreachable(e.to_string());
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| broken(&e))?;
    let driver = tokio::spawn(conn);
    let result = async {
        let response = sender
            .send_request(request(&call).map_err(|e| broken(&e))?)
            .await
            .map_err(|e| broken(&e))?;
        let status = response.status();
        let declared = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > call.limit as u64) {
            return Err(Failure::TooLarge);
        }
        let body = Limited::new(response.into_body(), call.limit)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    Failure::TooLarge
                } else {
                    broken(&e)
                }
            })?
            .to_bytes();
        if status == StatusCode::OK {
            Ok(body)
        } else {
            Err(Failure::Status(status, body))
        }
    }
    .await;
    driver.abort();
    result
}

fn request(call: &Call<'_>) -> Result<Request<Full<Bytes>>, http::Error> {
    let target = call.url.uri.path_and_query().map_or("/", |p| p.as_str());
    let authority = call.url.uri.authority().map_or("", |a| a.as_str());
    let builder = Request::builder()
        .uri(target)
        .header(header::HOST, authority)
        .header(header::USER_AGENT, "certgate-gate")
        .header(header::ACCEPT, "application/json")
        .header(header::CONNECTION, "close");
    match &call.form {
        None => builder.method(Method::GET).body(Full::new(Bytes::new())),
        Some((authorization, body)) => builder
            .method(Method::POST)
            .header(header::AUTHORIZATION, *authorization)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(body.clone()))),
    }
}

/// `application/x-www-form-urlencoded` / RFC 3986 unreserved-only percent-encoding.
pub(crate) fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn http_only_to_loopback_unless_danger() {
        assert!(ProviderUrl::parse("https://accounts.example.com", false).is_some());
        assert!(ProviderUrl::parse("http://127.0.0.1:8080", false).is_some());
        assert!(ProviderUrl::parse("http://[::1]:8080/realms/x", false).is_some());
        assert!(ProviderUrl::parse("http://localhost:8080", false).is_some());
        assert!(ProviderUrl::parse("http://idp.example.com", false).is_none());
        assert!(ProviderUrl::parse("http://idp.example.com", true).is_some());
        for bad in [
            "ftp://idp.example.com",
            "https://user@idp.example.com",
            "https://idp.example.com/#x",
            "idp.example.com",
        ] {
            assert!(ProviderUrl::parse(bad, false).is_none(), "{bad}");
        }
        assert_eq!(form_encode("a b/c=d&é"), "a%20b%2Fc%3Dd%26%C3%A9");
    }
}
