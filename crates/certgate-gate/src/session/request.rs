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

use crate::access::{ASSERTION_HEADER, EMAIL_HEADER};
use crate::session::cookie::{self, JWKS_PATH, LOGOUT_PATH};
use crate::session::token::{self, Claims, Expect};
use crate::session::{SessionKeys, TokenError};

/// A verified session: its claims and the identity the policy sees, and what every
/// request that repeats it needs, made once when it is verified.
#[derive(Debug)]
pub(crate) struct VerifiedSession {
    pub(crate) claims: Claims,
    pub(crate) identity: Identity,
    /// The token as the origin gets it (`Cf-Access-Jwt-Assertion`); shares the cache
    /// key's bytes.
    assertion: HeaderValue,
    /// The email as the origin gets it (`Cf-Access-Authenticated-User-Email`).
    email: Option<HeaderValue>,
    /// The bound certificate's SHA-256 (`cnf.x5t#S256`), decoded.
    thumbprint: Option<[u8; 32]>,
}

/// A session presented on a request and accepted for it.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) verified: Arc<VerifiedSession>,
}

/// The last token a connection presented and what verifying it gave: the signature is
/// checked once per connection and token.
#[derive(Debug, Default)]
pub(crate) struct SessionCache(pub(super) Mutex<Option<CachedVerdict>>);

/// A token (as a header value, so that the assertion header shares its bytes), the
/// `Cookie` field it came in when it came alone in one, and what verifying it gave. The
/// token itself is the key: a byte compare per request, no hash; a request whose one
/// `Cookie` field repeats the last one's is not even searched for the token (a
/// kilobyte, read octet by octet).
#[derive(Debug)]
pub(crate) struct CachedVerdict {
    token: HeaderValue,
    field: Vec<u8>,
    result: Verdict,
}

/// What verifying a token gave.
type Verdict = Result<Arc<VerifiedSession>, TokenError>;

/// The request's `Cookie` field when it has exactly one.
fn single_cookie_field(headers: &HeaderMap) -> Option<&[u8]> {
    let mut fields = headers.get_all(header::COOKIE).iter();
    let first = fields.next()?;
    fields.next().is_none().then(|| first.as_bytes())
}

/// `https://HOST`, HOST in lower case: the issuer the gate signs sessions for `host` as.
fn issuer_of(host: &str) -> String {
    format!("https://{}", host.to_ascii_lowercase())
}

/// Whether `iss` is [`issuer_of`]`(host)`, without making that string.
fn issued_for(iss: &str, host: &str) -> bool {
    iss.strip_prefix("https://").is_some_and(|name| {
        name.len() == host.len()
            && name
                .bytes()
                .zip(host.bytes())
                .all(|(a, b)| a == b.to_ascii_lowercase())
    })
}

impl SessionCache {
    /// The session of `headers`' cookie, issued for `host` (`https://HOST`), at `now`
    /// over a connection whose certificate is `cert`; `None` (and a log line when it was
    /// refused) otherwise. A request without the cookie costs a header scan, nothing more;
    /// one that repeats the connection's last token a compare and the checks below.
    pub(crate) fn session(
        &self,
        keys: &SessionKeys,
        headers: &HeaderMap,
        host: &str,
        cert: &ClientCertInfo,
        now: u64,
    ) -> Option<Session> {
        let refused = |problem: &str| {
            let issuer = issuer_of(host);
            tracing::warn!(target: "certgate_gate::session", problem, issuer, "session refused: treated as none");
            None
        };
        let (verified, fresh) = match self.look_up(keys, headers, host, now) {
            Ok(found) => found,
            Err(Some(problem)) => return refused(problem),
            Err(None) => return None,
        };
        let verified = match verified {
            Ok(v) => v,
            // Logged when it was verified, not again for each request that repeats it.
            Err(e) if fresh => return refused(&e.to_string()),
            Err(_) => return None,
        };
        // A cached verdict is re-checked for what changes between requests.
        if !issued_for(&verified.claims.iss, host) {
            return refused("issued by another host");
        }
        // The gate made this token with its own clock: it ends at `exp`, to the second
        // (the skew allowed to origins' clocks is not given to the gate's own).
        if now >= verified.claims.exp {
            return refused("expired");
        }
        if let Some(bound) = verified.thumbprint
            && super::cert_binding(cert) != Some(bound)
        {
            return refused("bound to another client certificate");
        }
        Some(Session { verified })
    }
}

impl SessionCache {
    /// The verdict for the request's token, and whether it was reached now (else it is
    /// the connection's cached one): `Err(None)` without a session cookie,
    /// `Err(Some(problem))` for a cookie that is no token. A repeated `Cookie` field is
    /// compared whole; otherwise the token is found, bounded, and compared with the
    /// cached one before it is verified.
    fn look_up(
        &self,
        keys: &SessionKeys,
        headers: &HeaderMap,
        host: &str,
        now: u64,
    ) -> Result<(Verdict, bool), Option<&'static str>> {
        let field = single_cookie_field(headers);
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache
            .as_ref()
            .filter(|c| field.is_some_and(|f| f == c.field.as_slice()))
        {
            return Ok((c.result.clone(), false));
        }
        let token = cookie::session_token(headers).ok_or(None)?;
        // Bounded before it is copied or decoded: a header may be far longer.
        if token.len() > token::MAX_TOKEN_BYTES {
            return Err(Some("oversized"));
        }
        let field = field.map(<[u8]>::to_vec).unwrap_or_default();
        if let Some(c) = cache.as_mut().filter(|c| c.token.as_bytes() == token) {
            // The same token among other cookies: their field is the one to compare next.
            c.field = field;
            return Ok((c.result.clone(), false));
        }
        // A cookie value is visible ASCII: this fails only for what no token is.
        let key = HeaderValue::from_bytes(token).map_err(|_| Some("not a token"))?;
        let result = verify(keys, &key, &issuer_of(host), now);
        *cache = Some(CachedVerdict {
            token: key,
            field,
            result: result.clone(),
        });
        Ok((result, true))
    }
}

fn verify(
    keys: &SessionKeys,
    token: &HeaderValue,
    issuer: &str,
    now: u64,
) -> Result<Arc<VerifiedSession>, TokenError> {
    let text = token.to_str().map_err(|_| TokenError::Malformed)?;
    let claims = token::decode(
        text,
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
    Ok(Arc::new(VerifiedSession {
        email: HeaderValue::from_str(&claims.email).ok(),
        thumbprint: claims.cert_thumbprint(),
        assertion: token.clone(),
        claims,
        identity,
    }))
}

/// Sets the session's token and email for the origin (a client's copies were removed):
/// the values made when it was verified, shared, not copied.
pub(crate) fn set_identity_headers(headers: &mut HeaderMap, session: &Session) {
    const ASSERTION: HeaderName = HeaderName::from_static(ASSERTION_HEADER);
    const EMAIL: HeaderName = HeaderName::from_static(EMAIL_HEADER);
    let verified = &session.verified;
    headers.insert(ASSERTION, verified.assertion.clone());
    if let Some(email) = &verified.email {
        headers.insert(EMAIL, email.clone());
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
