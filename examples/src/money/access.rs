//! The gate's signed identity, checked by the app itself: every request must carry a
//! `Cf-Access-Jwt-Assertion` that verifies against the gate's JWKS (certgate-gate's
//! [`certgate_gate::access`]), for this app's audience and the gate's issuer. The
//! email shown is the token's, never a header a client could have written.
//!
//! The JWKS is the file the gate's `/cdn-cgi/access/certs` answers, saved by the
//! operator (or a script); it is read at start and again when a token names a key it
//! does not have (a rotation), at most once per [`JWKS_REREAD_INTERVAL`]. The last token
//! that verified is kept with its identity: the requests of one session repeat it, and
//! each costs a compare and the expiry check, not a signature check.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use certgate_gate::access::{ASSERTION_HEADER, EMAIL_HEADER, Jwks};
use certgate_gate::session::CLOCK_SKEW_SECS;
use certgate_gate::{AccessIdentity, TokenError};

use super::error::MoneyError;

/// The least time between two reads of the JWKS file for an unknown key: a client
/// sending made-up key ids must not make the app read a file per request.
pub const JWKS_REREAD_INTERVAL: Duration = Duration::from_secs(10);

/// What a request's assertion must verify against.
#[derive(Debug)]
pub struct AccessCheck {
    jwks_file: PathBuf,
    audience: String,
    issuer: String,
    jwks: RwLock<(Jwks, Instant)>,
    /// The last token that verified, and what it said.
    last: Mutex<Option<(String, AccessIdentity)>>,
}

impl AccessCheck {
    /// Reads the JWKS file; tokens must be for `audience` (the gate's application) from
    /// `issuer` (`https://HOST` of the gate).
    ///
    /// # Errors
    /// [`MoneyError::AccessJwks`] when the file cannot be read or is not a JWKS.
    pub fn load(
        jwks_file: &Path,
        audience: impl Into<String>,
        issuer: impl Into<String>,
    ) -> Result<Self, MoneyError> {
        Ok(Self {
            jwks: RwLock::new((read_jwks(jwks_file)?, Instant::now())),
            jwks_file: jwks_file.to_owned(),
            audience: audience.into(),
            issuer: issuer.into(),
            last: Mutex::new(None),
        })
    }

    /// Verifies `token` at `now` (Unix seconds), reading the JWKS again once for a key
    /// it does not know.
    ///
    /// # Errors
    /// The [`TokenError`] that refused it.
    pub fn verify(&self, token: &str, now: u64) -> Result<AccessIdentity, TokenError> {
        {
            let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((known, identity)) = &*last
                && known == token
            {
                // As the full check would say: expired CLOCK_SKEW_SECS after `exp`.
                return if now >= identity.expires_at.saturating_add(CLOCK_SKEW_SECS) {
                    Err(TokenError::Expired)
                } else {
                    Ok(identity.clone())
                };
            }
        }
        let verified = self.verify_signed(token, now);
        if let Ok(identity) = &verified {
            *self.last.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((token.to_owned(), identity.clone()));
        }
        verified
    }

    /// The full check: signature, issuer, audience, times.
    fn verify_signed(&self, token: &str, now: u64) -> Result<AccessIdentity, TokenError> {
        let first = {
            let jwks = self.jwks.read().unwrap_or_else(|e| e.into_inner());
            jwks.0.verify(token, &self.audience, &self.issuer, now)
        };
        if first != Err(TokenError::UnknownKey) {
            return first;
        }
        {
            let mut jwks = self.jwks.write().unwrap_or_else(|e| e.into_inner());
            if jwks.1.elapsed() < JWKS_REREAD_INTERVAL {
                return first;
            }
            match read_jwks(&self.jwks_file) {
                Ok(fresh) => *jwks = (fresh, Instant::now()),
                Err(e) => {
                    tracing::warn!(error = %e, "the JWKS could not be read again: the old one stays");
                    jwks.1 = Instant::now();
                    return first;
                }
            }
        }
        let jwks = self.jwks.read().unwrap_or_else(|e| e.into_inner());
        jwks.0.verify(token, &self.audience, &self.issuer, now)
    }
}

fn read_jwks(path: &Path) -> Result<Jwks, MoneyError> {
    let bad = |source: Box<dyn std::error::Error + Send + Sync>| MoneyError::AccessJwks {
        path: path.to_owned(),
        source,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(Box::new(e)))?;
    Jwks::from_json(&bytes).map_err(|e| bad(Box::new(e)))
}

/// The middleware: without a check configured, the email header a client may have sent
/// is dropped (the page shows no email); with one, a request without an assertion gets
/// 401, one whose assertion does not verify 403, and a verified one goes on with the
/// token's email in `Cf-Access-Authenticated-User-Email`.
pub async fn require_assertion(
    State(check): State<Option<Arc<AccessCheck>>>,
    mut request: Request,
    next: Next,
) -> Response {
    request.headers_mut().remove(EMAIL_HEADER);
    let Some(check) = check else {
        return next.run(request).await;
    };
    let Some(token) = request
        .headers()
        .get(ASSERTION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return (
            StatusCode::UNAUTHORIZED,
            "no Cf-Access-Jwt-Assertion: sign in through the gate\n",
        )
            .into_response();
    };
    let now = certgate_x509::Timestamp::now().unix_seconds_u64();
    match check.verify(&token, now) {
        Ok(identity) => {
            if let Ok(email) = HeaderValue::from_str(&identity.email) {
                request.headers_mut().insert(EMAIL_HEADER, email);
            }
            next.run(request).await
        }
        Err(e) => {
            tracing::warn!(problem = %e, "Cf-Access-Jwt-Assertion refused");
            (
                StatusCode::FORBIDDEN,
                format!("the gate's assertion is refused: {e}\n"),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use certgate_policy::{Identity, SessionDuration};

    #[test]
    fn the_last_token_is_kept_and_still_expires() {
        let dir = tempfile::tempdir().unwrap();
        let keys = Arc::new(certgate_gate::SessionKeys::builder().build().unwrap());
        let jwks = dir.path().join("jwks.json");
        std::fs::write(&jwks, keys.jwks()).unwrap();
        let check = AccessCheck::load(&jwks, "money", "https://money.localhost").unwrap();
        // The keys' own clock decides which one signs: issue now.
        let now = certgate_x509::Timestamp::now().unix_seconds_u64();
        let token = certgate_gate::SessionIssuer::new(Arc::clone(&keys), "https://money.localhost")
            .issue(
                &Identity::new("sam@example.com", "otp").unwrap(),
                "money",
                SessionDuration::For(Duration::from_secs(3600)),
                None,
                now,
            )
            .unwrap()
            .token;
        let identity = check.verify(&token, now).unwrap();
        assert_eq!(identity.email, "sam@example.com");
        let kept = check.last.lock().unwrap().clone().unwrap();
        assert_eq!(kept.0, token);
        assert_eq!(check.verify(&token, now + 10).unwrap(), identity);
        // The kept token still ends where the full check would end it.
        let end = identity.expires_at + CLOCK_SKEW_SECS;
        assert!(check.verify(&token, end - 1).is_ok());
        assert_eq!(check.verify(&token, end), Err(TokenError::Expired));
        // Another token is checked in full: one changed octet of the signature fails.
        let mut forged = token.into_bytes();
        let at = forged.len() - 10;
        forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(forged).unwrap();
        assert!(check.verify(&forged, now).is_err());
    }
}
