//! Sessions: the signed token a login leaves in a cookie, the keys that sign it, and
//! what an origin needs to verify the identity the gate forwards.
//!
//! - [`SessionKeys`]: the current ES256 signing key and the older ones that still
//!   verify; rotated on a schedule, kept on disk 0600.
//! - [`SessionIssuer`]: what a login calls once it knows who the user is: a token and
//!   the `Set-Cookie` value.
//! - [`access::verify_assertion`](crate::access::verify_assertion): for origins, the
//!   `Cf-Access-Jwt-Assertion` header checked against the gate's JWKS.
//!
//! On the gate's request path every host answers [`JWKS_PATH`] and [`LOGOUT_PATH`]
//! itself. `/logout` is not taken: an application may own that path; the gate's logout
//! is Access's `/cdn-cgi/access/logout`. The embedded [`crate::GateLayer`] does not read
//! sessions yet (the gate binary's server does).
//!
//! # Security
//! Tokens are ES256 only: `none`, HMAC (with the public key as a secret) and every other
//! algorithm are refused before any key is looked at. A session bound to a client
//! certificate (`cnf.x5t#S256`) counts only over a connection whose verified certificate
//! has that SHA-256.

pub(crate) mod cookie;
mod issuer;
mod keys;
pub(crate) mod request;
pub(crate) mod token;

pub use cookie::{COOKIE_NAME, JWKS_PATH, LOGOUT_PATH, safe_redirect};
pub use issuer::{ASSERTION_ONLY_LIFETIME, IssuedSession, SessionIssuer};
pub(crate) use keys::rotate_on_schedule;
pub use keys::{
    DEFAULT_KEY_ROTATION, MAX_KEY_FILES, MAX_SESSION_DURATION, ROTATION_CHECK_INTERVAL,
    SessionKeys, SessionKeysBuilder,
};
pub use token::{
    ALGORITHM, CLOCK_SKEW_SECS, Claims, Confirmation, MAX_CLAIMS_JSON_BYTES, MAX_GROUPS,
    MAX_HEADER_JSON_BYTES, MAX_TOKEN_BYTES,
};

/// Why a token (a session cookie, a `Cf-Access-Jwt-Assertion`) or a JWKS was refused.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Longer than [`MAX_TOKEN_BYTES`], or a part larger than its limit.
    #[error("the token is too large")]
    Oversized,
    /// Not three dot-separated parts.
    #[error("not a JWS compact serialization (three parts)")]
    Malformed,
    /// A part is not unpadded base64url.
    #[error("a part is not base64url")]
    BadBase64,
    /// The header is not JSON of `alg`, `kid` and `typ` only.
    #[error("the header is not what a session token has")]
    BadHeader,
    /// `alg` is not `ES256` (`none`, `HS256`, `RS256` ...).
    #[error("the algorithm is not ES256")]
    UnsupportedAlgorithm,
    /// No key with the header's `kid`.
    #[error("signed with an unknown key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// The claims are not JSON of the expected members (a duplicate member included).
    #[error("the claims are not those of a session")]
    BadClaims,
    /// Issued by another issuer.
    #[error("issued by another issuer")]
    WrongIssuer,
    /// For another application.
    #[error("for another audience")]
    WrongAudience,
    /// Expired (past `exp`, with the allowed clock skew).
    #[error("expired")]
    Expired,
    /// Not valid yet (`nbf` in the future, beyond the allowed clock skew).
    #[error("not valid yet")]
    NotYetValid,
    /// The JWKS is not a JWKS of P-256 keys, or too large.
    #[error("the JWKS cannot be read")]
    BadJwks,
    /// A token could not be made (signing failed).
    #[error("the token could not be made")]
    Encode,
}

/// What a session made over a connection is bound to, and what a bound session must be
/// presented with (`cnf.x5t#S256`): the SHA-256 of the connection's client certificate
/// when it verified, else nothing.
pub(crate) fn cert_binding(cert: &certgate_verify::ClientCertInfo) -> Option<[u8; 32]> {
    cert.verified()
        .then(|| cert.fingerprint_sha256())
        .flatten()
        .map(|f| f.0)
}

#[cfg(test)]
mod tests;
