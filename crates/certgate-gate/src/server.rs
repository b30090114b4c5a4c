//! The gate's server: TLS by SNI, one verification per full handshake, the decision,
//! the origin; limits, timeouts and graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use certgate_policy::Reason;
use http::{HeaderValue, Request, Response, StatusCode, Version, header};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::LazyConfigAcceptor;

use crate::activity::Activity;
use crate::config::Limits;
use crate::conn::{ConnVerdict, ConnectionInfo};
use crate::decide::{DecisionLine, GateDecision, decide_with_session, request_host, request_id};
use crate::gate::Gate;
use crate::headers;
use crate::host::HostState;
use crate::login::{LoginContext, is_otp_path, login_required, otp_endpoint};
use crate::pages::{DenyClass, page};
use crate::session::request::{SessionCache, endpoint, set_identity_headers};

/// What the gate answers with: the origin's body or the gate's page.
pub type GateResponse = Response<Either<Incoming, Full<Bytes>>>;

/// Serves `listeners` until `shutdown` resolves, then stops accepting, lets in-flight
/// requests finish (up to the shutdown grace) and returns.
pub(crate) async fn serve(
    gate: Gate,
    listeners: Vec<TcpListener>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = Arc::new(GracefulShutdown::new());
    let limits = gate.runtime().limits;
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut accept_loops = tokio::task::JoinSet::new();
    for listener in listeners {
        let gate = gate.clone();
        let permits = Arc::clone(&permits);
        let graceful = Arc::clone(&graceful);
        accept_loops.spawn(accept_loop(gate, listener, permits, graceful));
    }
    shutdown.await;
    tracing::info!("shutting down: no new connections, draining");
    accept_loops.abort_all();
    while accept_loops.join_next().await.is_some() {}
    let graceful = Arc::try_unwrap(graceful).unwrap_or_else(|_| GracefulShutdown::new());
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace over: closing the connections left");
    }
}

async fn accept_loop(
    gate: Gate,
    listener: TcpListener,
    permits: Arc<Semaphore>,
    graceful: Arc<GracefulShutdown>,
) {
    loop {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let gate = gate.clone();
        // A watcher, not the GracefulShutdown: an open connection holding the latter would
        // keep `serve` from taking it back to drain.
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            gate.metrics().connection_opened();
            connection(gate.clone(), tcp, peer, watcher).await;
            gate.metrics().connection_closed();
            drop(permit);
        });
    }
}

/// Per connection: what every request on it shares.
#[derive(Debug)]
struct ConnCtx {
    gate: Gate,
    peer: SocketAddr,
    sni: Option<String>,
    resumed: bool,
    verdict: ConnVerdict,
    /// The last session token presented on the connection, verified once.
    sessions: SessionCache,
    /// The peer's `X-Forwarded-For` and `Forwarded`, made once.
    peer_headers: headers::PeerHeaders,
}

async fn connection(gate: Gate, tcp: TcpStream, peer: SocketAddr, watcher: Watcher) {
    let runtime = gate.runtime();
    let limits = runtime.limits;
    let handshake = async {
        let start = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp).await?;
        let hello = start.client_hello();
        let sni = hello.server_name().map(str::to_ascii_lowercase);
        let Some(host) = runtime.select(&hello) else {
            return Ok(None);
        };
        let tls = start.into_stream(Arc::clone(&host.tls)).await?;
        Ok::<_, std::io::Error>(Some((tls, host, sni)))
    };
    let (tls, host, sni) = match tokio::time::timeout(limits.handshake_timeout, handshake).await {
        Ok(Ok(Some(done))) => done,
        Ok(Ok(None)) => return gate.metrics().handshake_failed("no-host"),
        Ok(Err(e)) => {
            let reason = handshake_failure(&e);
            tracing::info!(target: "certgate_gate::decision", %peer, outcome = "deny", reason, error = %e, "handshake refused");
            return gate.metrics().handshake_failed(reason);
        }
        Err(_) => {
            tracing::info!(target: "certgate_gate::decision", %peer, outcome = "deny", reason = "handshake-timeout", "handshake refused");
            return gate.metrics().handshake_failed("timeout");
        }
    };
    gate.metrics().handshake();
    let session = tls.get_ref().1;
    let presented = session.peer_certificates();
    let resumed = matches!(
        session.handshake_kind(),
        Some(rustls::HandshakeKind::Resumed)
    );
    let verdict = ConnVerdict::after_handshake(&host.verifier, presented);
    let ctx = Arc::new(ConnCtx {
        gate,
        peer,
        sni,
        resumed,
        verdict,
        sessions: SessionCache::default(),
        peer_headers: headers::PeerHeaders::of(&peer),
    });
    let (io, last_active) = Activity::new(tls);
    let service = hyper::service::service_fn(move |req| {
        let ctx = Arc::clone(&ctx);
        async move { Ok::<_, Infallible>(request(req, &ctx).await) }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192))
        .max_headers(limits.max_headers);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    let conn = watcher.watch(conn.into_owned());
    tokio::select! {
        result = conn => if let Err(e) = result { tracing::debug!(%peer, error = %e, "connection ended"); },
        () = last_active.idle(limits.idle_timeout) => tracing::debug!(%peer, "idle connection closed"),
    }
}

async fn request(mut req: Request<Incoming>, ctx: &ConnCtx) -> GateResponse {
    let started = Instant::now();
    let id = request_id();
    let runtime = ctx.gate.runtime();
    let metrics = ctx.gate.metrics();
    if too_many_fields(&req, runtime.limits.max_headers) {
        let mut response = Response::new(Either::Right(Full::new(Bytes::new())));
        *response.status_mut() = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
        return response;
    }
    let host_name = request_host(&req).to_owned();
    let path = req.uri().path().to_owned();
    let Some(host) = runtime.host_for(ctx.sni.as_deref()).cloned() else {
        return answer_self(&req, DenyClass::Misdirected, &id, metrics, started);
    };
    let (cert, cert_headers) = ctx.verdict.current_with_headers(&host.verifier);
    let conn = ConnectionInfo {
        peer: ctx.peer,
        sni: ctx.sni.clone(),
        cert,
        resumed: ctx.resumed,
    };
    let line = DecisionLine {
        host: &host_name,
        path: &path,
        conn: &conn,
        cert: &cert_headers,
        request_id: &id,
        started,
    };
    // The Host must be served by the host this connection was made for.
    if !runtime
        .host_for(Some(&host_name))
        .is_some_and(|h| Arc::ptr_eq(h, &host))
    {
        let response = answer_self(&req, DenyClass::Misdirected, &id, metrics, started);
        line.write(
            "deny",
            DenyClass::Misdirected.id(),
            "host-not-this-connection",
            None,
            421,
        );
        return response;
    }
    let now = certgate_x509::Timestamp::now().unix_seconds_u64();
    let keys = ctx.gate.session_keys();
    // `/cdn-cgi/access/certs` and `/cdn-cgi/access/logout`, on every host.
    if let Some(response) = endpoint(&req, keys, now) {
        let status = response.status().as_u16();
        line.write("self", "session-endpoint", "session-endpoint", None, status);
        return response.map(Either::Right);
    }
    // The login page, a login's start and its callback, on every host.
    let login = ctx.gate.login();
    let login_ctx = LoginContext {
        host: &host_name.to_ascii_lowercase(),
        state: &host,
        conn: &conn,
        keys,
        metrics,
        now,
    };
    // One-time codes: the forms' bodies are read here, within their bound.
    if let Some(otp) = login.otp().filter(|_| is_otp_path(&path)) {
        let timeout = runtime.limits.header_read_timeout;
        let (response, detail) = otp_endpoint(req, otp, &login_ctx, timeout).await;
        return login_line(response, detail, &line);
    }
    if let Some(response) = login_endpoint(&req, login, &login_ctx, &line).await {
        return response;
    }
    let session = ctx
        .sessions
        .session(keys, req.headers(), &host_name, &conn.cert, now);
    let identity = session
        .as_ref()
        .map(|s| (&s.verified.identity, s.verified.claims.audience()));
    let decided = decide_with_session(
        &host.policy,
        &host.path_options,
        &req,
        &conn,
        identity,
        id.clone(),
    );
    let (decision, session) = match decided {
        Ok((decision, used)) => (decision, session.filter(|_| used)),
        Err(denial) if denial.reason == Reason::IdentityRequired.id() && !login.is_empty() => {
            return ask_for_login(&req, &denial, &line, metrics);
        }
        Err(denial) => {
            let response = answer_self(&req, denial.class, &id, metrics, started);
            let status = response.status().as_u16();
            line.write(
                "deny",
                denial.class.id(),
                denial.reason,
                denial.policy.as_deref(),
                status,
            );
            return response;
        }
    };
    let upgrade = is_upgrade(&req);
    headers::strip_inbound(req.headers_mut(), upgrade);
    headers::set_forwarding(req.headers_mut(), &ctx.peer_headers, &decision, &host_name);
    cert_headers.apply(req.headers_mut());
    if let Some(session) = &session {
        set_identity_headers(req.headers_mut(), session);
    }
    headers::set_chain(req.headers_mut(), ctx.verdict.intermediates());
    // Exactly the path the policy decided on.
    let Some(uri) = host.origin.origin().uri_for(&decision.path) else {
        return answer_self(&req, DenyClass::BadPath, &id, metrics, started);
    };
    if !req.headers().contains_key(header::HOST)
        && let Ok(v) = HeaderValue::try_from(host_name.as_str())
    {
        req.headers_mut().insert(header::HOST, v);
    }
    *req.uri_mut() = uri;
    *req.version_mut() = Version::HTTP_11;
    forward(req, &host, upgrade, decision, &line, metrics).await
}

/// The gate's answer on a login path (the page, a start, the callback), with its
/// decision line; `None` for any other path.
async fn login_endpoint<B>(
    req: &Request<B>,
    login: &crate::login::LoginMethods,
    login_ctx: &LoginContext<'_>,
    line: &DecisionLine<'_>,
) -> Option<GateResponse> {
    let (response, detail) = crate::login::endpoint(req, login, login_ctx).await?;
    Some(login_line(response, detail, line))
}

/// Writes the decision line of a login step's answer (`deny` for an error status).
fn login_line(
    response: Response<Full<Bytes>>,
    detail: &str,
    line: &DecisionLine<'_>,
) -> GateResponse {
    let status = response.status();
    let outcome = if status.is_client_error() || status.is_server_error() {
        "deny"
    } else {
        "login"
    };
    line.write(outcome, "login-endpoint", detail, None, status.as_u16());
    response.map(Either::Right)
}

/// A request a login would let in: to the login page (browsers) or 401 (API clients).
fn ask_for_login<B>(
    req: &Request<B>,
    denial: &crate::decide::Denial,
    line: &DecisionLine<'_>,
    metrics: &crate::Metrics,
) -> GateResponse {
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let response = login_required(req, target);
    metrics.decision("login", "identity-required", line.started.elapsed());
    line.write(
        "login",
        "login-required",
        denial.reason,
        denial.policy.as_deref(),
        response.status().as_u16(),
    );
    response.map(Either::Right)
}

/// Sends an allowed request to the origin and answers with its response, or with the
/// gate's 502/504 page (in the form the client's `Accept` asks for).
async fn forward(
    mut req: Request<Incoming>,
    host: &HostState,
    upgrade: bool,
    decision: GateDecision,
    line: &DecisionLine<'_>,
    metrics: &crate::Metrics,
) -> GateResponse {
    let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
    let outcome = decision.outcome.as_str();
    let policy = decision.policy.clone();
    req.extensions_mut().insert(decision);
    let mut accept = Request::new(());
    for v in req.headers().get_all(header::ACCEPT) {
        accept.headers_mut().append(header::ACCEPT, v.clone());
    }
    match host.origin.send(req).await {
        Ok(mut response) => {
            if let (StatusCode::SWITCHING_PROTOCOLS, Some(client)) =
                (response.status(), client_upgrade)
            {
                crate::proxy::splice_upgrade(client, hyper::upgrade::on(&mut response));
            } else {
                headers::strip_inbound(response.headers_mut(), false);
            }
            let status = response.status().as_u16();
            line.write(
                outcome,
                "policy-matched",
                "policy-matched",
                policy.as_deref(),
                status,
            );
            let kind = if outcome == "bypass" {
                "bypass"
            } else {
                "allow"
            };
            metrics.decision(kind, "policy", line.started.elapsed());
            response.map(Either::Left)
        }
        Err(failure) => {
            metrics.origin_error(failure.id());
            let class = match failure.status() {
                StatusCode::GATEWAY_TIMEOUT => DenyClass::OriginTimeout,
                _ => DenyClass::OriginUnreachable,
            };
            let response = page(&accept, class, line.request_id).map(Either::Right);
            line.write(
                outcome,
                class.id(),
                failure.id(),
                policy.as_deref(),
                response.status().as_u16(),
            );
            response
        }
    }
}

fn answer_self<B>(
    req: &Request<B>,
    class: DenyClass,
    id: &str,
    metrics: &crate::Metrics,
    started: Instant,
) -> GateResponse {
    metrics.decision("deny", class.id(), started.elapsed());
    page(req, class, id).map(Either::Right)
}

/// The reason class of a failed handshake, from rustls' error inside the I/O error.
fn handshake_failure(e: &std::io::Error) -> &'static str {
    use rustls::{CertificateError, Error};
    let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) else {
        return "io";
    };
    match tls {
        Error::NoCertificatesPresented => "no-certificate",
        Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => "unknown-ca",
            CertificateError::Revoked => "revoked",
            CertificateError::Expired | CertificateError::NotValidYet => "expired",
            CertificateError::InvalidPurpose => "wrong-usage",
            CertificateError::UnknownRevocationStatus | CertificateError::ExpiredRevocationList => {
                "revocation-unknown"
            }
            _ => "invalid-certificate",
        },
        Error::PeerIncompatible(_) | Error::NoApplicationProtocol => "incompatible",
        _ => "tls",
    }
}

/// Whether an HTTP/2 request has more header fields than `max` (hyper counts them for
/// HTTP/1 only). Cookie crumbs, which HTTP/2 clients send one per field, count as one.
fn too_many_fields<B>(req: &Request<B>, max: usize) -> bool {
    let cookies = req.headers().get_all(header::COOKIE).iter().count();
    req.version() == Version::HTTP_2 && req.headers().len() - cookies.saturating_sub(1) > max
}

fn is_upgrade<B>(req: &Request<B>) -> bool {
    req.version() == Version::HTTP_11
        && req.headers().contains_key(header::UPGRADE)
        && req
            .headers()
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| {
                v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
            })
}

/// Limits for [`crate::serve_mtls`]: the gate's defaults.
pub(crate) fn default_limits() -> Limits {
    Limits::default()
}
