//! One conditional GET of a CRL URL, over a connection of its own (one request every few
//! minutes needs no pool): hyper 1's HTTP/1.1 client on hyper-util's tokio adapter, TLS
//! by tokio-rustls for `https`. Redirects are not followed (a distribution point is the
//! URL in the certificates; a 3xx counts as a failed fetch).

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::{CrlUrl, FetchResult, MAX_CRL_FETCH_BYTES};

/// A new body and the validators that came with it.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) bytes: Bytes,
    pub(crate) etag: Option<HeaderValue>,
    pub(crate) last_modified: Option<HeaderValue>,
}

/// What the server answered.
#[derive(Debug)]
pub(crate) enum Answer {
    /// 304.
    NotModified,
    /// 200.
    Body(Fetched),
}

/// Why a fetch failed.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) result: FetchResult,
    pub(crate) detail: String,
}

fn fail(result: FetchResult, detail: impl std::fmt::Display) -> Failure {
    Failure {
        result,
        detail: detail.to_string(),
    }
}

/// GETs `url`, conditionally when validators of the last good answer are given.
pub(crate) async fn get(
    url: &CrlUrl,
    tls: Option<&Arc<rustls::ClientConfig>>,
    etag: Option<&HeaderValue>,
    last_modified: Option<&HeaderValue>,
) -> Result<Answer, Failure> {
    let connect = |e| fail(FetchResult::ConnectError, e);
    let tcp = TcpStream::connect((url.host(), url.port()))
        .await
        .map_err(connect)?;
    let _ = tcp.set_nodelay(true);
    if !url.is_https() {
        return exchange(tcp, url, etag, last_modified).await;
    }
    let Some(tls) = tls else {
        return Err(fail(FetchResult::ConnectError, "no TLS roots for https"));
    };
    let name = rustls_pki_types::ServerName::try_from(url.host().to_owned())
        .map_err(|e| fail(FetchResult::ConnectError, e))?;
    let stream = tokio_rustls::TlsConnector::from(Arc::clone(tls))
        .connect(name, tcp)
        .await
        .map_err(connect)?;
    exchange(stream, url, etag, last_modified).await
}

async fn exchange<S>(
    stream: S,
    url: &CrlUrl,
    etag: Option<&HeaderValue>,
    last_modified: Option<&HeaderValue>,
) -> Result<Answer, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let broken = |e: hyper::Error| fail(FetchResult::ConnectError, e);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(broken)?;
    // The connection is driven beside the request; it ends with this fetch, also when
    // the fetch is dropped at its timeout.
    let _driver = AbortOnDrop(tokio::spawn(conn));
    async {
        let response = sender
            .send_request(request(url, etag, last_modified)?)
            .await
            .map_err(broken)?;
        match response.status() {
            StatusCode::NOT_MODIFIED => Ok(Answer::NotModified),
            StatusCode::OK => read_body(response).await.map(Answer::Body),
            other => Err(fail(FetchResult::HttpStatus, other)),
        }
    }
    .await
}

/// Aborts a task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn request(
    url: &CrlUrl,
    etag: Option<&HeaderValue>,
    last_modified: Option<&HeaderValue>,
) -> Result<Request<Empty<Bytes>>, Failure> {
    let target = url.uri().path_and_query().map_or("/", |p| p.as_str());
    let authority = url.uri().authority().map_or("", |a| a.as_str());
    let mut builder = Request::get(target)
        .header(header::HOST, authority)
        .header(header::USER_AGENT, "certgate-gate")
        .header(header::ACCEPT, "application/pkix-crl, */*")
        .header(header::CONNECTION, "close");
    if let Some(v) = etag {
        builder = builder.header(header::IF_NONE_MATCH, v);
    }
    if let Some(v) = last_modified {
        builder = builder.header(header::IF_MODIFIED_SINCE, v);
    }
    builder
        .body(Empty::new())
        .map_err(|e| fail(FetchResult::ConnectError, e))
}

async fn read_body(response: http::Response<hyper::body::Incoming>) -> Result<Fetched, Failure> {
    let too_big = || {
        fail(
            FetchResult::TooLarge,
            format!("the body is larger than {MAX_CRL_FETCH_BYTES} bytes"),
        )
    };
    let declared = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_CRL_FETCH_BYTES as u64) {
        return Err(too_big());
    }
    let etag = response.headers().get(header::ETAG).cloned();
    let last_modified = response.headers().get(header::LAST_MODIFIED).cloned();
    let bytes = Limited::new(response.into_body(), MAX_CRL_FETCH_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                too_big()
            } else {
                fail(FetchResult::ConnectError, e)
            }
        })?
        .to_bytes();
    Ok(Fetched {
        bytes,
        etag,
        last_modified,
    })
}
