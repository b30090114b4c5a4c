//! The configuration model: applications, policies, rules, rule groups and service
//! tokens, as data with public fields. Files load into it; [`crate::PolicySet`]
//! compiles it for evaluation. The types grow with Access's model, so they are
//! `#[non_exhaustive]`: code outside this crate builds them with their constructors and
//! `with_*` methods (or changes the public fields of one it has), not by literal.

use std::fmt;
use std::time::Duration;

/// A whole policy configuration.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyConfig {
    /// Applications, each with its domains and ordered policies.
    pub applications: Vec<Application>,
    /// Named rule groups that policies use with [`Rule::RuleGroup`].
    pub rule_groups: Vec<RuleGroup>,
    /// Service tokens that [`Rule::ServiceToken`] and [`Rule::AnyValidServiceToken`] check.
    pub service_tokens: Vec<ServiceToken>,
}

impl PolicyConfig {
    /// The same configuration with `application` added after the others.
    pub fn with_application(mut self, application: Application) -> Self {
        self.applications.push(application);
        self
    }

    /// The same configuration with the rule group `group` added.
    pub fn with_rule_group(mut self, group: RuleGroup) -> Self {
        self.rule_groups.push(group);
        self
    }

    /// The same configuration with the service token `token` added.
    pub fn with_service_token(mut self, token: ServiceToken) -> Self {
        self.service_tokens.push(token);
        self
    }
}

/// An application: what it covers and who gets in.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct Application {
    /// A name, for decisions and traces.
    pub name: String,
    /// Domains: `host` or `host/path`, each label or path segment with at most one `*`.
    /// `host/public` covers `/public` and everything under `/public/`.
    pub domains: Vec<String>,
    /// How long a session lasts once let in.
    pub session_duration: SessionDuration,
    /// Policies, in order.
    pub policies: Vec<Policy>,
}

impl Application {
    /// An application named `name` covering `domains`, with the default session
    /// duration and no policy yet (one without policies lets nobody in).
    pub fn new(
        name: impl Into<String>,
        domains: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            name: name.into(),
            domains: domains.into_iter().map(Into::into).collect(),
            session_duration: SessionDuration::DEFAULT,
            policies: Vec::new(),
        }
    }

    /// The same application with `policy` after its other policies.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policies.push(policy);
        self
    }

    /// The same application with sessions lasting `duration`.
    pub fn with_session_duration(mut self, duration: SessionDuration) -> Self {
        self.session_duration = duration;
        self
    }
}

/// How long a session lasts once a request was let in.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionDuration {
    /// No session: every request is checked (Access's "no duration, expires
    /// immediately", written `0s`). What certificate-only applications want.
    ExpiresImmediately,
    /// A session of this length.
    For(Duration),
}

impl SessionDuration {
    /// Access's default: 24 hours.
    pub const DEFAULT: Self = Self::For(Duration::from_secs(24 * 3600));
}

impl Default for SessionDuration {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for SessionDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExpiresImmediately => f.write_str("0s (expires immediately)"),
            Self::For(d) => write!(f, "{}s", d.as_secs()),
        }
    }
}

/// What a policy does when it matches: Access's Allow, Block, Bypass and Service Auth.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyDecision {
    /// Lets the request in (Access's Allow).
    Allow,
    /// Keeps it out (Access's Block).
    Deny,
    /// Lets it in without any check of who it is (Access's Bypass). Evaluated first.
    Bypass,
    /// Lets it in on non-identity evidence: a certificate, a service token (Access's
    /// Service Auth). Evaluated first.
    NonIdentity,
}

impl PolicyDecision {
    /// As Access's API spells it: `allow`, `deny`, `bypass`, `non_identity`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::Bypass => "bypass",
            Self::NonIdentity => "non_identity",
        }
    }

    /// The decision spelled `s` (Access's API spelling).
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "allow" => Self::Allow,
            "deny" => Self::Deny,
            "bypass" => Self::Bypass,
            "non_identity" => Self::NonIdentity,
            _ => return None,
        })
    }

    /// Bypass and non_identity policies run before allow and deny ones.
    pub fn runs_first(self) -> bool {
        matches!(self, Self::Bypass | Self::NonIdentity)
    }
}

impl fmt::Display for PolicyDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy: a decision and its rules.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// A name, for decisions and traces.
    pub name: String,
    /// What it does when it matches.
    pub decision: PolicyDecision,
    /// Any one must match (at least one rule is required).
    pub include: Vec<Rule>,
    /// All must match.
    pub require: Vec<Rule>,
    /// None may match.
    pub exclude: Vec<Rule>,
}

impl Policy {
    /// A policy with one include rule and no others.
    pub fn new(name: impl Into<String>, decision: PolicyDecision, include: Rule) -> Self {
        Self {
            name: name.into(),
            decision,
            include: vec![include],
            require: Vec::new(),
            exclude: Vec::new(),
        }
    }

    /// The same policy with `rule` among its include rules (any one must match).
    pub fn with_include(mut self, rule: Rule) -> Self {
        self.include.push(rule);
        self
    }

    /// The same policy with `rule` among its require rules (all must match).
    pub fn with_require(mut self, rule: Rule) -> Self {
        self.require.push(rule);
        self
    }

    /// The same policy with `rule` among its exclude rules (none may match).
    pub fn with_exclude(mut self, rule: Rule) -> Self {
        self.exclude.push(rule);
        self
    }
}

/// A named set of rules, reusable across policies: it matches when any include, all
/// requires and no exclude match. Groups do not nest.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct RuleGroup {
    /// What [`Rule::RuleGroup`] names.
    pub name: String,
    /// Any one must match.
    pub include: Vec<Rule>,
    /// All must match.
    pub require: Vec<Rule>,
    /// None may match.
    pub exclude: Vec<Rule>,
}

impl RuleGroup {
    /// A group named `name` with one include rule and no others (add more through the
    /// public fields).
    pub fn new(name: impl Into<String>, include: Rule) -> Self {
        Self {
            name: name.into(),
            include: vec![include],
            require: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

/// A service token: a client id and secret that a client sends in the
/// `CF-Access-Client-Id` and `CF-Access-Client-Secret` headers.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceToken {
    /// What [`Rule::ServiceToken`] names.
    pub name: String,
    /// The client id (not secret).
    pub client_id: String,
    /// The secret, or its SHA-256.
    pub secret: TokenSecret,
}

impl ServiceToken {
    /// The token named `name`, sent as `client_id` with `secret`.
    pub fn new(name: impl Into<String>, client_id: impl Into<String>, secret: TokenSecret) -> Self {
        Self {
            name: name.into(),
            client_id: client_id.into(),
            secret,
        }
    }
}

impl fmt::Debug for ServiceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceToken")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// A service token's secret as configured. Either way it is kept as its SHA-256 and
/// compared in constant time.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub enum TokenSecret {
    /// The secret itself.
    Plain(String),
    /// Hex SHA-256 of the secret, so the file need not hold the secret.
    Sha256Hex(String),
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Plain(_) => f.write_str("Plain(..)"),
            Self::Sha256Hex(h) => f.debug_tuple("Sha256Hex").field(h).finish(),
        }
    }
}

/// A selector: one condition on a request.
///
/// Every certificate selector (`ValidCertificate` through `CertificatePolicy`) matches
/// only a certificate that was presented, verified and not revoked.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Every request.
    Everyone,
    /// A valid client certificate (Access's "Valid Certificate").
    ValidCertificate,
    /// The certificate's first common name, exactly (Access's "Common Name").
    CommonName(String),
    /// A subject attribute (`O`, `OU`, `C`, ... or a dotted OID) with exactly this
    /// value; any of several (several OUs) may match.
    SubjectAttribute {
        /// `CN`, `O`, `OU`, `C`, `L`, `ST`, `STREET`, `DC`, `UID`, `serialNumber`,
        /// `emailAddress`, ... or a dotted OID.
        attribute: String,
        /// The value.
        value: String,
    },
    /// A DNS subjectAltName.
    SanDns(NameMatch),
    /// An email (rfc822Name) subjectAltName.
    SanEmail(NameMatch),
    /// A URI subjectAltName, such as a SPIFFE ID.
    SanUri(NameMatch),
    /// The issuer's DN in RFC 4514 form (`CN=Sam Money App,O=Money App Test,C=PT`),
    /// attribute for attribute.
    Issuer(String),
    /// The serial number in hex (colons allowed, leading zeros ignored).
    Serial(String),
    /// SHA-256 of the certificate, in hex (colons allowed).
    FingerprintSha256(String),
    /// SHA-256 of the SubjectPublicKeyInfo (an RFC 7469 pin), in hex or base64.
    SpkiSha256(String),
    /// A certificate that expires within this window from now.
    ExpiringWithin(Duration),
    /// A certificate policy (a dotted OID) in the user-constrained policy set of the
    /// verified path (RFC 5280 §6.1.5 (g), as certgate-verify's `PolicySets` gives it):
    /// every certificate on the path asserts it, or a policy mapped to it. Matched
    /// exactly: a path valid for anyPolicy matches `2.5.29.32.0` only.
    CertificatePolicy(String),
    /// The peer IP address is in this range (`198.51.100.0/24`, `2001:db8::/32` or an
    /// address).
    Ip(String),
    /// The service token with this name, its secret checked.
    ServiceToken(String),
    /// Any configured service token, its secret checked.
    AnyValidServiceToken,
    /// The identity's email address (ASCII case ignored).
    Email(String),
    /// The domain of the identity's email address (ASCII case ignored).
    EmailDomain(String),
    /// A group the identity belongs to.
    Group(String),
    /// How the identity was established, as the caller named it (`otp`, `oidc`, ...).
    AuthMethod(String),
    /// The HTTP method (`GET`, `OPTIONS`, ...).
    Method(String),
    /// A named [`RuleGroup`].
    RuleGroup(String),
}

/// How a subjectAltName selector compares.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameMatch {
    /// The whole name.
    Exact(String),
    /// The end of the name (`.example.com`).
    Suffix(String),
    /// `*` matches any run of characters within one DNS label, one URI path segment, or
    /// one side of an email's `@`.
    Glob(String),
}

impl Rule {
    /// Whether the rule looks at the client certificate.
    pub fn is_certificate(&self) -> bool {
        matches!(
            self,
            Self::ValidCertificate
                | Self::CommonName(_)
                | Self::SubjectAttribute { .. }
                | Self::SanDns(_)
                | Self::SanEmail(_)
                | Self::SanUri(_)
                | Self::Issuer(_)
                | Self::Serial(_)
                | Self::FingerprintSha256(_)
                | Self::SpkiSha256(_)
                | Self::ExpiringWithin(_)
                | Self::CertificatePolicy(_)
        )
    }

    /// Whether the rule looks at the caller-supplied [`crate::Identity`].
    pub fn is_identity(&self) -> bool {
        matches!(
            self,
            Self::Email(_) | Self::EmailDomain(_) | Self::Group(_) | Self::AuthMethod(_)
        )
    }

    /// The selector's name in certgate's schema (`common_name`, `ip`, ...).
    pub fn selector(&self) -> &'static str {
        match self {
            Self::Everyone => "everyone",
            Self::ValidCertificate => "certificate",
            Self::CommonName(_) => "common_name",
            Self::SubjectAttribute { .. } => "subject",
            Self::SanDns(_) => "san_dns",
            Self::SanEmail(_) => "san_email",
            Self::SanUri(_) => "san_uri",
            Self::Issuer(_) => "issuer",
            Self::Serial(_) => "serial",
            Self::FingerprintSha256(_) => "fingerprint_sha256",
            Self::SpkiSha256(_) => "spki_sha256",
            Self::ExpiringWithin(_) => "expiring_within",
            Self::CertificatePolicy(_) => "policy",
            Self::Ip(_) => "ip",
            Self::ServiceToken(_) => "service_token",
            Self::AnyValidServiceToken => "any_valid_service_token",
            Self::Email(_) => "email",
            Self::EmailDomain(_) => "email_domain",
            Self::Group(_) => "group",
            Self::AuthMethod(_) => "auth_method",
            Self::Method(_) => "method",
            Self::RuleGroup(_) => "rule_group",
        }
    }
}

impl fmt::Display for NameMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exact(s) => write!(f, "{s:?}"),
            Self::Suffix(s) => write!(f, "ending {s:?}"),
            Self::Glob(s) => write!(f, "like {s:?}"),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.selector();
        match self {
            Self::Everyone | Self::ValidCertificate | Self::AnyValidServiceToken => {
                f.write_str(name)
            }
            Self::SubjectAttribute { attribute, value } => {
                write!(f, "{name} {attribute}={value:?}")
            }
            Self::SanDns(m) | Self::SanEmail(m) | Self::SanUri(m) => write!(f, "{name} {m}"),
            Self::ExpiringWithin(d) => write!(f, "{name} {}s", d.as_secs()),
            Self::CommonName(v)
            | Self::Issuer(v)
            | Self::Serial(v)
            | Self::FingerprintSha256(v)
            | Self::SpkiSha256(v)
            | Self::CertificatePolicy(v)
            | Self::Ip(v)
            | Self::ServiceToken(v)
            | Self::Email(v)
            | Self::EmailDomain(v)
            | Self::Group(v)
            | Self::AuthMethod(v)
            | Self::Method(v)
            | Self::RuleGroup(v) => write!(f, "{name} {v:?}"),
        }
    }
}
