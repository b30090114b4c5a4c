//! The origin side: HTTP/1.1 with a keep-alive pool of our own ([`OriginPool`]), over
//! TCP or a Unix socket; bodies stream both ways; WebSocket upgrades pass through once
//! decided.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::{Request, Response, StatusCode, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpStream, UnixStream};

use crate::origin_pool::OriginPool;

/// Where allowed requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `http://HOST:PORT[/prefix]`.
    Tcp {
        /// `HOST:PORT`.
        authority: String,
        /// A path prefix, without a trailing `/` (empty for none).
        prefix: String,
    },
    /// `unix:/PATH`.
    Unix {
        /// The socket.
        path: PathBuf,
    },
}

impl Origin {
    /// Reads an origin URL; `None` when it is neither form.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(path) = text.strip_prefix("unix:") {
            return (!path.is_empty()).then(|| Self::Unix { path: path.into() });
        }
        let rest = text.strip_prefix("http://")?;
        let (authority, prefix) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let uri: Uri = format!("http://{authority}/").parse().ok()?;
        uri.port_u16()?;
        if uri.host().is_none_or(str::is_empty) || prefix.contains(['?', '#']) {
            return None;
        }
        Some(Self::Tcp {
            authority: authority.to_owned(),
            prefix: prefix.trim_end_matches('/').to_owned(),
        })
    }

    /// The URI a request for `path_and_query` (normalised, starting with `/`) is sent
    /// with: origin-form (RFC 9112 section 3.2.1), the prefix first; the connection
    /// already goes to the origin and the `Host` field names the site.
    pub(crate) fn uri_for(&self, path_and_query: &str) -> Option<Uri> {
        match self {
            Self::Tcp { prefix, .. } if !prefix.is_empty() => {
                format!("{prefix}{path_and_query}").parse().ok()
            }
            _ => path_and_query.parse().ok(),
        }
    }
}

/// A keep-alive pool to one origin.
#[derive(Clone, Debug)]
pub(crate) struct OriginClient {
    origin: Arc<Origin>,
    connector: OriginConnector,
    pool: Arc<OriginPool>,
    response_timeout: Duration,
}

/// Why the origin gave no response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OriginFailure {
    /// Could not connect, or the connection broke: 502.
    Unreachable,
    /// No response head in time: 504.
    Timeout,
}

impl OriginFailure {
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Self::Unreachable => StatusCode::BAD_GATEWAY,
            Self::Timeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    pub(crate) fn id(self) -> &'static str {
        match self {
            Self::Unreachable => "origin-unreachable",
            Self::Timeout => "origin-timeout",
        }
    }
}

fn unreachable(what: &str, error: &dyn std::fmt::Display) -> OriginFailure {
    tracing::debug!(error = %error, "origin {what} failed");
    OriginFailure::Unreachable
}

impl OriginClient {
    pub(crate) fn new(
        origin: Origin,
        connect_timeout: Duration,
        response_timeout: Duration,
    ) -> Self {
        let origin = Arc::new(origin);
        Self {
            connector: OriginConnector {
                origin: Arc::clone(&origin),
                connect_timeout,
            },
            origin,
            pool: Arc::default(),
            response_timeout,
        }
    }

    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Sends `req` (its URI already the origin's) and waits for the response head.
    pub(crate) async fn send(
        &self,
        req: Request<Incoming>,
    ) -> Result<Response<Incoming>, OriginFailure> {
        match tokio::time::timeout(self.response_timeout, self.exchange(req)).await {
            Ok(result) => result,
            Err(_) => Err(OriginFailure::Timeout),
        }
    }

    /// On a pooled connection when one is ready, else on a new one; a request a pooled
    /// connection could not send (the origin closed it while it was idle) goes on a new
    /// one, as nothing of it was sent.
    async fn exchange(
        &self,
        mut req: Request<Incoming>,
    ) -> Result<Response<Incoming>, OriginFailure> {
        if let Some(mut sender) = self.pool.take(Instant::now()) {
            match sender.try_send_request(req).await {
                Ok(response) => return Ok(self.received(sender, response)),
                Err(mut e) => match e.take_message() {
                    Some(unsent) => req = unsent,
                    None => return Err(unreachable("request", e.error())),
                },
            }
        }
        let io = self
            .connector
            .connect()
            .await
            .map_err(|e| unreachable("connect", &e))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| unreachable("handshake", &e))?;
        tokio::spawn(async move {
            if let Err(e) = conn.with_upgrades().await {
                tracing::debug!(error = %e, "origin connection ended");
            }
        });
        let response = sender
            .send_request(req)
            .await
            .map_err(|e| unreachable("request", &e))?;
        Ok(self.received(sender, response))
    }

    /// The connection goes back to the pool, unless the response switched it to
    /// another protocol.
    fn received(
        &self,
        sender: SendRequest<Incoming>,
        response: Response<Incoming>,
    ) -> Response<Incoming> {
        if response.status() != StatusCode::SWITCHING_PROTOCOLS {
            self.pool.give_back(sender, Instant::now());
        }
        response
    }
}

/// Connects to the origin, whatever the request URI says: TCP or the Unix socket.
#[derive(Clone, Debug)]
pub(crate) struct OriginConnector {
    origin: Arc<Origin>,
    connect_timeout: Duration,
}

impl OriginConnector {
    async fn connect(&self) -> io::Result<OriginIo> {
        let connect = async {
            match &*self.origin {
                Origin::Tcp { authority, .. } => {
                    let stream = TcpStream::connect(authority.as_str()).await?;
                    stream.set_nodelay(true)?;
                    Ok(OriginIo::Tcp(TokioIo::new(stream)))
                }
                Origin::Unix { path } => Ok(OriginIo::Unix(TokioIo::new(
                    UnixStream::connect(path).await?,
                ))),
            }
        };
        tokio::time::timeout(self.connect_timeout, connect)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "origin connect timed out"))?
    }
}

/// A connection to the origin.
#[derive(Debug)]
pub(crate) enum OriginIo {
    Tcp(TokioIo<TcpStream>),
    Unix(TokioIo<UnixStream>),
}

impl hyper::rt::Read for OriginIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_read(cx, buf),
            Self::Unix(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl hyper::rt::Write for OriginIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_write(cx, buf),
            Self::Unix(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_flush(cx),
            Self::Unix(io) => Pin::new(io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_shutdown(cx),
            Self::Unix(io) => Pin::new(io).poll_shutdown(cx),
        }
    }
}

/// After a `101 Switching Protocols`, joins the client's and the origin's upgraded
/// connections until either side closes.
pub(crate) fn splice_upgrade(client: hyper::upgrade::OnUpgrade, origin: hyper::upgrade::OnUpgrade) {
    tokio::spawn(async move {
        let (Ok(client), Ok(origin)) = (client.await, origin.await) else {
            tracing::debug!("upgrade failed on one side");
            return;
        };
        let mut client = TokioIo::new(client);
        let mut origin = TokioIo::new(origin);
        if let Err(e) = tokio::io::copy_bidirectional(&mut client, &mut origin).await {
            tracing::debug!(error = %e, "upgraded connection ended");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            Origin::parse("http://127.0.0.1:8081"),
            Some(Origin::Tcp {
                authority: "127.0.0.1:8081".into(),
                prefix: String::new()
            })
        );
        assert_eq!(
            Origin::parse("http://app:80/base/"),
            Some(Origin::Tcp {
                authority: "app:80".into(),
                prefix: "/base".into()
            })
        );
        assert_eq!(
            Origin::parse("unix:/run/app.sock"),
            Some(Origin::Unix {
                path: "/run/app.sock".into()
            })
        );
        let prefixed = Origin::parse("http://app:80/base/").unwrap();
        assert_eq!(prefixed.uri_for("/x?y=1").unwrap(), "/base/x?y=1");
        let plain = Origin::parse("http://app:80").unwrap();
        assert_eq!(plain.uri_for("/x").unwrap(), "/x");
        let unix = Origin::parse("unix:/run/app.sock").unwrap();
        assert_eq!(unix.uri_for("/").unwrap(), "/");
        for bad in [
            "https://a:1",
            "http://a",
            "http://:80",
            "unix:",
            "ftp://a:1",
            "http://a:1/x?y",
        ] {
            assert_eq!(Origin::parse(bad), None, "{bad}");
        }
    }
}
