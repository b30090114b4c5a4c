//! [`OtpLogin`]: the two endpoints, the codes, the limits and the mailer together.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use tokio::sync::Semaphore;

use certgate_policy::{Identity, PolicySet, Request};

use crate::error::GateError;
use crate::login::otp::codes::{CodeRefusal, CodeStore, IssueError, SendLimit};
use crate::login::otp::codes::{MAX_PENDING_CODES, MAX_TRACKED_SENDERS};
use crate::login::otp::config::{OtpConfig, OtpSettings};
use crate::login::otp::form;
use crate::login::otp::reply::{Delivery, DeliveryState, MailCounts, OtpOutcome, OtpReply};
use crate::login::otp::reply::{bad_form, limited, refused, reply};
use crate::login::otp::smtp::Mailer;
use crate::login::otp::{OtpError, message, page};
use crate::session::SessionIssuer;

/// Where the form that asks for a code is posted.
pub const START_PATH: &str = "/cdn-cgi/access/otp/start";
/// Where the form with the code is posted.
pub const VERIFY_PATH: &str = "/cdn-cgi/access/otp/verify";
/// The auth method a code login establishes: what `auth_method` rules compare and the
/// token's `amr` holds (Access calls its one-time PIN `otp`).
pub const AUTH_METHOD: &str = "otp";
/// The most mails being sent at once. The send limits bound the rate; this bounds the
/// tasks and connections a slow SMTP server can pile up. A code that finds no room is
/// not mailed (logged, and the page is the same).
pub const MAX_QUEUED_MAILS: usize = 64;

/// Unix seconds now; replaceable for tests.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

fn system_clock() -> u64 {
    certgate_x509::Timestamp::now().unix_seconds_u64()
}

/// What the gate has when a request for [`START_PATH`] or [`VERIFY_PATH`] arrives.
#[derive(Clone, Copy, Debug)]
pub struct OtpRequest<'a> {
    parts: &'a Parts,
    body: &'a [u8],
    host: &'a str,
    client_ip: IpAddr,
    cert_thumbprint: Option<&'a [u8; 32]>,
    policies: &'a PolicySet,
}

impl<'a> OtpRequest<'a> {
    /// The request head, its body (read within [`crate::login::otp::MAX_FORM_BYTES`]; a
    /// longer one is refused), the host the connection is for (its SNI, as the
    /// policies name it), the client's address and the host's policies.
    pub fn new(
        parts: &'a Parts,
        body: &'a [u8],
        host: &'a str,
        client_ip: IpAddr,
        policies: &'a PolicySet,
    ) -> Self {
        Self {
            parts,
            body,
            host,
            client_ip,
            cert_thumbprint: None,
            policies,
        }
    }

    /// The SHA-256 of the client certificate's DER, when the connection has a verified
    /// one: the session is bound to it (`cnf.x5t#S256`).
    #[must_use]
    pub fn with_cert_thumbprint(mut self, thumbprint: &'a [u8; 32]) -> Self {
        self.cert_thumbprint = Some(thumbprint);
        self
    }
}

#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    failed: AtomicU64,
}

/// Builds an [`OtpLogin`].
pub struct OtpLoginBuilder {
    config: OtpConfig,
    base_dir: PathBuf,
    clock: Clock,
}

impl std::fmt::Debug for OtpLoginBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpLoginBuilder")
            .field("config", &self.config)
            .field("base_dir", &self.base_dir)
            .finish_non_exhaustive()
    }
}

impl OtpLoginBuilder {
    /// Reads relative paths (`password_file`, `smtp_ca`) from `dir` (default: the
    /// working directory); the gate passes its configuration file's directory.
    #[must_use]
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = dir.into();
        self
    }

    /// Tells the time (Unix seconds) with `clock` instead of the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Checks the configuration and loads what it names.
    ///
    /// # Errors
    /// As [`OtpConfig`]'s checks: [`GateError::ConfigValue`] naming the key,
    /// [`GateError::Read`] / [`GateError::Pem`] for the password and CA files,
    /// [`GateError::Tls`] when no TLS client can be made for the SMTP host.
    pub fn build(self) -> Result<OtpLogin, GateError> {
        let settings = self.config.resolve(&self.base_dir)?;
        let tls_error = |source: Box<dyn std::error::Error + Send + Sync>| GateError::Tls {
            host: settings.smtp_host.clone(),
            source,
        };
        let mailer = Mailer::new(&settings).map_err(|e| tls_error(Box::new(e)))?;
        let store = CodeStore::new(
            settings.code_ttl.as_secs(),
            settings.max_attempts,
            MAX_PENDING_CODES,
        )
        .map_err(|_| tls_error("the random number generator failed".into()))?;
        Ok(OtpLogin {
            per_address: SendLimit::new(settings.sends_per_address, MAX_TRACKED_SENDERS),
            per_client: SendLimit::new(settings.sends_per_client, MAX_TRACKED_SENDERS),
            settings,
            store,
            mailer: Arc::new(mailer),
            queue: Arc::new(Semaphore::new(MAX_QUEUED_MAILS)),
            clock: self.clock,
            counters: Arc::new(Counters::default()),
        })
    }
}

/// One-time codes for one gate: the codes waiting, the send limits, the mailer.
pub struct OtpLogin {
    settings: OtpSettings,
    store: CodeStore,
    per_address: SendLimit<Box<str>>,
    per_client: SendLimit<IpAddr>,
    mailer: Arc<Mailer>,
    queue: Arc<Semaphore>,
    clock: Clock,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for OtpLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpLogin")
            .field("smtp_host", &self.settings.smtp_host)
            .field("smtp_port", &self.settings.smtp_port)
            .finish_non_exhaustive()
    }
}

/// The client as the per-client limit counts it: IPv4, or an IPv6 /64 (one host's
/// usual allocation, which it can fill with addresses at will).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
        v4 => v4,
    }
}

impl OtpLogin {
    /// A builder for `config`.
    pub fn builder(config: OtpConfig) -> OtpLoginBuilder {
        OtpLoginBuilder {
            config,
            base_dir: PathBuf::from("."),
            clock: Arc::new(system_clock),
        }
    }

    /// Mails sent and failed so far.
    pub fn mail_counts(&self) -> MailCounts {
        MailCounts {
            sent: self.counters.sent.load(Ordering::Relaxed),
            failed: self.counters.failed.load(Ordering::Relaxed),
        }
    }

    /// Answers `POST` [`START_PATH`]: checks the form and the send limits, then mails a
    /// code if a policy of the application covering `redirect_url` could admit the
    /// address. Admissible or not, the answer is the same page, at once; the mail goes
    /// out in a task of the current tokio runtime ([`OtpReply::delivery`]).
    pub fn start(&self, req: &OtpRequest<'_>) -> OtpReply {
        let form = match form::check_head(req.parts, req.body.len(), req.host)
            .and_then(|()| form::parse(req.body, false))
        {
            Ok(form) => form,
            Err(problem) => return bad_form(problem),
        };
        let now = (self.clock)();
        if !self.per_client.try_take(client_key(req.client_ip), now) {
            return limited(OtpOutcome::ClientLimited, form);
        }
        if !self.per_address.try_take(form.email.as_str().into(), now) {
            return limited(OtpOutcome::AddressLimited, form);
        }
        let minutes = self.settings.code_ttl.as_secs().div_ceil(60);
        let response = page::code_on_its_way(req.host, &form.email, &form.redirect, minutes);
        let decision = req.policies.decide(&Request::new(req.host, &form.redirect));
        let application = decision.application.filter(|_| {
            req.policies
                .could_admit_email(req.host, &form.redirect, &form.email)
        });
        let (outcome, delivery) = match application {
            Some(app) => (
                OtpOutcome::CodeMailed,
                Some(self.mail_code(app, &form.email, req.host, now)),
            ),
            None => (OtpOutcome::NoMail, None),
        };
        OtpReply {
            response,
            outcome,
            email: Some(form.email),
            delivery,
        }
    }

    fn mail_code(&self, application: &str, email: &str, host: &str, now: u64) -> Delivery {
        let code = match self.store.issue(application, email, now) {
            Ok(code) => code,
            Err(IssueError::Full) => return self.failed(application, OtpError::Busy),
            Err(IssueError::Random) => return self.failed(application, OtpError::Random),
        };
        let Ok(permit) = Arc::clone(&self.queue).try_acquire_owned() else {
            return self.failed(application, OtpError::Busy);
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return self.failed(application, OtpError::NoTask);
        };
        let mut id = [0u8; 16];
        if SystemRandom::new().fill(&mut id).is_err() {
            return self.failed(application, OtpError::Random);
        }
        let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let envelope = message::compose(&self.settings, email, host, &code, now, &id);
        drop(code);
        let (mailer, counters) = (Arc::clone(&self.mailer), Arc::clone(&self.counters));
        let application = application.to_owned();
        let task = runtime.spawn(async move {
            let result = mailer.send(&envelope).await;
            drop(permit);
            report(&counters, &application, result.as_ref().err());
            result
        });
        Delivery(DeliveryState::Sending(task))
    }

    fn failed(&self, application: &str, error: OtpError) -> Delivery {
        report(&self.counters, application, Some(&error));
        Delivery(DeliveryState::Done(Err(error)))
    }

    /// Answers `POST` [`VERIFY_PATH`]: checks the code for the address and the
    /// application covering `redirect_url`; when it is right, issues a session with
    /// `sessions` (the address as identity, auth method [`AUTH_METHOD`], the
    /// application's session duration, bound to the client certificate when the
    /// request has one) and answers `302` to `redirect_url` with the cookie (none for
    /// an application whose sessions expire immediately, `0s`: every request asks
    /// again, as with Access).
    pub fn verify(&self, req: &OtpRequest<'_>, sessions: &SessionIssuer) -> OtpReply {
        let form = match form::check_head(req.parts, req.body.len(), req.host)
            .and_then(|()| form::parse(req.body, true))
        {
            Ok(form) => form,
            Err(problem) => return bad_form(problem),
        };
        let now = (self.clock)();
        let decision = req.policies.decide(&Request::new(req.host, &form.redirect));
        let checked = match (decision.application, form.code.as_deref()) {
            (Some(app), Some(code)) => self.store.verify(app, &form.email, code, now).map(|()| app),
            _ => Err(CodeRefusal::NoCode),
        };
        let app = match checked {
            Ok(app) => app,
            Err(refusal) => return refused(refusal, form),
        };
        let issued = Identity::new(form.email.as_str(), AUTH_METHOD)
            .ok()
            .and_then(|identity| {
                let duration = decision.session_duration.unwrap_or_default();
                sessions
                    .issue(&identity, app, duration, req.cert_thumbprint, now)
                    .ok()
            });
        let Some(issued) = issued else {
            tracing::error!(
                application = app,
                "one-time code login: no session could be signed"
            );
            let response = page::html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in failed",
                "The session could not be made. Try again in a moment.",
                "",
            );
            return reply(response, OtpOutcome::SessionFailed, form);
        };
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::FOUND;
        let headers = response.headers_mut();
        if let Ok(location) = HeaderValue::from_str(&form.redirect) {
            headers.insert(header::LOCATION, location);
        }
        if let Some(cookie) = issued
            .set_cookie
            .and_then(|c| HeaderValue::try_from(c).ok())
        {
            headers.insert(header::SET_COOKIE, cookie);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        reply(response, OtpOutcome::SignedIn, form)
    }
}

/// Counts a mail sent or not and logs it, without the address: the gate's log names an
/// identity only when it signs in.
fn report(counters: &Counters, application: &str, error: Option<&OtpError>) {
    match error {
        None => {
            counters.sent.fetch_add(1, Ordering::Relaxed);
            tracing::info!(application, "one-time code mailed");
        }
        Some(error) => {
            counters.failed.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(application, %error, "one-time code not mailed");
        }
    }
}
