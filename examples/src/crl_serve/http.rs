//! The HTTP server of a [`CrlPublisher`]: hyper 1, HTTP/1.1, graceful shutdown.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use super::{CACHE_MARGIN, CrlPublisher, Published};

/// Time in-flight requests get to finish after the shutdown signal: a CRL of tens of
/// MiB reaches a slow client in that time; longer would hold a restart.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Time for a request head to arrive: a client that takes longer holds a connection
/// for nothing (slowloris).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

impl CrlPublisher {
    /// Serves the CRLs, `/metrics` and `/healthz` on `listener` until `shutdown`
    /// resolves; then stops accepting and gives open requests [`SHUTDOWN_GRACE`].
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let tcp = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((tcp, _)) => tcp,
                    // Out of descriptors, a reset before accept: go on.
                    Err(_) => continue,
                },
                () = &mut shutdown => break,
            };
            let publisher = self.clone();
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let response = publisher.respond(&req, SystemTime::now());
                async move { Ok::<_, Infallible>(response) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(tcp), service);
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                let _ = conn.await;
            });
        }
        drop(listener);
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    }

    /// The answer to `req` at `now` (the whole server, without the socket).
    pub fn respond<B>(&self, req: &Request<B>, now: SystemTime) -> Response<Full<Bytes>> {
        let path = req.uri().path();
        let head = req.method() == Method::HEAD;
        if req.method() != Method::GET && !head {
            let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return r;
        }
        match path {
            "/metrics" => metrics_response(self.render_metrics(now)),
            "/healthz" => self.health(now),
            _ => match self.published(path) {
                None => text(StatusCode::NOT_FOUND, "no CRL here\n"),
                Some(None) => {
                    let mut r = text(StatusCode::SERVICE_UNAVAILABLE, "not published yet\n");
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                    r
                }
                Some(Some(p)) => crl_response(&p, req.headers(), head, now),
            },
        }
    }

    /// The metrics text at `now`.
    pub fn render_metrics(&self, now: SystemTime) -> String {
        let now = unix(now);
        let mut out = String::from(
            "# HELP certgate_crl_published_total CRLs published per issuer path.\n\
             # TYPE certgate_crl_published_total counter\n\
             # HELP certgate_crl_last_published_timestamp_seconds When the path's CRL was last published.\n\
             # TYPE certgate_crl_last_published_timestamp_seconds gauge\n\
             # HELP certgate_crl_this_update_timestamp_seconds The thisUpdate of the CRL served.\n\
             # TYPE certgate_crl_this_update_timestamp_seconds gauge\n\
             # HELP certgate_crl_next_update_seconds Seconds until the nextUpdate of the CRL served (negative: past).\n\
             # TYPE certgate_crl_next_update_seconds gauge\n\
             # HELP certgate_crl_number The CRL Number of the CRL served.\n\
             # TYPE certgate_crl_number gauge\n\
             # HELP certgate_crl_entries Revoked certificates listed in the CRL served.\n\
             # TYPE certgate_crl_entries gauge\n\
             # HELP certgate_crl_regeneration_failures_total Failed regenerations per issuer path (the last good CRL stays served).\n\
             # TYPE certgate_crl_regeneration_failures_total counter\n",
        );
        for (path, published) in self.read().iter() {
            let label = path.replace('\\', "\\\\").replace('"', "\\\"");
            let count = published.as_ref().map_or(0, |p| p.count);
            let _ = writeln!(
                out,
                "certgate_crl_published_total{{path=\"{label}\"}} {count}\n\
                 certgate_crl_regeneration_failures_total{{path=\"{label}\"}} {}",
                self.failures(path)
            );
            let Some(p) = published else { continue };
            let _ = writeln!(
                out,
                "certgate_crl_last_published_timestamp_seconds{{path=\"{label}\"}} {}\n\
                 certgate_crl_this_update_timestamp_seconds{{path=\"{label}\"}} {}",
                unix(p.published_at),
                p.crl.this_update.unix_seconds()
            );
            let _ = writeln!(
                out,
                "certgate_crl_entries{{path=\"{label}\"}} {}",
                p.entries
            );
            if let Some(number) = p.number {
                let _ = writeln!(out, "certgate_crl_number{{path=\"{label}\"}} {number}");
            }
            if let Some(next) = p.crl.next_update {
                let left = next.unix_seconds().saturating_sub(now);
                let _ = writeln!(
                    out,
                    "certgate_crl_next_update_seconds{{path=\"{label}\"}} {left}"
                );
            }
        }
        out
    }

    /// 200 while every path has a CRL not past its nextUpdate; 503 naming those that do not.
    fn health(&self, now: SystemTime) -> Response<Full<Bytes>> {
        let now = unix(now);
        let mut problems = String::new();
        for (path, published) in self.read().iter() {
            match published {
                None => {
                    let _ = writeln!(problems, "{path}: not published yet");
                }
                Some(p) if p.crl.next_update.is_some_and(|n| n.unix_seconds() < now) => {
                    let _ = writeln!(problems, "{path}: past its nextUpdate");
                }
                Some(_) => {}
            }
        }
        if problems.is_empty() {
            text(StatusCode::OK, "ok\n")
        } else {
            text(StatusCode::SERVICE_UNAVAILABLE, &problems)
        }
    }
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_owned())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn metrics_response(body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    r
}

/// Whether the request's validators match the CRL served: `If-None-Match` when present
/// (weak comparison, `*` included), else `If-Modified-Since` against thisUpdate.
fn not_modified(p: &Published, headers: &HeaderMap) -> bool {
    let inm: Vec<&HeaderValue> = headers.get_all(header::IF_NONE_MATCH).iter().collect();
    if !inm.is_empty() {
        return inm
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .any(|tag| tag == "*" || tag.trim_start_matches("W/") == p.etag);
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .is_some_and(|since| unix(since) >= p.crl.this_update.unix_seconds())
}

fn crl_response(
    p: &Arc<Published>,
    headers: &HeaderMap,
    head: bool,
    now: SystemTime,
) -> Response<Full<Bytes>> {
    let unchanged = not_modified(p, headers);
    let body = if unchanged || head {
        Bytes::new()
    } else {
        p.crl.der.clone()
    };
    let mut r = Response::new(Full::new(body));
    let h = r.headers_mut();
    let mut set = |name, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    set(header::ETAG, p.etag.clone());
    set(header::LAST_MODIFIED, p.last_modified.clone());
    set(header::CACHE_CONTROL, cache_control(p, unix(now)));
    if unchanged {
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        return r;
    }
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pkix-crl"),
    );
    if head {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(p.crl.der.len()));
    }
    r
}

/// `max-age` up to [`CACHE_MARGIN`] before nextUpdate (0 past it); `no-cache` for a CRL
/// without nextUpdate.
fn cache_control(p: &Published, now: i64) -> String {
    match p.crl.next_update {
        None => "no-cache".to_owned(),
        Some(next) => {
            let margin = i64::try_from(CACHE_MARGIN.as_secs()).unwrap_or(i64::MAX);
            let age = next
                .unix_seconds()
                .saturating_sub(now)
                .saturating_sub(margin)
                .max(0);
            format!("public, max-age={age}")
        }
    }
}
