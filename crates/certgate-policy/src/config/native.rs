//! certgate's schema (TOML or JSON). Unknown keys are errors: a typo must not drop a
//! rule.

use serde_json::{Map, Value};

use super::Ctx;
use crate::model::{
    Application, NameMatch, Policy, PolicyConfig, PolicyDecision, Rule, RuleGroup, ServiceToken,
    SessionDuration, TokenSecret,
};
use crate::values::parse_duration;
use crate::{PolicyError, ValueProblem};

fn known_keys(
    c: Ctx<'_>,
    map: &Map<String, Value>,
    keys: &'static [&'static str],
    path: &str,
) -> Result<(), PolicyError> {
    match map.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(k) => Err(c.invalid(
            path,
            ValueProblem::UnknownKey {
                key: k.clone(),
                expected: keys,
            },
        )),
        None => Ok(()),
    }
}

pub(super) fn read(value: &Value, c: Ctx<'_>) -> Result<PolicyConfig, PolicyError> {
    let top = c.object(value, "$")?;
    known_keys(
        c,
        top,
        &["applications", "rule_groups", "service_tokens"],
        "$",
    )?;
    let list = |key: &str| -> Result<&[Value], PolicyError> {
        match top.get(key) {
            Some(v) => c.array(v, &format!("$.{key}")),
            None => Ok(&[]),
        }
    };
    let mut config = PolicyConfig::default();
    for (i, t) in list("service_tokens")?.iter().enumerate() {
        config
            .service_tokens
            .push(token(c, t, &format!("$.service_tokens[{i}]"))?);
    }
    for (i, g) in list("rule_groups")?.iter().enumerate() {
        let path = format!("$.rule_groups[{i}]");
        let map = c.object(g, &path)?;
        known_keys(c, map, &["name", "include", "require", "exclude"], &path)?;
        config.rule_groups.push(RuleGroup {
            name: c.req_str(map, "name", &path)?.into(),
            include: c.rules(map, "include", &path, rule)?,
            require: c.rules(map, "require", &path, rule)?,
            exclude: c.rules(map, "exclude", &path, rule)?,
        });
    }
    if !top.contains_key("applications") {
        return Err(c.missing("$", "applications"));
    }
    for (i, a) in list("applications")?.iter().enumerate() {
        config
            .applications
            .push(application(c, a, &format!("$.applications[{i}]"))?);
    }
    Ok(config)
}

fn token(c: Ctx<'_>, v: &Value, path: &str) -> Result<ServiceToken, PolicyError> {
    let map = c.object(v, path)?;
    known_keys(
        c,
        map,
        &["name", "client_id", "client_secret", "client_secret_sha256"],
        path,
    )?;
    let secret = match (
        c.opt_str(map, "client_secret", path)?,
        c.opt_str(map, "client_secret_sha256", path)?,
    ) {
        (Some(s), None) => TokenSecret::Plain(s.into()),
        (None, Some(h)) => {
            crate::values::parse_sha256(h)
                .map_err(|e| c.invalid(&format!("{path}.client_secret_sha256"), e))?;
            TokenSecret::Sha256Hex(h.into())
        }
        _ => {
            return Err(c.invalid(
                path,
                ValueProblem::ExactlyOneOf {
                    keys: &["client_secret", "client_secret_sha256"],
                },
            ));
        }
    };
    Ok(ServiceToken {
        name: c.req_str(map, "name", path)?.into(),
        client_id: c.req_str(map, "client_id", path)?.into(),
        secret,
    })
}

fn application(c: Ctx<'_>, v: &Value, path: &str) -> Result<Application, PolicyError> {
    let map = c.object(v, path)?;
    known_keys(
        c,
        map,
        &["name", "domains", "session_duration", "policies"],
        path,
    )?;
    let domains_path = format!("{path}.domains");
    let domains = c
        .array(
            map.get("domains")
                .ok_or_else(|| c.missing(path, "domains"))?,
            &domains_path,
        )?
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let at = format!("{domains_path}[{i}]");
            let d = c.string(d, &at)?;
            crate::domain::DomainPattern::parse(d).map_err(|e| c.invalid(&at, e))?;
            Ok(d.to_owned())
        })
        .collect::<Result<Vec<_>, PolicyError>>()?;
    let session_duration = session(c, c.opt_str(map, "session_duration", path)?, path)?;
    let mut policies = Vec::new();
    if let Some(list) = map.get("policies") {
        let list_path = format!("{path}.policies");
        for (i, p) in c.array(list, &list_path)?.iter().enumerate() {
            let at = format!("{list_path}[{i}]");
            let pm = c.object(p, &at)?;
            known_keys(
                c,
                pm,
                &["name", "decision", "include", "require", "exclude"],
                &at,
            )?;
            policies.push(Policy {
                name: c.req_str(pm, "name", &at)?.into(),
                decision: decision(c, c.req_str(pm, "decision", &at)?, &at)?,
                include: c.rules(pm, "include", &at, rule)?,
                require: c.rules(pm, "require", &at, rule)?,
                exclude: c.rules(pm, "exclude", &at, rule)?,
            });
        }
    }
    Ok(Application {
        name: c.req_str(map, "name", path)?.into(),
        domains,
        session_duration,
        policies,
    })
}

pub(super) fn session(
    c: Ctx<'_>,
    s: Option<&str>,
    path: &str,
) -> Result<SessionDuration, PolicyError> {
    Ok(match s {
        None => SessionDuration::DEFAULT,
        Some(s) => {
            let d =
                parse_duration(s).map_err(|e| c.invalid(&format!("{path}.session_duration"), e))?;
            if d.is_zero() {
                SessionDuration::ExpiresImmediately
            } else {
                SessionDuration::For(d)
            }
        }
    })
}

pub(super) fn decision(c: Ctx<'_>, s: &str, path: &str) -> Result<PolicyDecision, PolicyError> {
    PolicyDecision::from_name(s).ok_or_else(|| {
        c.invalid(
            &format!("{path}.decision"),
            ValueProblem::NotADecision { value: s.into() },
        )
    })
}

fn rule(c: Ctx<'_>, v: &Value, path: &str) -> Result<Rule, PolicyError> {
    let map = c.object(v, path)?;
    let mut entries = map.iter();
    let (Some((name, value)), None) = (entries.next(), entries.next()) else {
        return Err(c.invalid(path, ValueProblem::NotOneSelector));
    };
    let at = format!("{path}.{name}");
    let text = || c.string(value, &at).map(str::to_owned);
    let flag = || match value {
        Value::Bool(true) => Ok(()),
        Value::Object(m) if m.is_empty() => Ok(()),
        _ => Err(c.wrong_type(&at, "`true`")),
    };
    let rule = match name.as_str() {
        "everyone" => flag().map(|()| Rule::Everyone)?,
        "certificate" => flag().map(|()| Rule::ValidCertificate)?,
        "any_valid_service_token" => flag().map(|()| Rule::AnyValidServiceToken)?,
        "common_name" => Rule::CommonName(text()?),
        "subject" => {
            let m = c.object(value, &at)?;
            known_keys(c, m, &["attribute", "value"], &at)?;
            Rule::SubjectAttribute {
                attribute: c.req_str(m, "attribute", &at)?.into(),
                value: c.req_str(m, "value", &at)?.into(),
            }
        }
        "san_dns" => Rule::SanDns(name_match(c, value, &at)?),
        "san_email" => Rule::SanEmail(name_match(c, value, &at)?),
        "san_uri" => Rule::SanUri(name_match(c, value, &at)?),
        "issuer" => Rule::Issuer(text()?),
        "serial" => Rule::Serial(text()?),
        "fingerprint_sha256" => Rule::FingerprintSha256(text()?),
        "spki_sha256" => Rule::SpkiSha256(text()?),
        "expiring_within" => {
            Rule::ExpiringWithin(parse_duration(&text()?).map_err(|e| c.invalid(&at, e))?)
        }
        "policy" => Rule::CertificatePolicy(text()?),
        "ip" => Rule::Ip(text()?),
        "service_token" => Rule::ServiceToken(text()?),
        "email" => Rule::Email(text()?),
        "email_domain" => Rule::EmailDomain(text()?),
        "group" => Rule::Group(text()?),
        "auth_method" => Rule::AuthMethod(text()?),
        "method" => Rule::Method(text()?),
        "rule_group" => Rule::RuleGroup(text()?),
        other => {
            return Err(PolicyError::UnknownSelector {
                file: c.file.into(),
                path: path.into(),
                selector: other.into(),
            });
        }
    };
    c.checked(rule, &at)
}

/// The keys of a [`NameMatch`] object.
const NAME_MATCH_KEYS: &[&str] = &["exact", "suffix", "glob"];

fn name_match(c: Ctx<'_>, v: &Value, path: &str) -> Result<NameMatch, PolicyError> {
    if let Some(s) = v.as_str() {
        return Ok(NameMatch::Exact(s.into()));
    }
    let map = c.object(v, path)?;
    let mut entries = map.iter();
    let (Some((kind, value)), None) = (entries.next(), entries.next()) else {
        return Err(c.invalid(
            path,
            ValueProblem::ExactlyOneOf {
                keys: NAME_MATCH_KEYS,
            },
        ));
    };
    let s = c.string(value, &format!("{path}.{kind}"))?.to_owned();
    match kind.as_str() {
        "exact" => Ok(NameMatch::Exact(s)),
        "suffix" => Ok(NameMatch::Suffix(s)),
        "glob" => Ok(NameMatch::Glob(s)),
        other => Err(c.invalid(
            path,
            ValueProblem::UnknownKey {
                key: other.into(),
                expected: NAME_MATCH_KEYS,
            },
        )),
    }
}
