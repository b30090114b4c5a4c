//! Cloudflare Access API JSON, as the API returns it. Keys certgate does not use (`id`,
//! `aud`, `created_at`, ...) are ignored; selectors it does not know are errors.

use serde_json::{Map, Value};

use super::Ctx;
use super::native::{decision, session};
use crate::model::{Application, Policy, PolicyConfig, Rule};
use crate::{PolicyError, ValueProblem};

/// Access selectors certgate knows and cannot evaluate, with what to do instead.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("geo", "certgate has no IP geolocation; use `ip` ranges"),
    (
        "email_list",
        "lists live in Cloudflare; write the `email` rules out",
    ),
    (
        "ip_list",
        "lists live in Cloudflare; write the `ip` rules out",
    ),
    (
        "login_method",
        "the login method comes from the caller's Identity: use `auth_method`",
    ),
    (
        "device_posture",
        "there is no device posture source; use certificate selectors",
    ),
    (
        "warp",
        "there is no WARP client; use `ip` with the client's range",
    ),
    (
        "okta",
        "IdP groups come through the caller's Identity: use `group`",
    ),
    (
        "saml",
        "IdP attributes come through the caller's Identity: use `group`",
    ),
    (
        "azureAD",
        "IdP groups come through the caller's Identity: use `group`",
    ),
    (
        "gsuite",
        "IdP groups come through the caller's Identity: use `group`",
    ),
    (
        "github-organization",
        "IdP groups come through the caller's Identity: use `group`",
    ),
    (
        "external_evaluation",
        "certgate does not call out to external evaluators",
    ),
    ("auth_context", "there is no Azure auth context source"),
];

pub(super) fn read(value: &Value, c: Ctx<'_>) -> Result<PolicyConfig, PolicyError> {
    let (inner, base) = match value {
        Value::Object(map) if map.contains_key("result") => (&map["result"], "$.result"),
        other => (other, "$"),
    };
    let apps: Vec<(&Value, String)> = match inner {
        Value::Array(list) => list
            .iter()
            .enumerate()
            .map(|(i, a)| (a, format!("{base}[{i}]")))
            .collect(),
        other => vec![(other, base.to_owned())],
    };
    let mut config = PolicyConfig::default();
    for (app, path) in apps {
        config.applications.push(application(c, app, &path)?);
    }
    Ok(config)
}

fn application(c: Ctx<'_>, v: &Value, path: &str) -> Result<Application, PolicyError> {
    let map = c.object(v, path)?;
    let name = c.req_str(map, "name", path)?;
    let mut domains = Vec::new();
    if let Some(d) = c.opt_str(map, "domain", path)? {
        domains.push(d.to_owned());
    }
    if let Some(list) = map.get("self_hosted_domains") {
        let at = format!("{path}.self_hosted_domains");
        for (i, d) in c.array(list, &at)?.iter().enumerate() {
            let d = c.string(d, &format!("{at}[{i}]"))?;
            if !domains.iter().any(|x| x == d) {
                domains.push(d.to_owned());
            }
        }
    }
    if domains.is_empty() {
        return Err(c.missing(path, "domain"));
    }
    for d in &domains {
        crate::domain::DomainPattern::parse(d)
            .map_err(|e| c.invalid(&format!("{path}.domain"), e))?;
    }
    let session_duration = session(c, c.opt_str(map, "session_duration", path)?, path)?;
    let mut ranked = Vec::new();
    if let Some(list) = map.get("policies") {
        let list_path = format!("{path}.policies");
        for (i, p) in c.array(list, &list_path)?.iter().enumerate() {
            let at = format!("{list_path}[{i}]");
            let pm = c.object(p, &at)?;
            let precedence = match pm.get("precedence") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_i64()
                        .ok_or_else(|| c.wrong_type(&format!("{at}.precedence"), "an integer"))?,
                ),
            };
            ranked.push((precedence, i, policy(c, pm, &at, i)?));
        }
    }
    // By precedence, ascending; policies without one after those with one, in file order.
    ranked.sort_by_key(|(precedence, i, _)| (precedence.is_none(), *precedence, *i));
    Ok(Application {
        name: name.into(),
        domains,
        session_duration,
        policies: ranked.into_iter().map(|(_, _, p)| p).collect(),
    })
}

fn policy(
    c: Ctx<'_>,
    map: &Map<String, Value>,
    path: &str,
    index: usize,
) -> Result<Policy, PolicyError> {
    let name = match c.opt_str(map, "name", path)? {
        Some(n) => n.to_owned(),
        None => format!("policy {index}"),
    };
    let include = c.rules(map, "include", path, rule)?;
    if include.is_empty() {
        return Err(c.invalid(path, ValueProblem::NoIncludeRule));
    }
    Ok(Policy {
        name,
        decision: decision(c, c.req_str(map, "decision", path)?, path)?,
        include,
        require: c.rules(map, "require", path, rule)?,
        exclude: c.rules(map, "exclude", path, rule)?,
    })
}

fn rule(c: Ctx<'_>, v: &Value, path: &str) -> Result<Rule, PolicyError> {
    let map = c.object(v, path)?;
    let mut entries = map.iter();
    let (Some((name, value)), None) = (entries.next(), entries.next()) else {
        return Err(c.invalid(path, ValueProblem::NotOneSelector));
    };
    let at = format!("{path}.{name}");
    let field = |key: &'static str| -> Result<String, PolicyError> {
        let inner = c.object(value, &at)?;
        Ok(c.req_str(inner, key, &at)?.to_owned())
    };
    let empty = || c.object(value, &at).map(|_| ());
    let rule = match name.as_str() {
        "everyone" => empty().map(|()| Rule::Everyone)?,
        "certificate" => empty().map(|()| Rule::ValidCertificate)?,
        "any_valid_service_token" => empty().map(|()| Rule::AnyValidServiceToken)?,
        "common_name" => Rule::CommonName(field("common_name")?),
        "email" => Rule::Email(field("email")?),
        "email_domain" => Rule::EmailDomain(field("domain")?),
        "ip" => Rule::Ip(field("ip")?),
        "service_token" => Rule::ServiceToken(field("token_id")?),
        "group" => Rule::Group(field("id")?),
        "auth_method" => Rule::AuthMethod(field("auth_method")?),
        other => {
            if let Some((_, why)) = UNSUPPORTED.iter().find(|(n, _)| *n == other) {
                return Err(PolicyError::UnsupportedSelector {
                    file: c.file.into(),
                    path: path.into(),
                    selector: other.into(),
                    why: (*why).into(),
                });
            }
            return Err(PolicyError::UnknownSelector {
                file: c.file.into(),
                path: path.into(),
                selector: other.into(),
            });
        }
    };
    c.checked(rule, &at)
}
