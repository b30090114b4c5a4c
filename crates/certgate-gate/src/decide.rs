//! One decision per request: the host and path the policy sees, the connection's
//! certificate, the policy's answer; and [`GateLayer`], the tower layer that embeds it.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use certgate_policy::{
    CertificateStatus, Identity, Outcome, PathOptions, PolicySet, Reason, Request as PolicyRequest,
    RequestPath, SessionDuration,
};
use http::{Request, Response};
use http_body_util::{Either, Full};

use crate::conn::ConnectionInfo;
use crate::headers::CertHeaders;
use crate::pages::{DenyClass, page};

/// What the gate decided for an allowed request; in the request's extensions for the
/// service behind [`GateLayer`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateDecision {
    /// Allow or bypass.
    pub outcome: Outcome,
    /// The application that covers the request.
    pub application: Option<String>,
    /// The policy that decided.
    pub policy: Option<String>,
    /// The request's id, as logged.
    pub request_id: String,
    /// The normalised path and query the policy decided on: exactly what is forwarded.
    pub path: String,
}

/// A request the gate answers itself.
#[derive(Clone, Debug)]
pub struct Denial {
    /// Why, as the page says it.
    pub class: DenyClass,
    /// The policy's reason id (`no-policy-matched`, `invalid-path`, ...).
    pub reason: &'static str,
    /// The policy that denied, when one did.
    pub policy: Option<String>,
    /// The request's id.
    pub request_id: String,
}

/// A new request id: 16 hex digits, unique within the process and across restarts.
pub fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let start = *START.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{:016x}",
        start.rotate_left(20) ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    )
}

/// The host a request names: the URI's authority (HTTP/2) or the `Host` header, without
/// the port.
pub fn request_host<B>(req: &Request<B>) -> &str {
    let raw = req
        .uri()
        .host()
        .or_else(|| {
            req.headers()
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
        })
        .unwrap_or("");
    strip_port(raw)
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_once(']').map_or(host, |(h, _)| &h[1..]);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// Decides `req` (host, path, method, peer and certificate from `conn`) with `policy`.
/// The path is normalised once with `options` ([`RequestPath`]): the policy decides on
/// that form and [`GateDecision::path`] is what the caller must forward, so what was
/// decided is what the origin gets. A path some origin could read as another one is
/// refused (400, [`DenyClass::BadPath`]).
///
/// # Errors
/// A [`Denial`] when the request is not let in.
pub fn decide_request<B>(
    policy: &PolicySet,
    options: &PathOptions,
    req: &Request<B>,
    conn: &ConnectionInfo,
    request_id: String,
) -> Result<GateDecision, Denial> {
    decide_with_session(policy, options, req, conn, None, request_id).map(|(d, _)| d)
}

/// [`decide_request`] with a session's identity, for the application `audience`: the
/// identity counts only when the application covering the request is that audience and
/// its sessions do not expire immediately (`0s`: every request asks again); otherwise
/// the request is decided without it. Says whether the identity counted.
pub(crate) fn decide_with_session<B>(
    policy: &PolicySet,
    options: &PathOptions,
    req: &Request<B>,
    conn: &ConnectionInfo,
    session: Option<(&Identity, &str)>,
    request_id: String,
) -> Result<(GateDecision, bool), Denial> {
    let host = request_host(req);
    let raw = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let path = match RequestPath::parse(raw, options) {
        Ok(path) => path,
        Err(problem) => {
            return Err(Denial {
                class: DenyClass::BadPath,
                reason: problem.id(),
                policy: None,
                request_id,
            });
        }
    };
    let now = certgate_x509::Timestamp::now();
    let preq = PolicyRequest::for_path(host, &path)
        .with_method(req.method().as_str())
        .with_peer_ip(conn.peer.ip())
        .with_cert(&conn.cert)
        .with_time(now);
    let mut used = false;
    let decision = match session {
        Some((identity, audience)) => {
            let with = policy.decide(&preq.with_identity(identity));
            used = with.application == Some(audience)
                && !matches!(
                    with.session_duration,
                    Some(SessionDuration::ExpiresImmediately) | None
                );
            if used { with } else { policy.decide(&preq) }
        }
        None => policy.decide(&preq),
    };
    if decision.outcome.lets_in() {
        let decided = GateDecision {
            outcome: decision.outcome,
            application: decision.application.map(str::to_owned),
            policy: decision.policy.map(str::to_owned),
            request_id,
            path: path.path_and_query().to_owned(),
        };
        return Ok((decided, used));
    }
    let reason = match decision.reason {
        Reason::InvalidPath(problem) => problem.id(),
        other => other.id(),
    };
    Err(Denial {
        class: deny_class(decision.reason),
        reason,
        policy: decision.policy.map(str::to_owned),
        request_id,
    })
}

/// The application covering `path` (a same-host path and query) on `host` for a
/// request over `conn` by `identity`, and its session duration: what a login issues
/// its session for. `None` when no application covers it or the path is refused.
pub(crate) fn application_of(
    policy: &PolicySet,
    options: &PathOptions,
    host: &str,
    path: &str,
    conn: &ConnectionInfo,
    identity: &Identity,
) -> Option<(String, SessionDuration)> {
    let path = RequestPath::parse(path, options).ok()?;
    let now = certgate_x509::Timestamp::now();
    let preq = PolicyRequest::for_path(host, &path)
        .with_peer_ip(conn.peer.ip())
        .with_cert(&conn.cert)
        .with_time(now)
        .with_identity(identity);
    let decision = policy.decide(&preq);
    Some((decision.application?.to_owned(), decision.session_duration?))
}

fn deny_class(reason: Reason) -> DenyClass {
    match reason {
        Reason::CertificateNotAccepted(status) => match status {
            CertificateStatus::NotPresented => DenyClass::NoCertificate,
            CertificateStatus::Revoked => DenyClass::Revoked,
            CertificateStatus::NotVerified | CertificateStatus::Refused("unknown-ca") => {
                DenyClass::UnknownCa
            }
            CertificateStatus::Refused("expired" | "not-yet-valid") => DenyClass::Expired,
            CertificateStatus::Refused("revoked") => DenyClass::Revoked,
            _ => DenyClass::InvalidCertificate,
        },
        Reason::InvalidPath(_) => DenyClass::BadPath,
        _ => DenyClass::Policy,
    }
}

/// Where a decision line is written from: the request's fixed facts.
#[derive(Debug)]
pub(crate) struct DecisionLine<'a> {
    pub(crate) host: &'a str,
    pub(crate) path: &'a str,
    pub(crate) conn: &'a ConnectionInfo,
    /// The certificate's headers, fingerprint and serial, encoded once per verdict.
    pub(crate) cert: &'a CertHeaders,
    pub(crate) request_id: &'a str,
    pub(crate) started: Instant,
}

impl DecisionLine<'_> {
    /// Writes the one structured line of the decision: `reason` is the class a page
    /// names, `detail` the finer reason (the policy's, the path problem's).
    pub(crate) fn write(
        &self,
        outcome: &str,
        reason: &str,
        detail: &str,
        policy: Option<&str>,
        status: u16,
    ) {
        tracing::info!(
            target: "certgate_gate::decision",
            request_id = self.request_id,
            host = self.host,
            path = self.path,
            outcome,
            reason,
            detail,
            policy = policy.unwrap_or(""),
            status,
            fingerprint = self.cert.fingerprint.as_str(),
            serial = self.cert.serial.as_str(),
            peer = %self.conn.peer,
            latency_us = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "decision"
        );
    }
}

/// A policy set that can be swapped while requests are decided with it.
#[derive(Clone, Debug)]
pub struct PolicyHandle(Arc<RwLock<Arc<PolicySet>>>);

impl PolicyHandle {
    /// A handle on `policy`.
    pub fn new(policy: PolicySet) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(policy))))
    }

    /// The policies in force.
    pub fn current(&self) -> Arc<PolicySet> {
        Arc::clone(&self.0.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Swaps in new policies: requests decided from now on use them.
    pub fn replace(&self, policy: PolicySet) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(policy);
    }
}

/// The gate as a tower layer: for each request it reads the [`ConnectionInfo`] the
/// server put in the request's extensions ([`crate::serve_mtls`] does), decides with
/// the policies, answers denied requests itself (403 page), and hands allowed ones on
/// with a [`GateDecision`] and the [`ConnectionInfo`] in the extensions and the
/// identity headers set (a client's copies removed). A request without a
/// [`ConnectionInfo`] is decided as one without a certificate: fail closed.
#[derive(Clone, Debug)]
pub struct GateLayer {
    policy: PolicyHandle,
    options: PathOptions,
}

impl GateLayer {
    /// A layer deciding with `policy`.
    pub fn new(policy: PolicySet) -> Self {
        Self::with_handle(PolicyHandle::new(policy))
    }

    /// A layer deciding with whatever `handle` holds (swap it to reload).
    pub fn with_handle(handle: PolicyHandle) -> Self {
        Self {
            policy: handle,
            options: PathOptions::default(),
        }
    }

    /// How the application matches paths (by default not known: paths whose
    /// application depends on case are refused).
    pub fn with_path_options(mut self, options: PathOptions) -> Self {
        self.options = options;
        self
    }

    /// The handle, to swap the policies at run time.
    pub fn handle(&self) -> &PolicyHandle {
        &self.policy
    }
}

impl<S> tower::Layer<S> for GateLayer {
    type Service = GateService<S>;

    fn layer(&self, inner: S) -> GateService<S> {
        GateService {
            inner,
            policy: self.policy.clone(),
            options: self.options,
        }
    }
}

/// The service [`GateLayer`] makes.
#[derive(Clone, Debug)]
pub struct GateService<S> {
    inner: S,
    policy: PolicyHandle,
    options: PathOptions,
}

/// The response body of a [`GateService`]: the inner service's, or the gate's page.
pub type GateBody<B> = Either<B, Full<Bytes>>;

impl<S, B, RB> tower::Service<Request<B>> for GateService<S>
where
    S: tower::Service<Request<B>, Response = Response<RB>>,
    S::Future: Send + 'static,
{
    type Response = Response<GateBody<RB>>;
    type Error = S::Error;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let started = Instant::now();
        let conn = req
            .extensions()
            .get::<ConnectionInfo>()
            .cloned()
            .unwrap_or_else(ConnectionInfo::missing);
        let id = request_id();
        let host = request_host(&req).to_owned();
        let path = req.uri().path().to_owned();
        let cert = CertHeaders::of(&conn.cert);
        match decide_request(&self.policy.current(), &self.options, &req, &conn, id) {
            Err(denial) => {
                let response = page(&req, denial.class, &denial.request_id);
                DecisionLine {
                    host: &host,
                    path: &path,
                    conn: &conn,
                    cert: &cert,
                    request_id: &denial.request_id,
                    started,
                }
                .write(
                    "deny",
                    denial.class.id(),
                    denial.reason,
                    denial.policy.as_deref(),
                    response.status().as_u16(),
                );
                Box::pin(async move { Ok(response.map(Either::Right)) })
            }
            Ok(decision) => {
                // The application gets the path that was decided on.
                if let Ok(pq) = http::uri::PathAndQuery::try_from(decision.path.as_str()) {
                    let mut parts = req.uri().clone().into_parts();
                    parts.path_and_query = Some(pq);
                    if let Ok(uri) = http::Uri::from_parts(parts) {
                        *req.uri_mut() = uri;
                    }
                }
                crate::headers::strip_inbound(req.headers_mut(), false);
                crate::headers::set_forwarding(
                    req.headers_mut(),
                    &crate::headers::PeerHeaders::of(&conn.peer),
                    &decision,
                    &host,
                );
                cert.apply(req.headers_mut());
                DecisionLine {
                    host: &host,
                    path: &path,
                    conn: &conn,
                    cert: &cert,
                    request_id: &decision.request_id,
                    started,
                }
                .write(
                    decision.outcome.as_str(),
                    "policy-matched",
                    "policy-matched",
                    decision.policy.as_deref(),
                    0,
                );
                req.extensions_mut().insert(decision);
                let future = self.inner.call(req);
                Box::pin(async move { Ok(future.await?.map(Either::Left)) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const POLICY: &str = r#"
[[applications]]
name = "money"
domains = ["app.example.com"]
session_duration = "1h"
[[applications.policies]]
name = "staff"
decision = "allow"
include = [{ email_domain = "example.com" }]

[[applications]]
name = "admin"
domains = ["app.example.com/admin"]
session_duration = "1h"
[[applications.policies]]
name = "staff"
decision = "allow"
include = [{ email_domain = "example.com" }]

[[applications]]
name = "every-time"
domains = ["app.example.com/pay"]
session_duration = "0s"
[[applications.policies]]
name = "staff"
decision = "allow"
include = [{ email_domain = "example.com" }]
"#;

    fn decide(
        path: &str,
        session: Option<(&Identity, &str)>,
    ) -> Result<(GateDecision, bool), Denial> {
        let policy =
            PolicySet::new(certgate_policy::PolicyConfig::from_toml(POLICY, "test").unwrap())
                .unwrap();
        let req = Request::builder()
            .uri(path)
            .header(http::header::HOST, "app.example.com")
            .body(())
            .unwrap();
        decide_with_session(
            &policy,
            &PathOptions::default(),
            &req,
            &ConnectionInfo::missing(),
            session,
            "id".into(),
        )
    }

    #[test]
    fn a_session_counts_only_for_its_application_and_not_at_0s() {
        let sam = Identity::new("sam@example.com", "otp").unwrap();
        let (d, used) = decide("/", Some((&sam, "money"))).unwrap();
        assert_eq!((d.application.as_deref(), used), (Some("money"), true));
        // The same identity, a session for `money`, on `admin`: decided without it.
        let denial = decide("/admin/x", Some((&sam, "money"))).unwrap_err();
        assert_eq!(denial.reason, "identity-required");
        assert!(decide("/admin/x", Some((&sam, "admin"))).unwrap().1);
        // session_duration = 0s: every request asks again, a session counts for nothing.
        let denial = decide("/pay", Some((&sam, "every-time"))).unwrap_err();
        assert_eq!(denial.reason, "identity-required");
        assert_eq!(decide("/", None).unwrap_err().reason, "identity-required");
    }
}
