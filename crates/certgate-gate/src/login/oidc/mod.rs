//! OpenID Connect: the authorization code flow with PKCE (S256), `state` and `nonce`,
//! against any provider that publishes a discovery document. The gate's own small
//! client: discovery, JWKS and token requests bounded in size and time
//! ([`http`]), the ID token verified by [`id_token`].

mod config;
mod http;
mod id_token;

pub use self::config::OidcSection;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use certgate_policy::Identity;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

pub use self::http::PROVIDER_TIMEOUT;
pub(crate) use self::http::form_encode;
use self::http::{Call, Failure, ProviderUrl};
pub(crate) use self::id_token::IdTokenProblem;
use self::id_token::{Expected, ProviderKey};
pub use self::id_token::{
    ID_TOKEN_ALGORITHMS, ID_TOKEN_SKEW_SECS, MAX_ID_TOKEN_BYTES, MAX_JWKS_KEYS,
};
use crate::login::Refusal;
use crate::session::MAX_GROUPS;
use crate::session::token::b64url;

/// The largest discovery document read: real ones are 2-6 KiB.
pub const MAX_DISCOVERY_BYTES: usize = 64 * 1024;
/// The largest JWKS read: a few keys of a few hundred bytes each.
pub const MAX_PROVIDER_JWKS_BYTES: usize = 64 * 1024;
/// The largest token response read: the ID token ([`MAX_ID_TOKEN_BYTES`]) plus access
/// and refresh tokens.
pub const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;
/// The shortest time between two JWKS fetches caused by an unknown `kid`: a provider's
/// key rotation needs one fetch, a stream of forged `kid`s must not make the gate hammer
/// the provider.
pub const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(2);
/// The longest group name taken from the groups claim.
const MAX_GROUP_LEN: usize = 256;

/// One provider, as configured: what the gate needs to run the flow with it.
#[derive(Debug)]
pub(crate) struct OidcSettings {
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: ClientSecret,
    pub(crate) scopes: Vec<String>,
    pub(crate) groups_claim: String,
    pub(crate) allow_http: bool,
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
}

/// A client secret: its `Debug` says nothing, so no log or panic message holds it.
pub(crate) struct ClientSecret(pub(crate) String);

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(..)")
    }
}

/// The endpoints of a provider's discovery document.
#[derive(Debug)]
struct Discovery {
    authorization: ProviderUrl,
    token: ProviderUrl,
    jwks: ProviderUrl,
}

#[derive(Debug, Default)]
struct KeyCache {
    keys: Arc<Vec<ProviderKey>>,
    fetched: Option<Instant>,
}

/// A configured provider with its discovery document and keys, fetched when first
/// needed and kept.
#[derive(Debug)]
pub(crate) struct OidcProvider {
    pub(crate) settings: OidcSettings,
    issuer_url: ProviderUrl,
    discovery: tokio::sync::Mutex<Option<Arc<Discovery>>>,
    keys: Mutex<KeyCache>,
    /// One JWKS fetch at a time.
    key_fetch: tokio::sync::Mutex<()>,
}

impl OidcProvider {
    /// A provider for `settings`; `None` when its issuer is not a URL the gate talks to.
    pub(crate) fn new(settings: OidcSettings) -> Option<Self> {
        let issuer_url = ProviderUrl::parse(&settings.issuer, settings.allow_http)?;
        Some(Self {
            settings,
            issuer_url,
            discovery: tokio::sync::Mutex::new(None),
            keys: Mutex::new(KeyCache::default()),
            key_fetch: tokio::sync::Mutex::new(()),
        })
    }

    fn tls(&self) -> Option<&Arc<rustls::ClientConfig>> {
        self.settings.tls.as_ref()
    }

    async fn discovery(&self) -> Result<Arc<Discovery>, Refusal> {
        let mut cached = self.discovery.lock().await;
        if let Some(d) = &*cached {
            return Ok(Arc::clone(d));
        }
        let issuer = self.settings.issuer.trim_end_matches('/');
        let url = ProviderUrl::parse(
            &format!("{issuer}/.well-known/openid-configuration"),
            self.settings.allow_http,
        )
        .ok_or(Refusal::Discovery)?;
        let call = Call {
            url: &url,
            form: None,
            limit: MAX_DISCOVERY_BYTES,
        };
        let body = http::send(call, self.tls())
            .await
            .map_err(|e| self.unreachable("discovery", &e))?;
        #[derive(Deserialize)]
        struct Doc {
            issuer: String,
            authorization_endpoint: String,
            token_endpoint: String,
            jwks_uri: String,
        }
        let doc: Doc = serde_json::from_slice(&body).map_err(|_| Refusal::Discovery)?;
        if doc.issuer != self.settings.issuer {
            tracing::warn!(target: "certgate_gate::login", provider = %self.settings.name, configured = %self.settings.issuer, announced = %doc.issuer.escape_debug(), "discovery: the issuer is not the configured one");
            return Err(Refusal::Discovery);
        }
        let endpoint =
            |u: &str| ProviderUrl::parse(u, self.settings.allow_http).ok_or(Refusal::Discovery);
        let discovery = Arc::new(Discovery {
            authorization: endpoint(&doc.authorization_endpoint)?,
            token: endpoint(&doc.token_endpoint)?,
            jwks: endpoint(&doc.jwks_uri)?,
        });
        if [&discovery.token, &discovery.jwks]
            .iter()
            .any(|u| u.is_https() != self.issuer_url.is_https())
        {
            return Err(Refusal::Discovery);
        }
        *cached = Some(Arc::clone(&discovery));
        Ok(discovery)
    }

    fn unreachable(&self, what: &'static str, e: &Failure) -> Refusal {
        tracing::warn!(target: "certgate_gate::login", provider = %self.settings.name, what, error = %e, "provider request failed");
        Refusal::ProviderUnreachable
    }

    /// The provider's authorization URL for a login with these values.
    pub(crate) async fn authorization_url(
        &self,
        state: &str,
        nonce: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<String, Refusal> {
        let discovery = self.discovery().await?;
        let challenge = b64url(&Sha256::digest(verifier.as_bytes()));
        let base = discovery.authorization.as_str();
        let sep = if base.contains('?') { '&' } else { '?' };
        Ok(format!(
            "{base}{sep}response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&nonce={}\
             &code_challenge={challenge}&code_challenge_method=S256",
            form_encode(&self.settings.client_id),
            form_encode(redirect_uri),
            form_encode(&self.settings.scopes.join(" ")),
            form_encode(state),
            form_encode(nonce),
        ))
    }

    /// Exchanges `code` for the ID token (HTTP Basic client authentication, RFC 6749
    /// section 2.3.1) and verifies it: the claims.
    pub(crate) async fn redeem(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
        nonce: &str,
        now: u64,
    ) -> Result<serde_json::Map<String, Value>, Refusal> {
        let discovery = self.discovery().await?;
        let credentials = format!(
            "{}:{}",
            form_encode(&self.settings.client_id),
            form_encode(&self.settings.client_secret.0)
        );
        let authorization = format!("Basic {}", STANDARD.encode(credentials));
        let body = format!(
            "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={}",
            form_encode(code),
            form_encode(redirect_uri),
            form_encode(verifier),
        );
        let call = Call {
            url: &discovery.token,
            form: Some((&authorization, body)),
            limit: MAX_TOKEN_RESPONSE_BYTES,
        };
        let answer = match http::send(call, self.tls()).await {
            Ok(answer) => answer,
            Err(Failure::Status(status, body)) => {
                // The OAuth error code only (`invalid_grant` ...): never the body whole.
                let code = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
                    .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_graphic()))
                    .unwrap_or_default();
                tracing::warn!(target: "certgate_gate::login", provider = %self.settings.name, status = status.as_u16(), error = %code, "token request refused");
                return Err(Refusal::TokenRequest);
            }
            Err(e) => return Err(self.unreachable("token", &e)),
        };
        #[derive(Deserialize)]
        struct TokenResponse {
            id_token: String,
        }
        let token: TokenResponse =
            serde_json::from_slice(&answer).map_err(|_| Refusal::TokenRequest)?;
        self.verify(&token.id_token, &discovery, nonce, now).await
    }

    async fn verify(
        &self,
        token: &str,
        discovery: &Discovery,
        nonce: &str,
        now: u64,
    ) -> Result<serde_json::Map<String, Value>, Refusal> {
        let expected = Expected {
            issuer: &self.settings.issuer,
            client_id: &self.settings.client_id,
            nonce,
            now,
        };
        let keys = self.keys_for(token, discovery).await?;
        id_token::verify(token, &keys, &expected).map_err(Refusal::IdToken)
    }

    /// The keys to verify `token` with: the cached JWKS, fetched first when there is
    /// none, or again when the token's `kid` is not in it (a key rotation) and the last
    /// fetch is older than [`JWKS_REFETCH_INTERVAL`].
    async fn keys_for(
        &self,
        token: &str,
        discovery: &Discovery,
    ) -> Result<Arc<Vec<ProviderKey>>, Refusal> {
        let kid = id_token::key_id(token);
        let _one = self.key_fetch.lock().await;
        let (keys, fetched) = {
            let cache = self.keys.lock().unwrap_or_else(|e| e.into_inner());
            (Arc::clone(&cache.keys), cache.fetched)
        };
        let known = kid
            .as_deref()
            .is_none_or(|k| keys.iter().any(|p| p.has_kid(k)));
        let due = fetched.is_none_or(|at| at.elapsed() >= JWKS_REFETCH_INTERVAL);
        if fetched.is_some() && (known || !due) {
            return Ok(keys);
        }
        let call = Call {
            url: &discovery.jwks,
            form: None,
            limit: MAX_PROVIDER_JWKS_BYTES,
        };
        let body = http::send(call, self.tls())
            .await
            .map_err(|e| self.unreachable("jwks", &e))?;
        let fresh = Arc::new(id_token::parse_jwks(&body).ok_or(Refusal::Discovery)?);
        tracing::info!(target: "certgate_gate::login", provider = %self.settings.name, keys = fresh.len(), "provider keys fetched");
        let mut cache = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        cache.keys = Arc::clone(&fresh);
        cache.fetched = Some(Instant::now());
        Ok(fresh)
    }

    /// The identity in verified claims: the email only when `email_verified` is true
    /// and it is one well-formed address; groups from the configured claim (strings,
    /// at most [`MAX_GROUPS`]).
    pub(crate) fn identity(
        &self,
        claims: &serde_json::Map<String, Value>,
    ) -> Result<Identity, Refusal> {
        let verified = match claims.get("email_verified") {
            Some(Value::Bool(b)) => *b,
            // Some providers (Cognito, older ones) send a string.
            Some(Value::String(s)) => s == "true",
            _ => false,
        };
        let email = claims.get("email").and_then(Value::as_str);
        let Some(email) = email.filter(|_| verified) else {
            return Err(Refusal::EmailNotVerified);
        };
        let groups: Vec<String> = match claims.get(&self.settings.groups_claim) {
            Some(Value::Array(all)) => all
                .iter()
                .filter_map(Value::as_str)
                .filter(|g| !g.is_empty() && g.len() <= MAX_GROUP_LEN)
                .take(MAX_GROUPS)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(one)) if one.len() <= MAX_GROUP_LEN => vec![one.clone()],
            _ => Vec::new(),
        };
        Identity::new(email, crate::login::OIDC_METHOD)
            .map(|i| i.with_groups(groups))
            .map_err(|_| Refusal::InvalidEmail)
    }
}

impl ProviderKey {
    fn has_kid(&self, kid: &str) -> bool {
        self.kid() == Some(kid)
    }
}
