//! For origins behind the gate: verify the `Cf-Access-Jwt-Assertion` header against the
//! gate's JWKS (`/cdn-cgi/access/certs`) instead of trusting the network.
//!
//! ```no_run
//! # fn run(token: &str, jwks: &[u8], now: u64) -> Result<(), certgate_gate::TokenError> {
//! let who = certgate_gate::access::verify_assertion(
//!     token, jwks, "money", "https://money.example.com", now)?;
//! println!("signed in: {}", who.email);
//! # Ok(()) }
//! ```

use serde::Deserialize;

use crate::session::TokenError;
use crate::session::token::{self, Expect};

/// The header an allowed request carries the session token in.
pub const ASSERTION_HEADER: &str = "cf-access-jwt-assertion";
/// The header an allowed request carries the session's email in.
pub const EMAIL_HEADER: &str = "cf-access-authenticated-user-email";
/// The most bytes of a JWKS read: a gate publishes a few keys of ~200 bytes each.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// The most keys taken from a JWKS: a month of daily rotations is about 31.
pub const MAX_JWKS_KEYS: usize = 64;

/// Who a verified assertion says the user is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessIdentity {
    /// The email address.
    pub email: String,
    /// The subject (`sub`).
    pub subject: String,
    /// The groups.
    pub groups: Vec<String>,
    /// How the user logged in (`amr`: `otp`, `oidc` ...).
    pub auth_methods: Vec<String>,
    /// The application it is for.
    pub audience: String,
    /// When it expires, Unix seconds.
    pub expires_at: u64,
    /// The SHA-256 of the client certificate it is bound to, if bound.
    pub cert_thumbprint: Option<[u8; 32]>,
}

/// A JWKS of P-256 (ES256) public keys, read once.
#[derive(Clone, Debug, Default)]
pub struct Jwks {
    /// kid → uncompressed point.
    keys: Vec<(String, Vec<u8>)>,
}

#[derive(Deserialize)]
struct JwksJson {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
}

impl Jwks {
    /// Reads a JWKS (`{"keys":[...]}`); keys other than EC P-256 with a `kid` (and `alg`
    /// ES256 when given) are skipped.
    ///
    /// # Errors
    /// [`TokenError::BadJwks`] when it is above [`MAX_JWKS_BYTES`], not a JWKS, has
    /// more than [`MAX_JWKS_KEYS`] keys, or a P-256 key's coordinates are not 32 bytes.
    pub fn from_json(json: &[u8]) -> Result<Self, TokenError> {
        if json.len() > MAX_JWKS_BYTES {
            return Err(TokenError::BadJwks);
        }
        let parsed: JwksJson = serde_json::from_slice(json).map_err(|_| TokenError::BadJwks)?;
        if parsed.keys.len() > MAX_JWKS_KEYS {
            return Err(TokenError::BadJwks);
        }
        let mut keys = Vec::new();
        for k in parsed.keys {
            let ec = k.kty == "EC" && k.crv.as_deref() == Some("P-256");
            let es256 = k.alg.as_deref().is_none_or(|a| a == token::ALGORITHM);
            let (true, true, Some(kid), Some(x), Some(y)) = (ec, es256, k.kid, k.x, k.y) else {
                continue;
            };
            let coordinate = |c: &str| -> Result<Vec<u8>, TokenError> {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(c)
                    .map_err(|_| TokenError::BadJwks)?;
                (bytes.len() == 32)
                    .then_some(bytes)
                    .ok_or(TokenError::BadJwks)
            };
            let mut point = vec![0x04];
            point.extend(coordinate(&x)?);
            point.extend(coordinate(&y)?);
            keys.push((kid, point));
        }
        Ok(Self { keys })
    }

    /// Whether the JWKS has a key `kid`.
    pub fn has_key(&self, kid: &str) -> bool {
        self.keys.iter().any(|(k, _)| k == kid)
    }

    /// Verifies `token` against these keys: ES256 only, a known `kid`, the signature,
    /// `iss` equal to `issuer`, `aud` holding `audience`, `exp` and `nbf` around `now`
    /// (Unix seconds) with [`crate::session::CLOCK_SKEW_SECS`].
    ///
    /// # Errors
    /// The [`TokenError`] that refused it ([`TokenError::UnknownKey`] when the JWKS may
    /// be old: fetch it again and retry once).
    pub fn verify(
        &self,
        token: &str,
        audience: &str,
        issuer: &str,
        now: u64,
    ) -> Result<AccessIdentity, TokenError> {
        let claims = token::decode(
            token,
            |kid| self.keys.iter().find(|(k, _)| k == kid).map(|(_, p)| p),
            Expect {
                issuer,
                audience: Some(audience),
                now,
            },
        )?;
        Ok(AccessIdentity {
            cert_thumbprint: claims.cert_thumbprint(),
            audience: audience.to_owned(),
            email: claims.email,
            subject: claims.sub,
            groups: claims.groups,
            auth_methods: claims.amr,
            expires_at: claims.exp,
        })
    }
}

/// Verifies a `Cf-Access-Jwt-Assertion` `token` against `jwks_json` (the gate's
/// `/cdn-cgi/access/certs`), for `audience` (the application) and `issuer`
/// (`https://HOST`) at `now` (Unix seconds): [`Jwks::from_json`] then [`Jwks::verify`].
///
/// # Errors
/// [`TokenError::BadJwks`] for a JWKS that cannot be read; else what [`Jwks::verify`]
/// refuses the token for.
pub fn verify_assertion(
    token: &str,
    jwks_json: &[u8],
    audience: &str,
    issuer: &str,
    now: u64,
) -> Result<AccessIdentity, TokenError> {
    Jwks::from_json(jwks_json)?.verify(token, audience, issuer, now)
}
