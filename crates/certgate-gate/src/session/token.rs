//! The session token: an ES256 JWT (RFC 7519, RFC 7515), signed and verified strictly.
//!
//! Header `{"alg":"ES256","kid":..,"typ":"JWT"}`; claims `iss`, `sub`, `email`,
//! `groups`, `amr`, `aud`, `iat`, `nbf`, `exp` and, for a session bound to a client
//! certificate, `cnf: {"x5t#S256": ..}` (RFC 8705). The verifier takes ES256 and nothing
//! else, a known `kid`, the signature, then the issuer, audience and times.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::session::TokenError;

/// The most bytes a token may have: browsers keep about 4096 bytes per cookie, and a
/// session token is a few hundred.
pub const MAX_TOKEN_BYTES: usize = 4096;
/// The most bytes a decoded header may have: ours is about 60.
pub const MAX_HEADER_JSON_BYTES: usize = 256;
/// The most bytes the decoded claims may have (what is left of a cookie).
pub const MAX_CLAIMS_JSON_BYTES: usize = 3072;
/// The most groups a token may carry: more is an IdP misconfiguration, not a user.
pub const MAX_GROUPS: usize = 100;
/// How far clocks may disagree when `exp` and `nbf` are checked: one minute, as most
/// JWT libraries allow.
pub const CLOCK_SKEW_SECS: u64 = 60;
/// The one algorithm taken.
pub const ALGORITHM: &str = "ES256";
/// An ES256 signature: r and s, 32 bytes each (RFC 7518 section 3.4).
const SIGNATURE_LEN: usize = 64;

/// The JOSE header. Any member other than these three (`crit`, `jku`, `jwk`, `x5u` ...)
/// is refused: none of them is something the verifier should act on.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    kid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
}

/// RFC 8705's confirmation: the certificate the session is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// base64url of the SHA-256 of the certificate's DER.
    #[serde(rename = "x5t#S256")]
    pub x5t_s256: String,
}

/// `aud`: one string or an array of strings (RFC 7519 section 4.1.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, audience: &str) -> bool {
        match self {
            Self::One(a) => a == audience,
            Self::Many(all) => all.iter().any(|a| a == audience),
        }
    }

    /// The first (for ours, the only) audience.
    pub(crate) fn first(&self) -> &str {
        match self {
            Self::One(a) => a,
            Self::Many(all) => all.first().map_or("", String::as_str),
        }
    }
}

/// The claims of a session token, as signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The gate that issued it (`https://HOST`).
    pub iss: String,
    /// The user (the email, as Access uses it when no IdP id is known).
    pub sub: String,
    /// The verified email address.
    pub email: String,
    /// The groups the IdP reported.
    #[serde(default)]
    pub groups: Vec<String>,
    /// How the user logged in (`otp`, `oidc`, ...).
    #[serde(default)]
    pub amr: Vec<String>,
    /// The application the session is for.
    pub(crate) aud: Audience,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Not before, Unix seconds.
    pub nbf: u64,
    /// Expires at, Unix seconds.
    pub exp: u64,
    /// The client certificate the session is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

impl Claims {
    /// The application (audience) the token is for.
    pub fn audience(&self) -> &str {
        self.aud.first()
    }

    /// The bound certificate's SHA-256, decoded, when the session is bound.
    pub fn cert_thumbprint(&self) -> Option<[u8; 32]> {
        let text = &self.cnf.as_ref()?.x5t_s256;
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        bytes.try_into().ok()
    }
}

/// What a token must say besides its signature.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Expect<'a> {
    pub(crate) issuer: &'a str,
    /// `None`: checked by the caller once it knows the application.
    pub(crate) audience: Option<&'a str>,
    pub(crate) now: u64,
}

/// Signs `claims` with `sign` (which gets the signing input and returns the 64-byte
/// fixed-size signature) under `kid`.
pub(crate) fn encode(
    claims: &Claims,
    kid: &str,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, TokenError>,
) -> Result<String, TokenError> {
    let header = Header {
        alg: ALGORITHM.to_owned(),
        kid: kid.to_owned(),
        typ: Some("JWT".to_owned()),
    };
    let header = serde_json::to_vec(&header).map_err(|_| TokenError::Encode)?;
    let claims = serde_json::to_vec(claims).map_err(|_| TokenError::Encode)?;
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(claims));
    let signature = sign(token.as_bytes())?;
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Oversized);
    }
    Ok(token)
}

/// Verifies `token`: its form and sizes, `alg` exactly ES256, a `kid` that `key_for`
/// knows (it returns the uncompressed P-256 point), the signature, then `expect`.
pub(crate) fn decode<K: AsRef<[u8]>>(
    token: &str,
    key_for: impl FnOnce(&str) -> Option<K>,
    expect: Expect<'_>,
) -> Result<Claims, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Oversized);
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(claims_b64), Some(sig_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let header_json = b64(header_b64, MAX_HEADER_JSON_BYTES)?;
    let header: Header = serde_json::from_slice(&header_json).map_err(|_| TokenError::BadHeader)?;
    if header.alg != ALGORITHM {
        return Err(TokenError::UnsupportedAlgorithm);
    }
    if header.typ.as_deref().is_some_and(|t| t != "JWT") {
        return Err(TokenError::BadHeader);
    }
    let key = key_for(&header.kid).ok_or(TokenError::UnknownKey)?;
    let signature = b64(sig_b64, SIGNATURE_LEN)?;
    if signature.len() != SIGNATURE_LEN {
        return Err(TokenError::BadSignature);
    }
    let signed = &token[..header_b64.len() + 1 + claims_b64.len()];
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key.as_ref())
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| TokenError::BadSignature)?;
    let claims_json = b64(claims_b64, MAX_CLAIMS_JSON_BYTES)?;
    let claims: Claims = serde_json::from_slice(&claims_json).map_err(|_| TokenError::BadClaims)?;
    check(&claims, expect)?;
    Ok(claims)
}

/// The claims' checks after the signature: issuer, audience, times, sizes.
fn check(claims: &Claims, expect: Expect<'_>) -> Result<(), TokenError> {
    if claims.groups.len() > MAX_GROUPS {
        return Err(TokenError::BadClaims);
    }
    if claims.iss != expect.issuer {
        return Err(TokenError::WrongIssuer);
    }
    if let Some(audience) = expect.audience
        && !claims.aud.contains(audience)
    {
        return Err(TokenError::WrongAudience);
    }
    if expect.now >= claims.exp.saturating_add(CLOCK_SKEW_SECS) {
        return Err(TokenError::Expired);
    }
    if claims.nbf > expect.now.saturating_add(CLOCK_SKEW_SECS) {
        return Err(TokenError::NotYetValid);
    }
    if claims.cnf.is_some() && claims.cert_thumbprint().is_none() {
        return Err(TokenError::BadClaims);
    }
    Ok(())
}

/// Decodes one base64url segment (no padding, canonical) of at most `max` bytes decoded.
fn b64(segment: &str, max: usize) -> Result<Vec<u8>, TokenError> {
    // Four characters for three bytes: refuse before decoding anything larger.
    if segment.len() > max.div_ceil(3) * 4 {
        return Err(TokenError::Oversized);
    }
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenError::BadBase64)
}

/// base64url (no padding) of `bytes`, as JOSE writes binary values.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}
