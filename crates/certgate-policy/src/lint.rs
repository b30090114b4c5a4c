//! The linter: the mistakes Cloudflare's documentation warns about, found before they
//! lock someone out or let everyone in.

use std::fmt;

use crate::PolicySet;
use crate::model::{Policy, PolicyConfig, PolicyDecision, Rule};
use certgate_x509::IpNet;

/// Which mistake.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LintKind {
    /// An allow policy includes `everyone`: every request matches it.
    AllowEveryone,
    /// A require lists several values of a selector a request has one value of (two
    /// common names, two emails, disjoint IP ranges): it can never match.
    ConflictingRequire,
    /// A bypass policy uses identity selectors: bypassed requests carry no identity.
    BypassWithIdentity,
    /// An application with no allow (or non_identity) policy: no one can log in to it
    /// (one that bypasses everyone is public on purpose and not reported).
    NoAllowPolicy,
    /// A policy that never decides: one evaluated before it matches every request it
    /// matches.
    ShadowedPolicy,
    /// A `service_token` rule names a token that is not configured: it never matches.
    UnknownServiceToken,
    /// Two applications have the same name: decisions, traces and logs name the
    /// application, so they cannot tell the two apart.
    DuplicateApplication,
}

impl LintKind {
    /// A short, stable id: `allow-everyone`, `conflicting-require`, `bypass-identity`,
    /// `no-allow-policy`, `shadowed-policy`, `unknown-service-token`,
    /// `duplicate-application`.
    pub fn id(self) -> &'static str {
        match self {
            Self::AllowEveryone => "allow-everyone",
            Self::ConflictingRequire => "conflicting-require",
            Self::BypassWithIdentity => "bypass-identity",
            Self::NoAllowPolicy => "no-allow-policy",
            Self::ShadowedPolicy => "shadowed-policy",
            Self::UnknownServiceToken => "unknown-service-token",
            Self::DuplicateApplication => "duplicate-application",
        }
    }
}

/// One finding: a warning, never an error (the configuration still loads).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint {
    /// Which mistake.
    pub kind: LintKind,
    /// The application.
    pub application: String,
    /// The policy, when the finding is about one.
    pub policy: Option<String>,
    /// What is wrong and why it matters.
    pub message: String,
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "warning[{}]: application `{}`",
            self.kind.id(),
            self.application
        )?;
        if let Some(p) = &self.policy {
            write!(f, ", policy `{p}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl PolicySet {
    /// Lints the configuration this set was compiled from.
    pub fn lint(&self) -> Vec<Lint> {
        self.config.lint()
    }
}

impl PolicyConfig {
    /// Finds the mistakes Cloudflare's documentation warns about.
    pub fn lint(&self) -> Vec<Lint> {
        let mut out = Vec::new();
        for (i, app) in self.applications.iter().enumerate() {
            let mut push = |kind, policy: Option<&Policy>, message: String| {
                out.push(Lint {
                    kind,
                    application: app.name.clone(),
                    policy: policy.map(|p| p.name.clone()),
                    message,
                });
            };
            if self.applications[..i].iter().any(|a| a.name == app.name) {
                push(
                    LintKind::DuplicateApplication,
                    None,
                    "another application has the same name: decisions, explain traces and logs \
                     name the application, so they cannot tell the two apart"
                        .into(),
                );
            }
            // An application that bypasses everyone is public on purpose.
            let public = app.policies.iter().any(|p| {
                p.decision == PolicyDecision::Bypass && p.include.contains(&Rule::Everyone)
            });
            let lets_in = app.policies.iter().any(|p| {
                matches!(
                    p.decision,
                    PolicyDecision::Allow | PolicyDecision::NonIdentity
                )
            });
            if !public && !lets_in {
                push(
                    LintKind::NoAllowPolicy,
                    None,
                    "no allow or non_identity policy: nothing but a bypass lets a request in"
                        .into(),
                );
            }
            for p in &app.policies {
                let rules = || p.include.iter().chain(&p.require).chain(&p.exclude);
                if p.decision == PolicyDecision::Allow && p.include.contains(&Rule::Everyone) {
                    push(
                        LintKind::AllowEveryone,
                        Some(p),
                        "allow with include everyone: every request matches, with no certificate and no login".into(),
                    );
                }
                if p.decision == PolicyDecision::Bypass
                    && rules().any(|r| r.is_identity() || self.group_uses_identity(r))
                {
                    push(
                        LintKind::BypassWithIdentity,
                        Some(p),
                        "bypass uses identity selectors, but a bypassed request has no identity: they never match".into(),
                    );
                }
                if let Some(message) = conflicting_require(&p.require) {
                    push(LintKind::ConflictingRequire, Some(p), message);
                }
                for r in rules() {
                    if let Rule::ServiceToken(name) = r
                        && !self.service_tokens.iter().any(|t| t.name == *name)
                    {
                        push(
                            LintKind::UnknownServiceToken,
                            Some(p),
                            format!(
                                "service token `{name}` is not configured: the rule never matches"
                            ),
                        );
                    }
                }
            }
            // Access's order: bypass and non_identity first, then allow and deny.
            let order: Vec<&Policy> = app
                .policies
                .iter()
                .filter(|p| p.decision.runs_first())
                .chain(app.policies.iter().filter(|p| !p.decision.runs_first()))
                .collect();
            for (k, late) in order.iter().enumerate() {
                if let Some(early) = order[..k].iter().find(|early| covers(early, late)) {
                    push(
                        LintKind::ShadowedPolicy,
                        Some(late),
                        format!(
                            "never decides: `{}` ({}) is evaluated before it and matches every request it matches",
                            early.name, early.decision
                        ),
                    );
                }
            }
        }
        for g in &self.rule_groups {
            if let Some(message) = conflicting_require(&g.require) {
                out.push(Lint {
                    kind: LintKind::ConflictingRequire,
                    application: String::new(),
                    policy: Some(format!("rule group {}", g.name)),
                    message,
                });
            }
        }
        out
    }

    fn group_uses_identity(&self, rule: &Rule) -> bool {
        let Rule::RuleGroup(name) = rule else {
            return false;
        };
        self.rule_groups
            .iter()
            .filter(|g| g.name == *name)
            .any(|g| {
                g.include
                    .iter()
                    .chain(&g.require)
                    .chain(&g.exclude)
                    .any(Rule::is_identity)
            })
    }
}

/// Whether `early` matches every request `late` matches (a sufficient, structural test).
fn covers(early: &Policy, late: &Policy) -> bool {
    let include = early.include.contains(&Rule::Everyone)
        || late.include.iter().all(|r| early.include.contains(r));
    let require = early
        .require
        .iter()
        .all(|r| *r == Rule::Everyone || late.require.contains(r));
    let exclude = early.exclude.iter().all(|r| late.exclude.contains(r));
    include && require && exclude
}

/// Several values of a one-valued selector in a require list.
fn conflicting_require(require: &[Rule]) -> Option<String> {
    for (i, a) in require.iter().enumerate() {
        for b in &require[i + 1..] {
            let conflict = match (a, b) {
                (Rule::Ip(x), Rule::Ip(y)) => match (IpNet::parse(x), IpNet::parse(y)) {
                    (Ok(x), Ok(y)) => x.disjoint(&y),
                    _ => false,
                },
                (Rule::CommonName(_), Rule::CommonName(_))
                | (Rule::Email(_), Rule::Email(_))
                | (Rule::EmailDomain(_), Rule::EmailDomain(_))
                | (Rule::Serial(_), Rule::Serial(_))
                | (Rule::FingerprintSha256(_), Rule::FingerprintSha256(_))
                | (Rule::SpkiSha256(_), Rule::SpkiSha256(_))
                | (Rule::Issuer(_), Rule::Issuer(_))
                | (Rule::ServiceToken(_), Rule::ServiceToken(_))
                | (Rule::AuthMethod(_), Rule::AuthMethod(_))
                | (Rule::Method(_), Rule::Method(_)) => a != b,
                _ => false,
            };
            if conflict {
                return Some(format!(
                    "require lists {a} and {b}: a request has one {}, so they can never both match (list them under include)",
                    a.selector()
                ));
            }
        }
    }
    None
}
