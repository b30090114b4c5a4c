//! Compiling a [`PolicyConfig`] into a [`PolicySet`]: values parsed once, rule groups
//! and service tokens resolved to indices, policies split into Access's two passes, and
//! every domain put in the host router.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::domain::{DomainPattern, FastMap, Router};
use crate::error::{Inconsistency, PolicyError, ValueProblem};
use crate::model::{NameMatch, Policy, PolicyConfig, PolicyDecision, Rule, SessionDuration};
use crate::model::{RuleGroup, ServiceToken, TokenSecret};
use certgate_x509::{IpNet, ParseProblem, Serial, X509Error};

use crate::values::{self, DnAttribute};

/// Which subjectAltName type a selector reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SanKind {
    Dns,
    Email,
    Uri,
}

/// A compiled [`NameMatch`].
#[derive(Debug)]
pub(crate) enum Match {
    Exact(Box<str>),
    Suffix(Box<str>),
    Glob(Box<str>),
}

/// A compiled selector.
#[derive(Debug)]
pub(crate) enum Sel {
    Everyone,
    ValidCert,
    CommonName(Box<str>),
    Attr {
        oid: Box<[u8]>,
        value: Box<str>,
    },
    San(SanKind, Match),
    Issuer(Vec<Vec<DnAttribute>>),
    Serial(Serial),
    Fingerprint([u8; 32]),
    Spki([u8; 32]),
    Expiring(u64),
    /// A certificate policy, dotted in canonical form.
    Policy(Box<str>),
    Ip(IpNet),
    /// `None`: no token of that name is configured; never matches.
    Token(Option<u32>),
    AnyToken,
    Email(Box<str>),
    EmailDomain(Box<str>),
    Group(Box<str>),
    AuthMethod(Box<str>),
    Method(Box<str>),
    RuleGroup(u32),
}

/// A compiled rule with its description for traces.
#[derive(Debug)]
pub(crate) struct CRule {
    pub(crate) sel: Sel,
    /// `common_name "my-laptop"`.
    pub(crate) text: Box<str>,
    /// `include[0] common_name "my-laptop"`.
    pub(crate) located: Box<str>,
}

/// Include, require and exclude rules.
#[derive(Debug)]
pub(crate) struct CRules {
    pub(crate) include: Vec<CRule>,
    pub(crate) require: Vec<CRule>,
    pub(crate) exclude: Vec<CRule>,
}

#[derive(Debug)]
pub(crate) struct CPolicy {
    pub(crate) name: Box<str>,
    pub(crate) decision: PolicyDecision,
    pub(crate) rules: CRules,
}

#[derive(Debug)]
pub(crate) struct CApp {
    pub(crate) name: Box<str>,
    pub(crate) session: SessionDuration,
    pub(crate) policies: Vec<CPolicy>,
    /// Indices into `policies`: bypass and non_identity in order, then allow and deny.
    pub(crate) order: Vec<u32>,
}

#[derive(Debug)]
pub(crate) struct CGroup {
    pub(crate) rules: CRules,
}

/// Service tokens by client id, with the SHA-256 of the secret.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub(crate) by_client_id: FastMap<Box<str>, (u32, [u8; 32])>,
}

/// Applications and their policies, compiled for [`PolicySet::decide`].
#[derive(Debug)]
pub struct PolicySet {
    pub(crate) config: PolicyConfig,
    pub(crate) apps: Vec<CApp>,
    pub(crate) groups: Vec<CGroup>,
    pub(crate) tokens: Tokens,
    pub(crate) router: Router,
}

impl PolicySet {
    /// Compiles `config`.
    ///
    /// # Errors
    /// [`PolicyError::Inconsistent`] naming the application and policy (or rule group or
    /// service token), with the [`Inconsistency`]: a value that does not parse, a policy
    /// without an include rule, an application without domains, a domain two
    /// applications claim, an unknown or nested rule group, a duplicate service token.
    pub fn new(config: PolicyConfig) -> Result<Self, PolicyError> {
        let (tokens, token_names) = compile_tokens(&config.service_tokens)?;
        let group_names = group_names(&config.rule_groups)?;
        let names = Names {
            groups: &group_names,
            tokens: &token_names,
        };
        let mut groups = Vec::new();
        for g in &config.rule_groups {
            groups.push(compile_group(g, &names)?);
        }

        let mut apps = Vec::new();
        let mut router = Router::default();
        for (i, app) in config.applications.iter().enumerate() {
            let place = format!("application `{}`", app.name);
            let idx = u32::try_from(i).map_err(|_| {
                inconsistent(
                    place.clone(),
                    Inconsistency::TooMany {
                        what: "applications",
                    },
                )
            })?;
            if app.domains.is_empty() {
                return Err(inconsistent(place, Inconsistency::NoDomain));
            }
            for d in &app.domains {
                let pattern = DomainPattern::parse(d)
                    .map_err(|e| inconsistent(place.clone(), Inconsistency::Value(e)))?;
                if let Err(other) = router.insert(&pattern, idx) {
                    let other_app = config.applications[other as usize].name.clone();
                    return Err(inconsistent(
                        place,
                        Inconsistency::DomainClaimedTwice {
                            domain: d.clone(),
                            other_app,
                        },
                    ));
                }
            }
            let mut policies = Vec::new();
            for p in &app.policies {
                policies.push(compile_policy(&app.name, p, &names)?);
            }
            let order = order_of(&policies);
            apps.push(CApp {
                name: app.name.as_str().into(),
                session: app.session_duration,
                policies,
                order,
            });
        }
        Ok(Self {
            config,
            apps,
            groups,
            tokens,
            router,
        })
    }

    /// The configuration this set was compiled from.
    pub fn config(&self) -> &PolicyConfig {
        &self.config
    }
}

/// A [`PolicyError::Inconsistent`].
fn inconsistent(place: String, problem: Inconsistency) -> PolicyError {
    PolicyError::Inconsistent { place, problem }
}

/// Service tokens by client id, and their indices by name.
fn compile_tokens(list: &[ServiceToken]) -> Result<(Tokens, HashMap<&str, u32>), PolicyError> {
    let mut tokens = Tokens::default();
    let mut names = HashMap::new();
    for (i, t) in list.iter().enumerate() {
        let place = format!("service token `{}`", t.name);
        let idx = u32::try_from(i).map_err(|_| {
            inconsistent(
                place.clone(),
                Inconsistency::TooMany {
                    what: "service tokens",
                },
            )
        })?;
        let digest = match &t.secret {
            TokenSecret::Plain(s) => Sha256::digest(s.as_bytes()).into(),
            TokenSecret::Sha256Hex(h) => values::parse_sha256(h)
                .map_err(|e| inconsistent(place.clone(), Inconsistency::Value(e)))?,
        };
        if names.insert(t.name.as_str(), idx).is_some() {
            let name = t.name.clone();
            return Err(inconsistent(
                place,
                Inconsistency::DuplicateServiceToken { name },
            ));
        }
        if tokens
            .by_client_id
            .insert(t.client_id.as_str().into(), (idx, digest))
            .is_some()
        {
            let client_id = t.client_id.clone();
            return Err(inconsistent(
                place,
                Inconsistency::DuplicateClientId { client_id },
            ));
        }
    }
    Ok((tokens, names))
}

/// Rule groups' indices by name.
fn group_names(groups: &[RuleGroup]) -> Result<HashMap<&str, u32>, PolicyError> {
    let mut names = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        let place = || format!("rule group `{}`", g.name);
        let idx = u32::try_from(i).map_err(|_| {
            inconsistent(
                place(),
                Inconsistency::TooMany {
                    what: "rule groups",
                },
            )
        })?;
        if names.insert(g.name.as_str(), idx).is_some() {
            let name = g.name.clone();
            return Err(inconsistent(
                place(),
                Inconsistency::DuplicateRuleGroup { name },
            ));
        }
    }
    Ok(names)
}

/// Access's order: bypass and non_identity policies top to bottom, then allow and deny.
fn order_of(policies: &[CPolicy]) -> Vec<u32> {
    let idx = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    let first = policies
        .iter()
        .enumerate()
        .filter(|(_, p)| p.decision.runs_first())
        .map(|(i, _)| idx(i));
    let second = policies
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.decision.runs_first())
        .map(|(i, _)| idx(i));
    first.chain(second).collect()
}

struct Names<'a> {
    groups: &'a HashMap<&'a str, u32>,
    tokens: &'a HashMap<&'a str, u32>,
}

fn compile_policy(app: &str, p: &Policy, names: &Names<'_>) -> Result<CPolicy, PolicyError> {
    let place = format!("application `{app}`, policy `{}`", p.name);
    Ok(CPolicy {
        name: p.name.as_str().into(),
        decision: p.decision,
        rules: compile_rules(&place, &p.include, &p.require, &p.exclude, names, true)?,
    })
}

fn compile_group(g: &RuleGroup, names: &Names<'_>) -> Result<CGroup, PolicyError> {
    let place = format!("rule group `{}`", g.name);
    Ok(CGroup {
        rules: compile_rules(&place, &g.include, &g.require, &g.exclude, names, false)?,
    })
}

fn compile_rules(
    place: &str,
    include: &[Rule],
    require: &[Rule],
    exclude: &[Rule],
    names: &Names<'_>,
    groups_allowed: bool,
) -> Result<CRules, PolicyError> {
    if include.is_empty() {
        return Err(inconsistent(place.into(), Inconsistency::NoIncludeRule));
    }
    let section = |rules: &[Rule], name: &str| -> Result<Vec<CRule>, PolicyError> {
        rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let at = format!("{name}[{i}]");
                let err = |problem| inconsistent(format!("{place}, {at}"), problem);
                let sel = match r {
                    Rule::RuleGroup(g) if !groups_allowed => {
                        return Err(err(Inconsistency::NestedRuleGroup { name: g.clone() }));
                    }
                    Rule::RuleGroup(g) => {
                        Sel::RuleGroup(*names.groups.get(g.as_str()).ok_or_else(|| {
                            err(Inconsistency::UnknownRuleGroup { name: g.clone() })
                        })?)
                    }
                    Rule::ServiceToken(t) => Sel::Token(names.tokens.get(t.as_str()).copied()),
                    other => compile_selector(other).map_err(|e| err(Inconsistency::Value(e)))?,
                };
                Ok(CRule {
                    sel,
                    text: r.to_string().into(),
                    located: format!("{at} {r}").into(),
                })
            })
            .collect()
    };
    Ok(CRules {
        include: section(include, "include")?,
        require: section(require, "require")?,
        exclude: section(exclude, "exclude")?,
    })
}

/// Parses a rule's values (not the names of rule groups and tokens, which need the
/// whole configuration).
///
/// # Errors
/// The [`ValueProblem`] when a value does not parse.
pub(crate) fn compile_selector(rule: &Rule) -> Result<Sel, ValueProblem> {
    let name_match = |m: &NameMatch| match m {
        NameMatch::Exact(s) => Match::Exact(s.as_str().into()),
        NameMatch::Suffix(s) => Match::Suffix(s.as_str().into()),
        NameMatch::Glob(s) => Match::Glob(s.as_str().into()),
    };
    let not_empty = |s: &str, what: &'static str| {
        if s.is_empty() {
            Err(ValueProblem::Empty { what })
        } else {
            Ok(Box::<str>::from(s))
        }
    };
    Ok(match rule {
        Rule::Everyone => Sel::Everyone,
        Rule::ValidCertificate => Sel::ValidCert,
        Rule::CommonName(cn) => Sel::CommonName(cn.as_str().into()),
        Rule::SubjectAttribute { attribute, value } => Sel::Attr {
            oid: values::attribute_oid(attribute)?,
            value: value.as_str().into(),
        },
        Rule::SanDns(m) => Sel::San(SanKind::Dns, name_match(m)),
        Rule::SanEmail(m) => Sel::San(SanKind::Email, name_match(m)),
        Rule::SanUri(m) => Sel::San(SanKind::Uri, name_match(m)),
        Rule::Issuer(dn) => Sel::Issuer(values::parse_dn(dn)?),
        Rule::Serial(s) => {
            Sel::Serial(
                Serial::parse(s, false).map_err(|e| ValueProblem::BadSerial {
                    value: s.clone(),
                    problem: parse_problem(&e, ParseProblem::NotHex),
                })?,
            )
        }
        Rule::FingerprintSha256(h) => Sel::Fingerprint(values::parse_sha256(h)?),
        Rule::SpkiSha256(h) => Sel::Spki(values::parse_sha256(h)?),
        Rule::ExpiringWithin(d) => Sel::Expiring(d.as_secs()),
        Rule::CertificatePolicy(oid) => Sel::Policy(values::parse_policy_oid(oid)?),
        Rule::Ip(r) => Sel::Ip(IpNet::parse(r).map_err(|e| ValueProblem::BadIpNetwork {
            value: r.clone(),
            problem: parse_problem(&e, ParseProblem::NotAnAddress),
        })?),
        Rule::ServiceToken(_) => Sel::Token(None),
        Rule::AnyValidServiceToken => Sel::AnyToken,
        Rule::Email(e) => Sel::Email(not_empty(e, "email")?),
        Rule::EmailDomain(d) => {
            Sel::EmailDomain(not_empty(d.trim_start_matches('@'), "email domain")?)
        }
        Rule::Group(g) => Sel::Group(not_empty(g, "group")?),
        Rule::AuthMethod(m) => Sel::AuthMethod(not_empty(m, "auth method")?),
        Rule::Method(m) => Sel::Method(not_empty(m, "method")?),
        Rule::RuleGroup(_) => Sel::RuleGroup(u32::MAX),
    })
}

/// The problem certgate-x509 found in a string. Its string parsers return only
/// [`X509Error::Parse`]; `fallback` stands for any other error it may return one day.
fn parse_problem(e: &X509Error, fallback: ParseProblem) -> ParseProblem {
    match e {
        X509Error::Parse { problem, .. } => *problem,
        _ => fallback,
    }
}
