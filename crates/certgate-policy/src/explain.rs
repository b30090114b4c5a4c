//! `explain`: the decision with a trace of every policy tried and every rule's outcome.

use std::fmt;

use serde_json::json;

use crate::compile::{CPolicy, CRule, PolicySet};
use crate::decision::{CertificateStatus, Decision};
use crate::eval::{Section, Tracer, certificate_status};
use crate::model::PolicyDecision;
use crate::request::Request;

/// Why a rule did not match, when the request lacked what it looks at.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// A certificate selector, and the certificate is not valid. `fields_match`: its
    /// fields alone would have matched (the certificate's state is the reason).
    Certificate {
        /// The certificate's state.
        status: CertificateStatus,
        /// Whether the fields would have matched a valid certificate.
        fields_match: bool,
    },
    /// An identity selector, and the request has no identity.
    NoIdentity,
    /// An IP selector, and the request has no peer address.
    NoPeerIp,
    /// A service-token selector, and the request carries no token headers.
    NoServiceToken,
    /// The token headers name no configured token, or the secret is wrong.
    ServiceTokenRejected,
    /// The rule names a service token that is not configured.
    UnknownServiceToken,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Certificate {
                status,
                fields_match: true,
            } => write!(f, "{status}; its fields would match"),
            Self::Certificate { status, .. } => write!(f, "{status}"),
            Self::NoIdentity => f.write_str("no identity (no login)"),
            Self::NoPeerIp => f.write_str("no peer IP address"),
            Self::NoServiceToken => f.write_str("no service token presented"),
            Self::ServiceTokenRejected => f.write_str("service token unknown or secret wrong"),
            Self::UnknownServiceToken => f.write_str("no service token of that name is configured"),
        }
    }
}

/// One rule's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleTrace<'p> {
    /// The rule (`common_name "my-laptop"`).
    pub rule: &'p str,
    /// Whether it matched.
    pub matched: bool,
    /// Why it did not, when the request lacked what it looks at.
    pub note: Option<Note>,
}

/// One policy tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyTrace<'p> {
    /// Its name.
    pub policy: &'p str,
    /// Its decision.
    pub decision: PolicyDecision,
    /// Each include rule's outcome.
    pub include: Vec<RuleTrace<'p>>,
    /// Each require rule's outcome.
    pub require: Vec<RuleTrace<'p>>,
    /// Each exclude rule's outcome.
    pub exclude: Vec<RuleTrace<'p>>,
    /// Whether the policy matched (and so decided).
    pub matched: bool,
}

/// A decision and how it was reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation<'p> {
    /// The decision, as [`PolicySet::decide`] gives it.
    pub decision: Decision<'p>,
    /// The client certificate's state.
    pub certificate: CertificateStatus,
    /// The policies tried, in evaluation order (bypass and non_identity first).
    pub trace: Vec<PolicyTrace<'p>>,
}

struct Recorder<'p> {
    trace: Vec<PolicyTrace<'p>>,
}

impl<'p> Tracer<'p> for Recorder<'p> {
    const FULL: bool = true;

    fn policy(&mut self, p: &'p CPolicy) {
        self.trace.push(PolicyTrace {
            policy: &p.name,
            decision: p.decision,
            include: Vec::new(),
            require: Vec::new(),
            exclude: Vec::new(),
            matched: false,
        });
    }

    fn rule(&mut self, section: Section, rule: &'p CRule, matched: bool, note: Option<Note>) {
        let Some(last) = self.trace.last_mut() else {
            return;
        };
        let entry = RuleTrace {
            rule: &rule.text,
            matched,
            note,
        };
        match section {
            Section::Include => last.include.push(entry),
            Section::Require => last.require.push(entry),
            Section::Exclude => last.exclude.push(entry),
        }
    }

    fn policy_done(&mut self, matched: bool) {
        if let Some(last) = self.trace.last_mut() {
            last.matched = matched;
        }
    }
}

impl PolicySet {
    /// Decides as [`PolicySet::decide`] does, recording every policy tried and each
    /// include, require and exclude outcome (every rule of a tried policy is evaluated,
    /// for the trace). For logs and for people; allocates.
    pub fn explain<'p>(&'p self, req: &Request<'_>) -> Explanation<'p> {
        let mut recorder = Recorder { trace: Vec::new() };
        let decision = self.evaluate(req, &mut recorder);
        Explanation {
            decision,
            certificate: certificate_status(req.cert),
            trace: recorder.trace,
        }
    }
}

impl Explanation<'_> {
    /// The explanation as JSON: `outcome`, `application`, `policy`, `decision`,
    /// `rule`, `reason` (in words), `reason_id`, `certificate` and `trace`.
    pub fn to_json(&self) -> String {
        let rules = |rules: &[RuleTrace<'_>]| {
            rules
                .iter()
                .map(|r| {
                    json!({
                        "rule": r.rule,
                        "matched": r.matched,
                        "note": r.note.map(|n| n.to_string()),
                    })
                })
                .collect::<Vec<_>>()
        };
        let trace: Vec<_> = self
            .trace
            .iter()
            .map(|p| {
                json!({
                    "policy": p.policy,
                    "decision": p.decision.as_str(),
                    "matched": p.matched,
                    "include": rules(&p.include),
                    "require": rules(&p.require),
                    "exclude": rules(&p.exclude),
                })
            })
            .collect();
        let d = &self.decision;
        let value = json!({
            "outcome": d.outcome.as_str(),
            "application": d.application,
            "policy": d.policy,
            "decision": d.decision.map(PolicyDecision::as_str),
            "rule": d.rule,
            "reason": d.reason.to_string(),
            "reason_id": d.reason.id(),
            "certificate": self.certificate.id(),
            "session_duration": d.session_duration.map(|s| s.to_string()),
            "trace": trace,
        });
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }
}

impl fmt::Display for Explanation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.decision)?;
        writeln!(f, "certificate: {}", self.certificate)?;
        for p in &self.trace {
            let mark = if p.matched { "matched" } else { "no match" };
            writeln!(f, "policy `{}` ({}): {mark}", p.policy, p.decision)?;
            for (section, rules) in [
                ("include", &p.include),
                ("require", &p.require),
                ("exclude", &p.exclude),
            ] {
                for r in rules {
                    let yes = if r.matched { "yes" } else { "no " };
                    write!(f, "  {section:<7} {yes} {}", r.rule)?;
                    if let Some(note) = r.note {
                        write!(f, " ({note})")?;
                    }
                    writeln!(f)?;
                }
            }
        }
        Ok(())
    }
}
