//! A signing profile, and how one is read from cfssl's config JSON with its defaults
//! resolved.

use std::collections::BTreeSet;

use regex::Regex;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::name_constraints::{RawDn, is_uri_constraint};
use super::policy::{self, RawPolicy, RawPolicyConstraints, RawPolicyMapping};
use super::{
    CfsslUsage, IpNet, KeyPurpose, KeyUsageBit, PolicyConstraintsSpec, PolicyMappingSpec,
    PolicySpec, parse_duration, parse_usage,
};
use crate::error::BoxError;
use crate::{CaError, ConfigProblem, SubjectName};

/// cfssl's usages for a profile that names none.
pub(super) const DEFAULT_USAGES: [&str; 4] =
    ["signing", "key encipherment", "server auth", "client auth"];

/// cfssl's expiry for a default profile that names none: 168 hours.
const DEFAULT_EXPIRY: Duration = Duration::hours(168);

/// `ca_constraint`: whether the profile issues CAs, and how deep below them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaConstraint {
    /// `is_ca`.
    pub is_ca: bool,
    /// The effective path length: `max_path_len` when above zero, 0 with
    /// `max_path_len_zero`, none (no limit) otherwise — cfssl's reading.
    pub max_path_len: Option<u8>,
}

/// `name_constraints` (beyond cfssl): names an intermediate CA may certify.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameConstraintsSpec {
    /// `permitted_dns`: DNS subtrees allowed.
    pub permitted_dns: Vec<String>,
    /// `excluded_dns`: DNS subtrees refused.
    pub excluded_dns: Vec<String>,
    /// `permitted_email`: mailboxes, hosts or `.domain`s allowed.
    pub permitted_email: Vec<String>,
    /// `excluded_email`: mailboxes, hosts or `.domain`s refused.
    pub excluded_email: Vec<String>,
    /// `permitted_ip`: networks allowed.
    pub permitted_ip: Vec<IpNet>,
    /// `excluded_ip`: networks refused.
    pub excluded_ip: Vec<IpNet>,
    /// `permitted_dn`: directoryName subtrees allowed, each given as a cfssl name object
    /// (`{"C": .., "ST": .., "L": .., "O": .., "OU": .., "CN": ..}`) and encoded as a
    /// certificate subject is.
    pub permitted_dn: Vec<SubjectName>,
    /// `excluded_dn`: directoryName subtrees refused.
    pub excluded_dn: Vec<SubjectName>,
    /// `permitted_uri`: URI hosts (`example.com`) or domains (`.example.com`) allowed
    /// (RFC 5280 4.2.1.10).
    pub permitted_uri: Vec<String>,
    /// `excluded_uri`: URI hosts or domains refused.
    pub excluded_uri: Vec<String>,
}

/// A signing profile with every default resolved.
#[derive(Clone, Debug)]
pub struct SigningProfile {
    /// `default` or the profile's name.
    pub name: String,
    /// The usage strings as given.
    pub usage_names: Vec<String>,
    /// keyUsage bits.
    pub key_usage: BTreeSet<KeyUsageBit>,
    /// Extended key usages, in the order given, duplicates merged.
    pub ext_key_usage: Vec<KeyPurpose>,
    /// Lifetime of issued certificates.
    pub expiry: Duration,
    /// How far notBefore goes back; none means cfssl's 5 minutes.
    pub backdate: Option<Duration>,
    /// A fixed notBefore.
    pub not_before: Option<OffsetDateTime>,
    /// A fixed notAfter.
    pub not_after: Option<OffsetDateTime>,
    /// A CRL distribution point URL.
    pub crl_url: Option<String>,
    /// `crl_urls` (beyond cfssl): more URLs of the same CRL, after `crl_url` in the one
    /// distribution point's fullName.
    pub crl_urls: Vec<String>,
    /// `freshest_crl_url` (beyond cfssl): where delta CRLs are published (freshestCRL,
    /// RFC 5280 4.2.1.15, non-critical).
    pub freshest_crl_url: Option<String>,
    /// An OCSP responder URL.
    pub ocsp_url: Option<String>,
    /// CA issuers URLs (authorityInfoAccess).
    pub issuer_urls: Vec<String>,
    /// Whether certificates of this profile are CAs.
    pub ca_constraint: CaConstraint,
    /// Name constraints put on CAs of this profile.
    pub name_constraints: Option<NameConstraintsSpec>,
    /// `policies`: certificatePolicies (non-critical), in the order given.
    pub policies: Vec<PolicySpec>,
    /// `policy_mappings` (CA profiles only): policyMappings, critical.
    pub policy_mappings: Vec<PolicyMappingSpec>,
    /// `policy_constraints` (CA profiles only): policyConstraints, critical.
    pub policy_constraints: Option<PolicyConstraintsSpec>,
    /// `inhibit_any_policy` (CA profiles only): inhibitAnyPolicy, critical.
    pub inhibit_any_policy: Option<u32>,
    name_whitelist: Option<Regex>,
}

impl SigningProfile {
    /// Whether `name` (a CN or a host) passes `name_whitelist`; true when there is none.
    /// Like cfssl, the expression matches anywhere unless it is anchored.
    pub fn allows_name(&self, name: &str) -> bool {
        self.name_whitelist
            .as_ref()
            .is_none_or(|re| re.is_match(name))
    }

    /// The `name_whitelist` expression, if any.
    pub fn name_whitelist(&self) -> Option<&str> {
        self.name_whitelist.as_ref().map(Regex::as_str)
    }

    /// The profile `-initca` uses: cert sign and crl sign, a CA with `path_len`.
    pub fn root_ca(expiry: Duration, backdate: Option<Duration>, path_len: Option<u8>) -> Self {
        Self {
            name: "initca".into(),
            usage_names: vec!["cert sign".into(), "crl sign".into()],
            key_usage: BTreeSet::from([KeyUsageBit::KeyCertSign, KeyUsageBit::CrlSign]),
            ext_key_usage: Vec::new(),
            expiry,
            backdate,
            not_before: None,
            not_after: None,
            crl_url: None,
            crl_urls: Vec::new(),
            freshest_crl_url: None,
            ocsp_url: None,
            issuer_urls: Vec::new(),
            ca_constraint: CaConstraint {
                is_ca: true,
                max_path_len: path_len,
            },
            name_constraints: None,
            policies: Vec::new(),
            policy_mappings: Vec::new(),
            policy_constraints: None,
            inhibit_any_policy: None,
            name_whitelist: None,
        }
    }
}

/// One profile as cfssl's JSON gives it.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    usages: Option<Vec<String>>,
    expiry: Option<String>,
    backdate: Option<String>,
    not_before: Option<String>,
    not_after: Option<String>,
    crl_url: Option<String>,
    #[serde(default)]
    crl_urls: Vec<String>,
    freshest_crl_url: Option<String>,
    ocsp_url: Option<String>,
    #[serde(default)]
    issuer_urls: Vec<String>,
    name_whitelist: Option<String>,
    ca_constraint: Option<RawCaConstraint>,
    name_constraints: Option<RawNameConstraints>,
    policies: Option<Vec<RawPolicy>>,
    policy_mappings: Option<Vec<RawPolicyMapping>>,
    policy_constraints: Option<RawPolicyConstraints>,
    inhibit_any_policy: Option<u32>,
    // cfssl keys certgate does not implement: refused, never silently ignored.
    auth_key: Option<serde_json::Value>,
    remote: Option<serde_json::Value>,
    auth_remote: Option<serde_json::Value>,
    ct_log_servers: Option<serde_json::Value>,
    ocsp_no_check: Option<serde_json::Value>,
    copy_extensions: Option<serde_json::Value>,
    allowed_extensions: Option<serde_json::Value>,
    lint_errors_level: Option<serde_json::Value>,
    ignored_lints: Option<serde_json::Value>,
}

/// `ca_constraint` as cfssl's JSON gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCaConstraint {
    #[serde(default)]
    is_ca: bool,
    #[serde(default)]
    max_path_len: i64,
    #[serde(default)]
    max_path_len_zero: bool,
}

/// `name_constraints` as the JSON gives it.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNameConstraints {
    #[serde(default)]
    permitted_dns: Vec<String>,
    #[serde(default)]
    excluded_dns: Vec<String>,
    #[serde(default)]
    permitted_email: Vec<String>,
    #[serde(default)]
    excluded_email: Vec<String>,
    #[serde(default)]
    permitted_ip: Vec<String>,
    #[serde(default)]
    excluded_ip: Vec<String>,
    #[serde(default)]
    permitted_dn: Vec<RawDn>,
    #[serde(default)]
    excluded_dn: Vec<RawDn>,
    #[serde(default)]
    permitted_uri: Vec<String>,
    #[serde(default)]
    excluded_uri: Vec<String>,
}

/// The policy fields of a profile, as the JSON gives them.
struct RawPolicies {
    policies: Option<Vec<RawPolicy>>,
    mappings: Option<Vec<RawPolicyMapping>>,
    constraints: Option<RawPolicyConstraints>,
    inhibit_any: Option<u32>,
}

/// The policy fields of a profile, read.
struct ProfilePolicies {
    policies: Vec<PolicySpec>,
    mappings: Vec<PolicyMappingSpec>,
    constraints: Option<PolicyConstraintsSpec>,
    inhibit_any: Option<u32>,
}

/// Reads the profile at JSON path `path` of the configuration from `origin`; errors
/// name both.
pub(super) struct ProfileReader<'a> {
    pub(super) origin: &'a str,
    pub(super) path: &'a str,
}

impl ProfileReader<'_> {
    /// Resolves `raw`, taking what it leaves out from `default` (the configuration's
    /// default profile) or from cfssl's defaults.
    pub(super) fn resolve(
        &self,
        name: &str,
        raw: RawProfile,
        default: Option<&SigningProfile>,
    ) -> Result<SigningProfile, CaError> {
        self.refuse_unsupported(&raw)?;
        let usage_names: Vec<String> = match (raw.usages, default) {
            (Some(u), _) => u,
            (None, Some(d)) => d.usage_names.clone(),
            (None, None) => DEFAULT_USAGES.iter().map(|s| (*s).to_owned()).collect(),
        };
        let (key_usage, ext_key_usage) = self.usages(&usage_names)?;
        let expiry = match (self.duration("expiry", raw.expiry.as_deref())?, default) {
            (Some(e), _) => e,
            (None, Some(d)) => d.expiry,
            (None, None) => DEFAULT_EXPIRY,
        };
        if expiry <= Duration::ZERO {
            return Err(self.invalid("expiry", ConfigProblem::NotPositive));
        }
        let ca_constraint = self.ca_constraint(raw.ca_constraint)?;
        let name_constraints = raw
            .name_constraints
            .map(|nc| self.name_constraints(nc))
            .transpose()?;
        if name_constraints.is_some() && !ca_constraint.is_ca {
            let problem = ConfigProblem::NameConstraintsNeedCa;
            return Err(self.invalid("name_constraints", problem));
        }
        let policies = self.policies(
            RawPolicies {
                policies: raw.policies,
                mappings: raw.policy_mappings,
                constraints: raw.policy_constraints,
                inhibit_any: raw.inhibit_any_policy,
            },
            ca_constraint.is_ca,
        )?;
        let urls = raw.crl_url.iter().map(|u| ("crl_url", u));
        let urls = urls.chain(raw.crl_urls.iter().map(|u| ("crl_urls", u)));
        let urls = urls.chain(raw.freshest_crl_url.iter().map(|u| ("freshest_crl_url", u)));
        let urls = urls.chain(raw.ocsp_url.iter().map(|u| ("ocsp_url", u)));
        let mut urls = urls.chain(raw.issuer_urls.iter().map(|u| ("issuer_urls", u)));
        if let Some((field, url)) = urls.find(|(_, url)| !url.is_ascii()) {
            let value = url.clone();
            return Err(self.invalid(field, ConfigProblem::NotAscii { value }));
        }
        Ok(SigningProfile {
            name: name.to_owned(),
            usage_names,
            key_usage,
            ext_key_usage,
            expiry,
            backdate: self.duration("backdate", raw.backdate.as_deref())?,
            not_before: self.time("not_before", raw.not_before.as_deref())?,
            not_after: self.time("not_after", raw.not_after.as_deref())?,
            crl_url: raw.crl_url,
            crl_urls: raw.crl_urls,
            freshest_crl_url: raw.freshest_crl_url,
            ocsp_url: raw.ocsp_url,
            issuer_urls: raw.issuer_urls,
            ca_constraint,
            name_constraints,
            policies: policies.policies,
            policy_mappings: policies.mappings,
            policy_constraints: policies.constraints,
            inhibit_any_policy: policies.inhibit_any,
            name_whitelist: self.regex("name_whitelist", raw.name_whitelist.as_deref())?,
        })
    }

    /// `policies`, and the policy controls only CA profiles may carry.
    fn policies(&self, raw: RawPolicies, is_ca: bool) -> Result<ProfilePolicies, CaError> {
        let at = |(field, problem): (String, ConfigProblem)| self.invalid(&field, problem);
        let controls = [
            ("policy_mappings", raw.mappings.is_some()),
            ("policy_constraints", raw.constraints.is_some()),
            ("inhibit_any_policy", raw.inhibit_any.is_some()),
        ];
        if let Some((field, _)) = controls.iter().find(|(_, present)| *present && !is_ca) {
            return Err(self.invalid(field, ConfigProblem::PolicyControlsNeedCa));
        }
        Ok(ProfilePolicies {
            policies: policy::policies(raw.policies.unwrap_or_default()).map_err(at)?,
            mappings: match raw.mappings {
                Some(m) => policy::mappings(m).map_err(at)?,
                None => Vec::new(),
            },
            constraints: raw
                .constraints
                .map(policy::constraints)
                .transpose()
                .map_err(at)?,
            inhibit_any: raw.inhibit_any,
        })
    }

    fn invalid(&self, field: &str, problem: ConfigProblem) -> CaError {
        CaError::config(self.origin, format!("{}.{field}", self.path), problem)
    }

    fn invalid_because(&self, field: &str, problem: ConfigProblem, e: BoxError) -> CaError {
        CaError::InvalidConfig {
            origin: self.origin.to_owned(),
            field: format!("{}.{field}", self.path),
            problem,
            source: Some(e),
        }
    }

    /// cfssl keys certgate does not implement: refused, never silently ignored.
    fn refuse_unsupported(&self, raw: &RawProfile) -> Result<(), CaError> {
        let unsupported = [
            ("auth_key", raw.auth_key.is_some()),
            ("remote", raw.remote.is_some()),
            ("auth_remote", raw.auth_remote.is_some()),
            ("ct_log_servers", raw.ct_log_servers.is_some()),
            ("ocsp_no_check", raw.ocsp_no_check.is_some()),
            ("copy_extensions", raw.copy_extensions.is_some()),
            ("allowed_extensions", raw.allowed_extensions.is_some()),
            ("lint_errors_level", raw.lint_errors_level.is_some()),
            ("ignored_lints", raw.ignored_lints.is_some()),
        ];
        match unsupported.iter().find(|(_, present)| *present) {
            Some((field, _)) => Err(self.invalid(field, ConfigProblem::Unsupported)),
            None => Ok(()),
        }
    }

    /// The keyUsage bits and extended key usages of cfssl's usage strings.
    fn usages(
        &self,
        names: &[String],
    ) -> Result<(BTreeSet<KeyUsageBit>, Vec<KeyPurpose>), CaError> {
        let mut key_usage = BTreeSet::new();
        let mut ext_key_usage = Vec::new();
        for usage in names {
            match parse_usage(usage) {
                Some(CfsslUsage::Key(bit)) => {
                    key_usage.insert(bit);
                }
                Some(CfsslUsage::Extended(eku)) => {
                    if !ext_key_usage.contains(&eku) {
                        ext_key_usage.push(eku);
                    }
                }
                None => {
                    return Err(CaError::UnknownUsage {
                        field: format!("{}: {}.usages", self.origin, self.path),
                        usage: usage.clone(),
                    });
                }
            }
        }
        Ok((key_usage, ext_key_usage))
    }

    fn duration(&self, field: &str, value: Option<&str>) -> Result<Option<Duration>, CaError> {
        let field = format!("{}: {}.{field}", self.origin, self.path);
        value.map(|v| parse_duration(&field, v)).transpose()
    }

    fn time(&self, field: &str, value: Option<&str>) -> Result<Option<OffsetDateTime>, CaError> {
        let parse = |v: &str| {
            OffsetDateTime::parse(v, &Rfc3339).map_err(|e| {
                let value = v.to_owned();
                self.invalid_because(field, ConfigProblem::NotRfc3339 { value }, Box::new(e))
            })
        };
        value.map(parse).transpose()
    }

    fn regex(&self, field: &str, value: Option<&str>) -> Result<Option<Regex>, CaError> {
        let compile = |re: &str| {
            Regex::new(re)
                .map_err(|e| self.invalid_because(field, ConfigProblem::InvalidRegex, Box::new(e)))
        };
        value.map(compile).transpose()
    }

    /// cfssl's reading of `max_path_len` and `max_path_len_zero`.
    fn ca_constraint(&self, raw: Option<RawCaConstraint>) -> Result<CaConstraint, CaError> {
        let Some(c) = raw else {
            return Ok(CaConstraint::default());
        };
        let n = u8::try_from(c.max_path_len).map_err(|_| {
            let problem = ConfigProblem::OutOfRange {
                value: c.max_path_len,
                min: 0,
                max: 255,
            };
            self.invalid("ca_constraint.max_path_len", problem)
        })?;
        Ok(CaConstraint {
            is_ca: c.is_ca,
            max_path_len: if n > 0 {
                Some(n)
            } else {
                c.max_path_len_zero.then_some(0)
            },
        })
    }

    fn name_constraints(&self, nc: RawNameConstraints) -> Result<NameConstraintsSpec, CaError> {
        let nets = |field: &str, values: &[String]| {
            let parse = |s: &String| {
                super::parse_ip_net(s).map_err(|problem| {
                    let value = s.clone();
                    let problem = ConfigProblem::InvalidIpNetwork { value, problem };
                    self.invalid(&format!("name_constraints.{field}"), problem)
                })
            };
            values.iter().map(parse).collect::<Result<Vec<_>, _>>()
        };
        let uris = |field: &str, values: Vec<String>| {
            if let Some(bad) = values.iter().find(|u| !is_uri_constraint(u)) {
                let problem = ConfigProblem::NotAUriConstraint { value: bad.clone() };
                return Err(self.invalid(&format!("name_constraints.{field}"), problem));
            }
            Ok(values)
        };
        let dns = |field: &str, values: Vec<RawDn>| {
            let names: Vec<SubjectName> = values.into_iter().map(RawDn::subject_name).collect();
            // An empty name is a subtree of every name: it would permit or exclude all.
            match names.iter().position(|n| *n == SubjectName::default()) {
                Some(i) => Err(self.invalid(
                    &format!("name_constraints.{field}[{i}]"),
                    ConfigProblem::Missing,
                )),
                None => Ok(names),
            }
        };
        Ok(NameConstraintsSpec {
            permitted_uri: uris("permitted_uri", nc.permitted_uri)?,
            excluded_uri: uris("excluded_uri", nc.excluded_uri)?,
            permitted_dn: dns("permitted_dn", nc.permitted_dn)?,
            excluded_dn: dns("excluded_dn", nc.excluded_dn)?,
            permitted_ip: nets("permitted_ip", &nc.permitted_ip)?,
            excluded_ip: nets("excluded_ip", &nc.excluded_ip)?,
            permitted_dns: nc.permitted_dns,
            excluded_dns: nc.excluded_dns,
            permitted_email: nc.permitted_email,
            excluded_email: nc.excluded_email,
        })
    }
}
