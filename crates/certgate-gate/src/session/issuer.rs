//! [`SessionIssuer`]: what a login calls once it knows who the user is.

use std::sync::Arc;
use std::time::Duration;

use certgate_policy::{Identity, SessionDuration};

use crate::session::cookie::set_cookie;
use crate::session::token::{self, Audience, Claims, Confirmation, b64url};
use crate::session::{SessionKeys, TokenError};

/// How long a token lives for an application whose sessions expire immediately
/// (`session_duration = "0s"`): only for the request it is made on, forwarded to the
/// origin, never in a cookie; a minute covers a slow origin and the clock skew.
pub const ASSERTION_ONLY_LIFETIME: Duration = Duration::from_secs(60);

/// A session just made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedSession {
    /// The signed token.
    pub token: String,
    /// The `Set-Cookie` value that keeps it; `None` when the application's sessions
    /// expire immediately (every request asks again).
    pub set_cookie: Option<String>,
    /// When it expires, Unix seconds.
    pub expires_at: u64,
}

/// Issues sessions for one gate's issuer (`https://HOST`) with its keys.
#[derive(Clone, Debug)]
pub struct SessionIssuer {
    keys: Arc<SessionKeys>,
    issuer: String,
}

impl SessionIssuer {
    /// An issuer signing with `keys` as `issuer` (`https://HOST`, the `iss` claim).
    pub fn new(keys: Arc<SessionKeys>, issuer: impl Into<String>) -> Self {
        Self {
            keys,
            issuer: issuer.into(),
        }
    }

    /// The issuer URL.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// A session for `identity` on `application` (the audience) lasting `duration`
    /// (cut to the keys' longest session), bound to the client certificate whose DER
    /// has SHA-256 `cert_thumbprint` when the login came over one. `now` is Unix
    /// seconds. The keys are rotated first when a rotation is due (a failure to write
    /// the new key is logged; the current key signs).
    ///
    /// # Errors
    /// [`TokenError::Encode`] when signing fails, [`TokenError::Oversized`] when the
    /// identity (groups) makes a token above [`token::MAX_TOKEN_BYTES`].
    pub fn issue(
        &self,
        identity: &Identity,
        application: &str,
        duration: SessionDuration,
        cert_thumbprint: Option<&[u8; 32]>,
        now: u64,
    ) -> Result<IssuedSession, TokenError> {
        if let Err(e) = self.keys.rotate_if_due(now) {
            tracing::error!(error = %e, "session key rotation failed: the current key signs");
        }
        let (lifetime, keep) = match duration {
            SessionDuration::For(d) if !d.is_zero() => (d.min(self.keys.max_session()), true),
            _ => (ASSERTION_ONLY_LIFETIME, false),
        };
        let exp = now.saturating_add(lifetime.as_secs());
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: identity.email().to_owned(),
            email: identity.email().to_owned(),
            groups: identity.groups().to_vec(),
            amr: vec![identity.established_by().to_owned()],
            aud: Audience::Many(vec![application.to_owned()]),
            iat: now,
            nbf: now,
            exp,
            cnf: cert_thumbprint.map(|t| Confirmation {
                x5t_s256: b64url(t),
            }),
        };
        // A rotation between reading the kid and signing fails the first try.
        let token = self.sign(&claims).or_else(|_| self.sign(&claims))?;
        let set_cookie = keep.then(|| set_cookie(&token, lifetime));
        Ok(IssuedSession {
            token,
            set_cookie,
            expires_at: exp,
        })
    }

    fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        let kid = self.keys.current_kid().ok_or(TokenError::Encode)?;
        token::encode(claims, &kid, |input| {
            let (signed_kid, signature) = self.keys.sign(input)?;
            if signed_kid == kid {
                Ok(signature)
            } else {
                Err(TokenError::Encode)
            }
        })
    }
}
