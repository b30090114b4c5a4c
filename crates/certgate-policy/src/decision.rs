//! What a decision says: the outcome, where it came from, and why.

use std::fmt;

use crate::model::{PolicyDecision, SessionDuration};
use crate::path::PathProblem;

/// Let in, kept out, or let in without checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Let in: an allow or a non_identity (Service Auth) policy matched.
    Allow,
    /// Kept out: a deny policy matched, or nothing did.
    Deny,
    /// Let in by a bypass policy, with no identity attached.
    Bypass,
}

impl Outcome {
    /// `allow`, `deny` or `bypass`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::Bypass => "bypass",
        }
    }

    /// Whether the request goes through (allow or bypass).
    pub fn lets_in(self) -> bool {
        !matches!(self, Self::Deny)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of the request's client certificate, as certificate selectors see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateStatus {
    /// Presented, verified, not revoked: certificate selectors look at it.
    Valid,
    /// None was presented.
    NotPresented,
    /// Presented, but nobody verified it (a self-signed impostor looks like this).
    NotVerified,
    /// Presented and revoked.
    Revoked,
    /// Presented and refused, with certgate-verify's reason id (`unknown-ca`,
    /// `expired`, ...).
    Refused(&'static str),
}

impl CertificateStatus {
    /// A short id: `valid`, `not-presented`, `not-verified`, `revoked` or the refusal's
    /// reason id.
    pub fn id(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::NotPresented => "not-presented",
            Self::NotVerified => "not-verified",
            Self::Revoked => "revoked",
            Self::Refused(id) => id,
        }
    }
}

impl fmt::Display for CertificateStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Valid => f.write_str("valid (presented, verified, not revoked)"),
            Self::NotPresented => f.write_str("no client certificate was presented"),
            Self::NotVerified => {
                f.write_str("the client certificate was presented but not verified")
            }
            Self::Revoked => f.write_str("the client certificate is revoked"),
            Self::Refused(id) => write!(f, "the client certificate was refused ({id})"),
        }
    }
}

/// Why the outcome is what it is.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A policy matched and its decision is the outcome.
    PolicyMatched,
    /// No policy matched: deny.
    NoPolicyMatched,
    /// No policy matched, and the certificate is why: a certificate selector needed a
    /// valid certificate (one would have matched on its fields alone, or none was
    /// presented).
    CertificateNotAccepted(CertificateStatus),
    /// No policy matched, and an identity selector needed an identity the request did
    /// not have: a login would be needed.
    IdentityRequired,
    /// No application covers the host and path: deny (fail closed).
    NoApplication,
    /// The `Host` is empty, too long or not ASCII.
    InvalidHost,
    /// The path was refused before matching.
    InvalidPath(PathProblem),
}

impl Reason {
    /// A short, stable id: `policy-matched`, `no-policy-matched`,
    /// `certificate-not-accepted`, `identity-required`, `no-application`,
    /// `invalid-host`, `invalid-path`.
    pub fn id(self) -> &'static str {
        match self {
            Self::PolicyMatched => "policy-matched",
            Self::NoPolicyMatched => "no-policy-matched",
            Self::CertificateNotAccepted(_) => "certificate-not-accepted",
            Self::IdentityRequired => "identity-required",
            Self::NoApplication => "no-application",
            Self::InvalidHost => "invalid-host",
            Self::InvalidPath(_) => "invalid-path",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PolicyMatched => f.write_str("a policy matched"),
            Self::NoPolicyMatched => f.write_str("no policy matched"),
            Self::CertificateNotAccepted(status) => {
                write!(
                    f,
                    "no policy matched: {status}, so certificate selectors match nothing"
                )
            }
            Self::IdentityRequired => {
                f.write_str("no policy matched: identity selectors need a login (no identity)")
            }
            Self::NoApplication => f.write_str("no application covers this host and path"),
            Self::InvalidHost => f.write_str("the host is empty, too long or not ASCII"),
            Self::InvalidPath(p) => f.write_str(p.describe()),
        }
    }
}

/// The answer for one request. Borrows names from the [`crate::PolicySet`]; making one
/// does not allocate.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision<'p> {
    /// Allow, deny or bypass.
    pub outcome: Outcome,
    /// The application that covers the request.
    pub application: Option<&'p str>,
    /// The policy that decided.
    pub policy: Option<&'p str>,
    /// That policy's decision.
    pub decision: Option<PolicyDecision>,
    /// The include rule that matched, located (`include[0] common_name "my-laptop"`).
    pub rule: Option<&'p str>,
    /// Why.
    pub reason: Reason,
    /// The application's session duration (when one covers the request).
    pub session_duration: Option<SessionDuration>,
}

impl Decision<'_> {
    pub(crate) fn refused(reason: Reason) -> Self {
        Self {
            outcome: Outcome::Deny,
            application: None,
            policy: None,
            decision: None,
            rule: None,
            reason,
            session_duration: None,
        }
    }
}

impl fmt::Display for Decision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.outcome)?;
        if let Some(app) = self.application {
            write!(f, " by application `{app}`")?;
        }
        if let (Some(policy), Some(decision)) = (self.policy, self.decision) {
            write!(f, ", policy `{policy}` ({decision})")?;
        }
        if let Some(rule) = self.rule {
            write!(f, ", {rule}")?;
        }
        write!(f, ": {}", self.reason)
    }
}
