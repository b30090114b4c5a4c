//! Login at the gate, as Access does it: a request that a policy would let in with an
//! identity is sent to the login page ([`LOGIN_PATH`], HTML clients) or answered 401
//! with the page's URL (API clients); the page lists the configured methods; a method
//! establishes who the user is, and the gate issues a session
//! ([`crate::SessionIssuer`]) for the application of the page the user asked for,
//! bound to the connection's client certificate when there is one.
//!
//! Methods: OpenID Connect (`[[login.oidc]]`, [`crate::config::OidcSection`]) and
//! one-time codes by email (`[login.otp]`, [`otp`]). Each method contributes a
//! section to the login page (`LoginMethods::page_sections`) and answers its own
//! paths under `/cdn-cgi/access/` (the code forms are posted to [`otp::START_PATH`]
//! and [`otp::VERIFY_PATH`], their bodies read within [`otp::MAX_FORM_BYTES`]).
//! Every step that ends counts in `certgate_gate_logins_total{method,result}`
//! (`result="ok"` for a sign-in, else the reason id); mails in
//! `certgate_gate_otp_mails_total{result="sent"|"failed"}`. The configuration is read when the gate is loaded;
//! a reload does not change the login methods. The embedded [`crate::GateLayer`] does
//! not offer logins (the gate binary's server does).
//!
//! # Security
//! - `redirect_url` is a path on the same host ([`crate::session::safe_redirect`]):
//!   absolute URLs, `//host`, `/\host` and their encoded forms are refused (400).
//! - A login under way is kept on the gate ([`MAX_PENDING_LOGINS`], ten minutes,
//!   single-use `state`) and bound to the browser that started it by a random
//!   host-only cookie ([`BINDING_COOKIE`]) checked at the callback: a callback URL
//!   planted in another browser (login CSRF) is refused.
//! - The login page sets no cookie; every cookie the gate sets is host-only.

pub(crate) mod oidc;
pub mod otp;
mod page;
mod pending;

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;

use crate::config::GateConfig;
use crate::conn::ConnectionInfo;
use crate::error::{ConfigProblem, GateError};
use crate::host::HostState;
use crate::metrics::Metrics;
use crate::session::{SessionIssuer, SessionKeys, cookie};

pub use oidc::{
    ID_TOKEN_ALGORITHMS, ID_TOKEN_SKEW_SECS, JWKS_REFETCH_INTERVAL, MAX_DISCOVERY_BYTES,
    MAX_ID_TOKEN_BYTES, MAX_JWKS_KEYS, MAX_PROVIDER_JWKS_BYTES, MAX_TOKEN_RESPONSE_BYTES,
    PROVIDER_TIMEOUT,
};
pub(crate) use page::login_required;
pub use pending::{MAX_PENDING_LOGINS, PENDING_LOGIN_TTL_SECS};

/// The login page, on every host (Access's path).
pub const LOGIN_PATH: &str = "/cdn-cgi/access/login";
/// Where an OpenID provider sends the browser back with the code.
pub const CALLBACK_PATH: &str = "/cdn-cgi/access/callback";
/// `/cdn-cgi/access/oidc/NAME` starts a login with the provider `NAME`.
pub const OIDC_START_PREFIX: &str = "/cdn-cgi/access/oidc/";
/// The cookie that binds a login under way to the browser that started it.
pub const BINDING_COOKIE: &str = "certgate_login";
/// The auth method of an identity from OpenID Connect: what `auth_method = "oidc"`
/// selects.
pub const OIDC_METHOD: &str = "oidc";
/// The auth method of an identity from a one-time code: what `auth_method = "otp"`
/// selects.
pub const OTP_METHOD: &str = otp::AUTH_METHOD;

/// Why a login step was refused: the page names it, the log and
/// `certgate_gate_logins_total{result}` count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// `redirect_url` is not a path on this host.
    BadRedirect,
    /// No provider of that name.
    UnknownProvider,
    /// Too many logins under way.
    Busy,
    /// The callback's `state` is unknown, used, expired or for another host.
    UnknownState,
    /// The browser at the callback is not the one that started the login.
    Binding,
    /// The provider sent the user back with an error (`access_denied` ...).
    ProviderError,
    /// The provider could not be reached, or timed out.
    ProviderUnreachable,
    /// The discovery document or the JWKS is not usable (the issuer does not match).
    Discovery,
    /// The token endpoint refused the code (used, expired, wrong verifier).
    TokenRequest,
    /// The ID token was refused.
    IdToken(oidc::IdTokenProblem),
    /// No email, or one the provider does not mark verified.
    EmailNotVerified,
    /// The email is not one well-formed address.
    InvalidEmail,
    /// No application covers the page asked for.
    NoApplication,
    /// The application keeps no session (`session_duration = "0s"`).
    NoSession,
    /// A session could not be made.
    Internal,
}

impl Refusal {
    /// A short, stable id.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Self::BadRedirect => "bad-redirect",
            Self::UnknownProvider => "unknown-provider",
            Self::Busy => "busy",
            Self::UnknownState => "unknown-state",
            Self::Binding => "browser-mismatch",
            Self::ProviderError => "provider-error",
            Self::ProviderUnreachable => "provider-unreachable",
            Self::Discovery => "provider-discovery",
            Self::TokenRequest => "token-refused",
            Self::IdToken(p) => p.id(),
            Self::EmailNotVerified => "email-not-verified",
            Self::InvalidEmail => "email-invalid",
            Self::NoApplication => "no-application",
            Self::NoSession => "no-session",
            Self::Internal => "internal",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::BadRedirect | Self::UnknownState | Self::Binding => StatusCode::BAD_REQUEST,
            Self::UnknownProvider | Self::NoApplication => StatusCode::NOT_FOUND,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::ProviderUnreachable | Self::Discovery | Self::TokenRequest => {
                StatusCode::BAD_GATEWAY
            }
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::FORBIDDEN,
        }
    }

    fn message(self) -> &'static str {
        match self {
            Self::BadRedirect => "The page to return to is not a page of this site.",
            Self::UnknownProvider => "There is no such sign-in method here.",
            Self::Busy => "Too many sign-ins are under way. Try again in a minute.",
            Self::UnknownState => {
                "This sign-in is unknown, was already used, or took longer than ten minutes. \
                 Start again."
            }
            Self::Binding => "This sign-in was started in another browser. Start again here.",
            Self::ProviderError => "The identity provider did not sign you in.",
            Self::ProviderUnreachable => "The identity provider cannot be reached.",
            Self::Discovery => "The identity provider's configuration is not usable.",
            Self::TokenRequest => {
                "The identity provider refused to complete this sign-in (a used or expired \
                 code). Start again."
            }
            Self::IdToken(_) => "The identity provider's answer could not be verified.",
            Self::EmailNotVerified => "The identity provider has no verified email for you.",
            Self::InvalidEmail => "The email the identity provider gave is not usable.",
            Self::NoApplication => "No application here covers the page asked for.",
            Self::NoSession => {
                "You are signed in, but this application asks again on every request and \
                 keeps no session."
            }
            Self::Internal => "The session could not be made.",
        }
    }
}

/// The login methods configured for the gate, and the logins under way.
#[derive(Debug, Default)]
pub(crate) struct LoginMethods {
    oidc: Vec<oidc::OidcProvider>,
    otp: Option<otp::OtpLogin>,
    pending: pending::PendingLogins,
}

/// What a login endpoint needs of the request's connection and host.
#[derive(Debug)]
pub(crate) struct LoginContext<'a> {
    /// The host, lowercase, without the port.
    pub(crate) host: &'a str,
    pub(crate) state: &'a HostState,
    pub(crate) conn: &'a ConnectionInfo,
    pub(crate) keys: &'a Arc<SessionKeys>,
    pub(crate) metrics: &'a Metrics,
    pub(crate) now: u64,
}

impl LoginMethods {
    /// The methods of `config`'s `[login]` section; the client secrets are read here.
    ///
    /// # Errors
    /// [`GateError::ConfigValue`] for a provider that cannot be used, [`GateError::Read`]
    /// for a secret or CA file that cannot be read.
    pub(crate) fn from_config(config: &GateConfig) -> Result<Self, GateError> {
        let mut methods = Self::default();
        for (i, section) in config.login.oidc.iter().enumerate() {
            let settings = section.settings(config, i)?;
            let provider = oidc::OidcProvider::new(settings).ok_or(GateError::ConfigValue {
                key: format!("login.oidc[{i}].issuer"),
                problem: ConfigProblem::NotAnIssuer,
            })?;
            methods.oidc.push(provider);
        }
        if let Some(otp) = &config.login.otp {
            let login = otp::OtpLogin::builder(otp.clone())
                .with_base_dir(&config.base_dir)
                .build()?;
            methods.otp = Some(login);
        }
        Ok(methods)
    }

    /// Whether no method is configured (a login is then never offered).
    pub(crate) fn is_empty(&self) -> bool {
        self.oidc.is_empty() && self.otp.is_none()
    }

    /// One-time codes, when `[login.otp]` is configured.
    pub(crate) fn otp(&self) -> Option<&otp::OtpLogin> {
        self.otp.as_ref()
    }

    /// The login page's sections, one per method, for a login returning to
    /// `redirect_url`: a link per OpenID provider, the email form of one-time codes.
    pub(crate) fn page_sections(&self, redirect_url: &str) -> Vec<String> {
        let mut sections = Vec::new();
        if !self.oidc.is_empty() {
            let links: Vec<(String, String)> = self
                .oidc
                .iter()
                .map(|p| (p.settings.name.clone(), p.settings.display_name.clone()))
                .collect();
            sections.push(page::oidc_section(&links, redirect_url));
        }
        if self.otp.is_some() {
            sections.push(otp::email_section(redirect_url));
        }
        sections
    }

    /// The login methods' own metrics (mails of one-time codes), appended to `out`.
    pub(crate) fn render_metrics(&self, out: &mut String) {
        if let Some(otp) = &self.otp {
            let counts = otp.mail_counts();
            out.push_str(&format!(
                "# HELP certgate_gate_otp_mails_total Mails of one-time codes, by result.\n\
                 # TYPE certgate_gate_otp_mails_total counter\n\
                 certgate_gate_otp_mails_total{{result=\"sent\"}} {}\n\
                 certgate_gate_otp_mails_total{{result=\"failed\"}} {}\n",
                counts.sent, counts.failed
            ));
        }
    }
}

/// The gate's answer for a login path (the page, a start, the callback) with the
/// detail its decision line names, or `None` for any other path (or when no method is
/// configured).
pub(crate) async fn endpoint<B>(
    req: &Request<B>,
    methods: &LoginMethods,
    ctx: &LoginContext<'_>,
) -> Option<(Response<Full<Bytes>>, &'static str)> {
    if methods.is_empty() {
        return None;
    }
    let path = req.uri().path();
    let result = if path == LOGIN_PATH {
        login_page(req, methods, ctx).map(|r| (r, "login-page"))
    } else if path == CALLBACK_PATH {
        oidc_flow::callback(req, methods, ctx)
            .await
            .map(|r| (r, "login-complete"))
    } else if let Some(name) = path.strip_prefix(OIDC_START_PREFIX) {
        oidc_flow::start(req, methods, ctx, name)
            .await
            .map(|r| (r, "login-start"))
    } else {
        return None;
    };
    Some(match result {
        Ok(done) => done,
        Err(refusal) => {
            ctx.metrics.login(OIDC_METHOD, refusal.id());
            tracing::warn!(target: "certgate_gate::login", host = ctx.host, reason = refusal.id(), "login refused");
            (page::refusal(req, refusal), refusal.id())
        }
    })
}

/// The `redirect_url` of a login request: `/` when absent, refused when not a path on
/// this host.
fn redirect_url<B>(req: &Request<B>) -> Result<String, Refusal> {
    if !req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p.starts_with("redirect_url=")))
    {
        return Ok("/".to_owned());
    }
    let target = cookie::redirect_param(req.uri().query()).ok_or(Refusal::BadRedirect)?;
    cookie::safe_redirect(&target)
        .map(str::to_owned)
        .ok_or(Refusal::BadRedirect)
}

fn login_page<B>(
    req: &Request<B>,
    methods: &LoginMethods,
    ctx: &LoginContext<'_>,
) -> Result<Response<Full<Bytes>>, Refusal> {
    let target = redirect_url(req)?;
    let sections = methods.page_sections(&target);
    Ok(page::login_page(ctx.host, &sections))
}

/// A response with `status`, `content_type` and `body`, never cached.
pub(crate) fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// An issuer of sessions for `host`.
fn issuer(keys: &Arc<SessionKeys>, host: &str) -> SessionIssuer {
    SessionIssuer::new(Arc::clone(keys), format!("https://{host}"))
}

mod oidc_flow;
mod otp_flow;

pub(crate) use otp_flow::{is_otp_path, otp_endpoint};
