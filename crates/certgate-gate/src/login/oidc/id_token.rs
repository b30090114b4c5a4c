//! The provider's ID token (OpenID Connect Core 1.0, section 3.1.3.7), verified
//! strictly: an algorithm from a short allow-list, a key from the provider's JWKS, then
//! `iss`, `aud` (and `azp`), `exp`, `iat` and `nonce`.

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256,
    RsaPublicKeyComponents, UnparsedPublicKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;

/// The most bytes an ID token may have: a provider's token with a few dozen groups is
/// 2-4 KiB; 16 KiB leaves room for large group lists and bounds what is decoded.
pub const MAX_ID_TOKEN_BYTES: usize = 16 * 1024;
/// The most keys read from a provider's JWKS: providers publish two to five (current,
/// next, previous), 32 bounds the work a broken JWKS can cause.
pub const MAX_JWKS_KEYS: usize = 32;
/// How far the provider's clock and ours may disagree when `exp` and `iat` are checked:
/// one minute, as most OpenID client libraries allow.
pub const ID_TOKEN_SKEW_SECS: u64 = 60;
/// The algorithms taken (RFC 7518 names): RSA PKCS#1 v1.5, RSA-PSS and ECDSA P-256, all
/// with SHA-256. `none` and the HMAC algorithms (a client secret as key) are refused.
pub const ID_TOKEN_ALGORITHMS: [&str; 3] = ["RS256", "PS256", "ES256"];

/// Why an ID token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdTokenProblem {
    /// Above [`MAX_ID_TOKEN_BYTES`], not three base64url parts, or not JSON.
    Malformed,
    /// `alg` not in [`ID_TOKEN_ALGORITHMS`] (`none`, `HS256` ...).
    Algorithm,
    /// No key in the JWKS for the header's `kid` and algorithm.
    UnknownKey,
    /// The signature does not verify.
    Signature,
    /// `iss` is not the provider's issuer.
    Issuer,
    /// `aud` does not hold the client id, or `azp` is not it.
    Audience,
    /// Past `exp` (with the skew).
    Expired,
    /// `iat` in the future (beyond the skew), or missing.
    IssuedInFuture,
    /// `nonce` is not the one sent.
    Nonce,
}

impl IdTokenProblem {
    /// A short id for logs, metrics and the refusal page.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Self::Malformed => "id-token-malformed",
            Self::Algorithm => "id-token-algorithm",
            Self::UnknownKey => "id-token-unknown-key",
            Self::Signature => "id-token-signature",
            Self::Issuer => "id-token-issuer",
            Self::Audience => "id-token-audience",
            Self::Expired => "id-token-expired",
            Self::IssuedInFuture => "id-token-issued-in-future",
            Self::Nonce => "id-token-nonce",
        }
    }
}

/// A provider's public key, from its JWKS.
#[derive(Clone, Debug)]
pub(crate) struct ProviderKey {
    kid: Option<String>,
    key: KeyMaterial,
}

impl ProviderKey {
    /// The key's `kid`, when it has one.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
}

#[derive(Clone, Debug)]
enum KeyMaterial {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    P256 { point: Vec<u8> },
}

/// One JWK as read; members we do not use are ignored.
#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

fn b64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

/// The signing keys of a JWKS document (RSA and P-256 keys; encryption keys and other
/// types skipped). `None` when it is not a JWKS or holds more than [`MAX_JWKS_KEYS`].
pub(crate) fn parse_jwks(bytes: &[u8]) -> Option<Vec<ProviderKey>> {
    #[derive(Deserialize)]
    struct Set {
        keys: Vec<Value>,
    }
    let set: Set = serde_json::from_slice(bytes).ok()?;
    if set.keys.len() > MAX_JWKS_KEYS {
        return None;
    }
    let keys = set
        .keys
        .into_iter()
        .filter_map(|v| serde_json::from_value::<Jwk>(v).ok())
        .filter(|k| k.use_.as_deref().is_none_or(|u| u == "sig"))
        .filter_map(|k| {
            let key = match (k.kty.as_str(), k.crv.as_deref()) {
                ("RSA", _) => KeyMaterial::Rsa {
                    n: b64(k.n.as_deref()?)?,
                    e: b64(k.e.as_deref()?)?,
                },
                ("EC", Some("P-256")) => {
                    let (x, y) = (b64(k.x.as_deref()?)?, b64(k.y.as_deref()?)?);
                    if x.len() != 32 || y.len() != 32 {
                        return None;
                    }
                    let mut point = vec![4u8];
                    point.extend_from_slice(&x);
                    point.extend_from_slice(&y);
                    KeyMaterial::P256 { point }
                }
                _ => return None,
            };
            Some(ProviderKey { kid: k.kid, key })
        })
        .collect();
    Some(keys)
}

/// What the callback expects of the token.
#[derive(Debug)]
pub(crate) struct Expected<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) nonce: &'a str,
    pub(crate) now: u64,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// The header's `kid`, read before verification (to know whether the JWKS must be
/// fetched again). `None` for a token that is malformed or has none.
pub(crate) fn key_id(token: &str) -> Option<String> {
    let header = token.split('.').next()?;
    let header: Header = serde_json::from_slice(&b64(header)?).ok()?;
    header.kid
}

/// Verifies `token` with `keys` and returns its claims.
pub(crate) fn verify(
    token: &str,
    keys: &[ProviderKey],
    expected: &Expected<'_>,
) -> Result<serde_json::Map<String, Value>, IdTokenProblem> {
    use IdTokenProblem as P;
    if token.len() > MAX_ID_TOKEN_BYTES {
        return Err(P::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(P::Malformed);
    };
    let header: Header = b64(h)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(P::Malformed)?;
    if !ID_TOKEN_ALGORITHMS.contains(&header.alg.as_str()) {
        return Err(P::Algorithm);
    }
    let signature = b64(s).ok_or(P::Malformed)?;
    let signed = &token[..h.len() + 1 + c.len()];
    let candidates: Vec<&ProviderKey> = keys
        .iter()
        .filter(|k| match (&header.kid, &k.kid) {
            (Some(want), Some(have)) => want == have,
            (Some(_), None) => false,
            // No kid: only a JWKS with one key says which.
            (None, _) => keys.len() == 1,
        })
        .filter(|k| {
            matches!(
                (&k.key, header.alg.as_str()),
                (KeyMaterial::Rsa { .. }, "RS256" | "PS256") | (KeyMaterial::P256 { .. }, "ES256")
            )
        })
        .collect();
    if candidates.is_empty() {
        return Err(P::UnknownKey);
    }
    let verified = candidates
        .iter()
        .any(|k| check_signature(&k.key, &header.alg, signed.as_bytes(), &signature));
    if !verified {
        return Err(P::Signature);
    }
    let claims: serde_json::Map<String, Value> = b64(c)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(P::Malformed)?;
    check_claims(&claims, expected)?;
    Ok(claims)
}

fn check_signature(key: &KeyMaterial, alg: &str, message: &[u8], signature: &[u8]) -> bool {
    match (key, alg) {
        (KeyMaterial::Rsa { n, e }, "RS256") => RsaPublicKeyComponents { n, e }
            .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
            .is_ok(),
        (KeyMaterial::Rsa { n, e }, "PS256") => RsaPublicKeyComponents { n, e }
            .verify(&RSA_PSS_2048_8192_SHA256, message, signature)
            .is_ok(),
        (KeyMaterial::P256 { point }, "ES256") => {
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .verify(message, signature)
                .is_ok()
        }
        _ => false,
    }
}

fn check_claims(
    claims: &serde_json::Map<String, Value>,
    expected: &Expected<'_>,
) -> Result<(), IdTokenProblem> {
    use IdTokenProblem as P;
    if claims.get("iss").and_then(Value::as_str) != Some(expected.issuer) {
        return Err(P::Issuer);
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(all)) => all.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(P::Audience);
    }
    let azp = claims.get("azp").and_then(Value::as_str);
    if (audiences.len() > 1 || azp.is_some()) && azp != Some(expected.client_id) {
        return Err(P::Audience);
    }
    let time = |name| claims.get(name).and_then(Value::as_u64);
    let exp = time("exp").ok_or(P::Expired)?;
    if expected.now >= exp.saturating_add(ID_TOKEN_SKEW_SECS) {
        return Err(P::Expired);
    }
    let iat = time("iat").ok_or(P::IssuedInFuture)?;
    if iat > expected.now.saturating_add(ID_TOKEN_SKEW_SECS) {
        return Err(P::IssuedInFuture);
    }
    if claims.get("nonce").and_then(Value::as_str) != Some(expected.nonce) {
        return Err(P::Nonce);
    }
    Ok(())
}

#[cfg(test)]
#[path = "id_token_tests.rs"]
mod tests;
