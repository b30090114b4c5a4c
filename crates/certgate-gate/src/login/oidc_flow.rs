//! The two gate-side steps of an OpenID Connect login: the start (a pending login, the
//! binding cookie, the redirect to the provider) and the callback (state, binding,
//! code for ID token, identity, session).

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;

use super::pending::{PendingLogin, binding_hash, random_token};
use super::{
    BINDING_COOKIE, CALLBACK_PATH, LoginContext, LoginMethods, OIDC_METHOD, Refusal, issuer,
    redirect_url, respond,
};
use crate::login::pending::PENDING_LOGIN_TTL_SECS;

/// The longest `code` or `state` read from a callback: providers' codes are 20-200
/// characters; anything much longer is not a code.
const MAX_CALLBACK_PARAM: usize = 2048;

/// `GET /cdn-cgi/access/oidc/NAME?redirect_url=PATH`.
pub(super) async fn start<B>(
    req: &Request<B>,
    methods: &LoginMethods,
    ctx: &LoginContext<'_>,
    name: &str,
) -> Result<Response<Full<Bytes>>, Refusal> {
    let provider = methods
        .oidc
        .iter()
        .find(|p| p.settings.name == name)
        .ok_or(Refusal::UnknownProvider)?;
    let target = redirect_url(req)?;
    let authority = authority(req).ok_or(Refusal::BadRedirect)?;
    let redirect_uri = format!("https://{authority}{CALLBACK_PATH}");
    // One binding per browser: logins started in two tabs both complete.
    let binding = binding_cookie(req)
        .map(str::to_owned)
        .or_else(random_token)
        .ok_or(Refusal::Internal)?;
    let (state, nonce, verifier) = match (random_token(), random_token(), random_token()) {
        (Some(s), Some(n), Some(v)) => (s, n, v),
        _ => return Err(Refusal::Internal),
    };
    let location = provider
        .authorization_url(&state, &nonce, &verifier, &redirect_uri)
        .await?;
    let pending = PendingLogin {
        provider: provider.settings.name.clone(),
        nonce,
        verifier,
        redirect_uri,
        redirect_url: target,
        host: ctx.host.to_owned(),
        binding: binding_hash(&binding),
        started: ctx.now,
    };
    methods
        .pending
        .insert(state, pending, ctx.now)
        .map_err(|_| Refusal::Busy)?;
    let mut response = respond(StatusCode::FOUND, "text/plain; charset=utf-8", "");
    let headers = response.headers_mut();
    headers.insert(
        header::LOCATION,
        HeaderValue::try_from(location).map_err(|_| Refusal::Discovery)?,
    );
    let cookie = format!(
        "{BINDING_COOKIE}={binding}; Max-Age={PENDING_LOGIN_TTL_SECS}; Path=/cdn-cgi/access/; \
         Secure; HttpOnly; SameSite=Lax"
    );
    headers.insert(
        header::SET_COOKIE,
        HeaderValue::try_from(cookie).map_err(|_| Refusal::Internal)?,
    );
    Ok(response)
}

/// `GET /cdn-cgi/access/callback?code=..&state=..`.
pub(super) async fn callback<B>(
    req: &Request<B>,
    methods: &LoginMethods,
    ctx: &LoginContext<'_>,
) -> Result<Response<Full<Bytes>>, Refusal> {
    let query = req.uri().query().unwrap_or("");
    let param = |name: &str| {
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name && v.len() <= MAX_CALLBACK_PARAM).then(|| percent_decode(v))?
        })
    };
    let state = param("state").ok_or(Refusal::UnknownState)?;
    // Taken out first: a state is used once, whatever follows.
    let pending = methods
        .pending
        .take(&state, ctx.now)
        .ok_or(Refusal::UnknownState)?;
    if pending.host != ctx.host {
        return Err(Refusal::UnknownState);
    }
    if binding_cookie(req).map(binding_hash) != Some(pending.binding) {
        return Err(Refusal::Binding);
    }
    let provider = methods
        .oidc
        .iter()
        .find(|p| p.settings.name == pending.provider)
        .ok_or(Refusal::UnknownProvider)?;
    if param("error").is_some() {
        return Err(Refusal::ProviderError);
    }
    // RFC 9207: when the provider names itself, it must be the one the login went to.
    if let Some(iss) = param("iss")
        && iss != provider.settings.issuer
    {
        return Err(Refusal::IdToken(super::oidc::IdTokenProblem::Issuer));
    }
    let code = param("code").ok_or(Refusal::TokenRequest)?;
    let claims = provider
        .redeem(
            &code,
            &pending.verifier,
            &pending.redirect_uri,
            &pending.nonce,
            ctx.now,
        )
        .await?;
    let identity = provider.identity(&claims)?;
    signed_in(
        ctx,
        &identity,
        pending.redirect_url,
        &provider.settings.name,
    )
}

/// The session for `identity` on the application of `redirect_url`, bound to the
/// connection's verified certificate, and the redirect there with its cookie.
fn signed_in(
    ctx: &LoginContext<'_>,
    identity: &certgate_policy::Identity,
    redirect_url: String,
    provider: &str,
) -> Result<Response<Full<Bytes>>, Refusal> {
    let (application, duration) = crate::decide::application_of(
        &ctx.state.policy,
        &ctx.state.path_options,
        ctx.host,
        &redirect_url,
        ctx.conn,
        identity,
    )
    .ok_or(Refusal::NoApplication)?;
    let thumbprint = crate::session::cert_binding(&ctx.conn.cert);
    let session = issuer(ctx.keys, ctx.host)
        .issue(
            identity,
            &application,
            duration,
            thumbprint.as_ref(),
            ctx.now,
        )
        .map_err(|_| Refusal::Internal)?;
    let Some(set_cookie) = session.set_cookie else {
        return Err(Refusal::NoSession);
    };
    ctx.metrics.login(OIDC_METHOD, "ok");
    tracing::info!(target: "certgate_gate::login", host = ctx.host, provider, email = identity.email(), application = %application, bound = thumbprint.is_some(), "signed in");
    let mut response = respond(StatusCode::FOUND, "text/plain; charset=utf-8", "");
    let headers = response.headers_mut();
    headers.insert(
        header::LOCATION,
        HeaderValue::try_from(redirect_url).map_err(|_| Refusal::BadRedirect)?,
    );
    headers.append(
        header::SET_COOKIE,
        HeaderValue::try_from(set_cookie).map_err(|_| Refusal::Internal)?,
    );
    headers.append(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "certgate_login=; Max-Age=0; Path=/cdn-cgi/access/; Secure; HttpOnly; SameSite=Lax",
        ),
    );
    Ok(response)
}

/// The request's authority (`host[:port]`, lowercase) when it is a plain host name or
/// address with an optional port: what the `redirect_uri` is built from.
fn authority<B>(req: &Request<B>) -> Option<String> {
    let raw = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            req.headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        })?;
    let ok = !raw.is_empty()
        && raw.len() <= 260
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    ok.then(|| raw.to_ascii_lowercase())
}

/// The binding cookie's value, when the request has a well-formed one.
fn binding_cookie<B>(req: &Request<B>) -> Option<&str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == BINDING_COOKIE
                && value.len() == 43
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
            .then_some(value)
        })
}

/// Percent-decodes a query value (`+` is a space); `None` when broken or not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let hi = char::from(bytes.next()?).to_digit(16)?;
                let lo = char::from(bytes.next()?).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}
