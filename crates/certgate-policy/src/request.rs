//! What a decision looks at: the request view and the caller's trusted identity.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use certgate_verify::ClientCertInfo;

use crate::error::PolicyError;
use crate::path::RequestPath;

/// Who the user is, as established by a source the caller trusts (a login proxy, an
/// IdP callback) — never read from raw request headers. Without one, identity selectors
/// (`email`, `email_domain`, `group`, `auth_method`) never match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    email: String,
    groups: Vec<String>,
    established_by: String,
}

/// The most bytes an email address may have (RFC 5321's path limit: 256 with the angle
/// brackets, so 254 for the address).
pub const MAX_EMAIL_LEN: usize = 254;

/// Why an email address is refused as an [`Identity`]'s ([`PolicyError::InvalidEmail`]).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailProblem {
    /// Empty, or longer than [`MAX_EMAIL_LEN`].
    #[error("empty or longer than 254 bytes")]
    Length,
    /// No `@`, or more than one (`bob@evil.com@example.com`).
    #[error("not exactly one `@`")]
    AtSigns,
    /// Nothing before the `@`, or more than 64 bytes.
    #[error("empty or too long local part")]
    LocalPart,
    /// No domain after the `@`, or one that is not dot-separated letters, digits and
    /// hyphens.
    #[error("not a domain name after the `@`")]
    Domain,
    /// A character no plain address has: a space, a control character, a quote, a
    /// bracket, a backslash, a comma, a semicolon, a colon, or a non-ASCII byte.
    #[error("a character no plain address has (space, control, quote, bracket ...)")]
    Character,
}

impl Identity {
    /// An identity with this email address, established by `established_by` (the
    /// method or source, such as `otp` or `oidc`; what `auth_method` selectors compare).
    ///
    /// # Errors
    /// [`PolicyError::InvalidEmail`] unless `email` is one plain, well-formed address
    /// (`local@domain`, no quoted local part, no comments, no second `@`): a selector
    /// such as `email_domain` reads the domain after the `@`, so an address like
    /// `bob@evil.com@example.com` must not get that far.
    pub fn new(
        email: impl Into<String>,
        established_by: impl Into<String>,
    ) -> Result<Self, PolicyError> {
        let email = email.into();
        check_email(&email).map_err(|problem| PolicyError::InvalidEmail {
            email: email.escape_debug().to_string(),
            problem,
        })?;
        Ok(Self {
            email,
            groups: Vec::new(),
            established_by: established_by.into(),
        })
    }

    /// The groups the user belongs to, as the source reported them.
    #[must_use]
    pub fn with_groups<S: Into<String>>(mut self, groups: impl IntoIterator<Item = S>) -> Self {
        self.groups = groups.into_iter().map(Into::into).collect();
        self
    }

    /// The email address.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// The domain of the email address (after its one `@`).
    pub fn email_domain(&self) -> Option<&str> {
        self.email.split_once('@').map(|(_, d)| d)
    }

    /// The groups.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// How the identity was established.
    pub fn established_by(&self) -> &str {
        &self.established_by
    }
}

/// Whether `email` is one plain address: `local@domain`, the local part of RFC 5322's
/// dot-atom characters, the domain dot-separated labels of letters, digits and hyphens.
fn check_email(email: &str) -> Result<(), EmailProblem> {
    if email.is_empty() || email.len() > MAX_EMAIL_LEN {
        return Err(EmailProblem::Length);
    }
    let atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.@".contains(&b);
    if !email.bytes().all(atext) {
        return Err(EmailProblem::Character);
    }
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(EmailProblem::AtSigns);
    };
    // Local part: 1 to 64 bytes (RFC 5321), no empty dot-separated atom.
    if local.is_empty() || local.len() > 64 || local.split('.').any(str::is_empty) {
        return Err(EmailProblem::LocalPart);
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !domain.contains('.') || !domain.split('.').all(label_ok) {
        return Err(EmailProblem::Domain);
    }
    Ok(())
}

/// The client id and secret a request presented (`CF-Access-Client-Id`,
/// `CF-Access-Client-Secret`).
#[derive(Clone, Copy)]
pub struct ServiceTokenHeaders<'a> {
    /// The client id.
    pub client_id: &'a str,
    /// The secret.
    pub client_secret: &'a str,
}

impl std::fmt::Debug for ServiceTokenHeaders<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceTokenHeaders")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The path of a [`Request`]: as it came, or parsed already.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PathSource<'a> {
    /// Normalised at each decision, with the default [`PathOptions`](crate::PathOptions).
    Raw(&'a str),
    /// Normalised once, with its own options.
    Parsed(&'a RequestPath),
}

/// A request as the policy engine sees it. Borrowed, so building one does not allocate.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub(crate) host: &'a str,
    pub(crate) path: PathSource<'a>,
    pub(crate) method: &'a str,
    pub(crate) peer_ip: Option<IpAddr>,
    pub(crate) service_token: Option<ServiceTokenHeaders<'a>>,
    pub(crate) cert: Option<&'a ClientCertInfo>,
    pub(crate) identity: Option<&'a Identity>,
    pub(crate) now: Option<u64>,
}

impl<'a> Request<'a> {
    /// A `GET` of `path` on `host` (a `Host` header: a port and a trailing dot are
    /// ignored, case too). The path (it may carry a query, which is not matched) is
    /// normalised as [`RequestPath::parse`] does with the default
    /// [`PathOptions`](crate::PathOptions), without allocating; a path it refuses is
    /// denied with [`Reason::InvalidPath`](crate::Reason::InvalidPath).
    pub fn new(host: &'a str, path: &'a str) -> Self {
        Self::with_source(host, PathSource::Raw(path))
    }

    /// A `GET` of a path parsed already (with its [`PathOptions`](crate::PathOptions),
    /// such as the origin's case) on `host`: what a gate that forwards
    /// [`RequestPath::path_and_query`] decides on.
    pub fn for_path(host: &'a str, path: &'a RequestPath) -> Self {
        Self::with_source(host, PathSource::Parsed(path))
    }

    fn with_source(host: &'a str, path: PathSource<'a>) -> Self {
        Self {
            host,
            path,
            method: "GET",
            peer_ip: None,
            service_token: None,
            cert: None,
            identity: None,
            now: None,
        }
    }

    /// The HTTP method.
    #[must_use]
    pub fn with_method(mut self, method: &'a str) -> Self {
        self.method = method;
        self
    }

    /// The peer's IP address.
    #[must_use]
    pub fn with_peer_ip(mut self, ip: IpAddr) -> Self {
        self.peer_ip = Some(ip);
        self
    }

    /// The service-token headers the request carried.
    #[must_use]
    pub fn with_service_token(mut self, client_id: &'a str, client_secret: &'a str) -> Self {
        self.service_token = Some(ServiceTokenHeaders {
            client_id,
            client_secret,
        });
        self
    }

    /// The connection's client certificate, with the verdict its verifier reached.
    #[must_use]
    pub fn with_cert(mut self, cert: &'a ClientCertInfo) -> Self {
        self.cert = Some(cert);
        self
    }

    /// The identity a trusted source established.
    #[must_use]
    pub fn with_identity(mut self, identity: &'a Identity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// The time to decide at (for `expiring_within`); without it, the system clock.
    #[must_use]
    pub fn with_time(mut self, now: certgate_x509::Timestamp) -> Self {
        self.now = Some(now.unix_seconds_u64());
        self
    }

    pub(crate) fn now(&self) -> u64 {
        self.now.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
    }
}
