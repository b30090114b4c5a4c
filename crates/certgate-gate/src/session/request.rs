//! Sessions on the gate's request path: the cookie verified at most once per connection
//! and token, the certificate binding checked on every request, the endpoints every host
//! answers (`/cdn-cgi/access/certs`, `/cdn-cgi/access/logout`), and the headers an
//! allowed request carries to the origin.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use certgate_policy::Identity;
use certgate_verify::ClientCertInfo;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use sha2::{Digest as _, Sha256};

use crate::access::{ASSERTION_HEADER, EMAIL_HEADER};
use crate::session::cookie::{self, JWKS_PATH, LOGOUT_PATH};
use crate::session::token::{self, Claims, Expect};
use crate::session::{SessionKeys, TokenError};

/// A verified session: its claims and the identity the policy sees.
#[derive(Debug)]
pub(crate) struct VerifiedSession {
    pub(crate) claims: Claims,
    pub(crate) identity: Identity,
}

/// A session presented on a request and accepted for it.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) token: String,
    pub(crate) verified: Arc<VerifiedSession>,
}

/// The last token a connection presented (by SHA-256) and what verifying it gave: the
/// signature is checked once per connection and token.
#[derive(Debug, Default)]
pub(crate) struct SessionCache(pub(super) Mutex<Option<CachedVerdict>>);

/// A token's SHA-256 and what verifying it gave.
type CachedVerdict = ([u8; 32], Result<Arc<VerifiedSession>, TokenError>);

impl SessionCache {
    /// The session of `headers`' cookie, issued for `host` (`https://HOST`), at `now`
    /// over a connection whose certificate is `cert`; `None` (and a log line when it was
    /// refused) otherwise. A request without the cookie costs a header scan, nothing more.
    pub(crate) fn session(
        &self,
        keys: &SessionKeys,
        headers: &HeaderMap,
        host: &str,
        cert: &ClientCertInfo,
        now: u64,
    ) -> Option<Session> {
        let token = cookie::session_token(headers)?;
        // Bounded before it is hashed or decoded: a header may be far longer.
        if token.len() > token::MAX_TOKEN_BYTES {
            tracing::warn!(target: "certgate_gate::session", problem = "oversized", "session refused: treated as none");
            return None;
        }
        let issuer = format!("https://{}", host.to_ascii_lowercase());
        let issuer = issuer.as_str();
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let (verified, fresh) = {
            let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
            match &*cache {
                Some((h, result)) if *h == hash => (result.clone(), false),
                _ => {
                    let result = verify(keys, token, issuer, now);
                    *cache = Some((hash, result.clone()));
                    (result, true)
                }
            }
        };
        let refused = |problem: &str| {
            tracing::warn!(target: "certgate_gate::session", problem, issuer, "session refused: treated as none");
            None
        };
        let verified = match verified {
            Ok(v) => v,
            // Logged when it was verified, not again for each request that repeats it.
            Err(e) if fresh => return refused(&e.to_string()),
            Err(_) => return None,
        };
        // A cached verdict is re-checked for what changes between requests.
        if verified.claims.iss != issuer {
            return refused("issued by another host");
        }
        // The gate made this token with its own clock: it ends at `exp`, to the second
        // (the skew allowed to origins' clocks is not given to the gate's own).
        if now >= verified.claims.exp {
            return refused("expired");
        }
        if let Some(bound) = verified.claims.cert_thumbprint() {
            let presented = cert
                .verified()
                .then(|| cert.fingerprint_sha256())
                .flatten()
                .map(|f| f.0);
            if presented != Some(bound) {
                return refused("bound to another client certificate");
            }
        }
        Some(Session {
            token: token.to_owned(),
            verified,
        })
    }
}

fn verify(
    keys: &SessionKeys,
    token: &str,
    issuer: &str,
    now: u64,
) -> Result<Arc<VerifiedSession>, TokenError> {
    let claims = token::decode(
        token,
        |kid| keys.public_key(kid),
        Expect {
            issuer,
            audience: None,
            now,
        },
    )?;
    let method = claims.amr.first().map_or("session", String::as_str);
    let identity = Identity::new(claims.email.as_str(), method)
        .map_err(|_| TokenError::BadClaims)?
        .with_groups(claims.groups.iter().cloned());
    Ok(Arc::new(VerifiedSession { claims, identity }))
}

/// Sets the session's token and email for the origin (a client's copies were removed).
pub(crate) fn set_identity_headers(headers: &mut HeaderMap, session: &Session) {
    if let Ok(v) = HeaderValue::from_str(&session.token) {
        headers.insert(HeaderName::from_static(ASSERTION_HEADER), v);
    }
    if let Ok(v) = HeaderValue::from_str(&session.verified.claims.email) {
        headers.insert(HeaderName::from_static(EMAIL_HEADER), v);
    }
}

/// The gate's own answer for the endpoints every host has, or `None` for any other path.
pub(crate) fn endpoint<B>(
    req: &Request<B>,
    keys: &SessionKeys,
    now: u64,
) -> Option<Response<Full<Bytes>>> {
    match req.uri().path() {
        JWKS_PATH => Some(jwks(req, keys, now)),
        LOGOUT_PATH => Some(logout(req)),
        _ => None,
    }
}

fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn jwks<B>(req: &Request<B>, keys: &SessionKeys, now: u64) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "GET or HEAD\n",
        );
    }
    if let Err(e) = keys.rotate_if_due(now) {
        tracing::error!(error = %e, "session key rotation failed: the current key signs");
    }
    let mut response = respond(StatusCode::OK, "application/json", keys.jwks());
    // Short: a rotation shows within five minutes; an origin that meets an unknown kid
    // fetches again anyway.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// Clears the session cookie; redirects to `redirect_url` only when it is a path on this
/// host (400 otherwise), else answers a short page.
fn logout<B>(req: &Request<B>) -> Response<Full<Bytes>> {
    let target = cookie::redirect_param(req.uri().query());
    let mut response = match target.as_deref() {
        None => respond(StatusCode::OK, "text/plain; charset=utf-8", "Signed out.\n"),
        Some(t) => match cookie::safe_redirect(t).and_then(|t| HeaderValue::from_str(t).ok()) {
            Some(location) => {
                let mut r = respond(
                    StatusCode::FOUND,
                    "text/plain; charset=utf-8",
                    "Signed out.\n",
                );
                r.headers_mut().insert(header::LOCATION, location);
                r
            }
            None => {
                tracing::warn!(target: "certgate_gate::session", "logout: redirect_url refused (not a path on this host)");
                respond(
                    StatusCode::BAD_REQUEST,
                    "text/plain; charset=utf-8",
                    "Signed out. The redirect is not a path on this site.\n",
                )
            }
        },
    };
    if let Ok(v) = HeaderValue::from_str(&cookie::clear_cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
