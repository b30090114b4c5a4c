//! cfssl's config JSON: `{"signing": {"default": PROFILE, "profiles": {NAME: PROFILE}}}`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use regex::Regex;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::csr_json::json_error;
use super::{ExtendedKeyUsage, IpNet, KeyUsageBit, Usage, parse_duration, parse_usage};
use crate::{CaError, ConfigProblem};

/// cfssl's usages for a profile that names none.
const DEFAULT_USAGES: [&str; 4] = ["signing", "key encipherment", "server auth", "client auth"];

/// What errors call the built-in configuration, which comes from no file.
const DEFAULT_CONFIG_ORIGIN: &str = "the default configuration";

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
    pub ext_key_usage: Vec<ExtendedKeyUsage>,
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
    /// An OCSP responder URL.
    pub ocsp_url: Option<String>,
    /// CA issuers URLs (authorityInfoAccess).
    pub issuer_urls: Vec<String>,
    /// Whether certificates of this profile are CAs.
    pub ca_constraint: CaConstraint,
    /// Name constraints put on CAs of this profile.
    pub name_constraints: Option<NameConstraintsSpec>,
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
            ocsp_url: None,
            issuer_urls: Vec::new(),
            ca_constraint: CaConstraint {
                is_ca: true,
                max_path_len: path_len,
            },
            name_constraints: None,
            name_whitelist: None,
        }
    }
}

/// A parsed cfssl config: the default profile and the named ones.
#[derive(Clone, Debug)]
pub struct SigningConfig {
    origin: String,
    default: SigningProfile,
    profiles: BTreeMap<String, SigningProfile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    signing: Option<RawSigning>,
    auth_keys: Option<serde_json::Value>,
    remotes: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSigning {
    default: Option<RawProfile>,
    #[serde(default)]
    profiles: BTreeMap<String, RawProfile>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    usages: Option<Vec<String>>,
    expiry: Option<String>,
    backdate: Option<String>,
    not_before: Option<String>,
    not_after: Option<String>,
    crl_url: Option<String>,
    ocsp_url: Option<String>,
    #[serde(default)]
    issuer_urls: Vec<String>,
    name_whitelist: Option<String>,
    ca_constraint: Option<RawCaConstraint>,
    name_constraints: Option<RawNameConstraints>,
    // cfssl keys certgate does not implement: refused, never silently ignored.
    auth_key: Option<serde_json::Value>,
    remote: Option<serde_json::Value>,
    auth_remote: Option<serde_json::Value>,
    policies: Option<serde_json::Value>,
    ct_log_servers: Option<serde_json::Value>,
    ocsp_no_check: Option<serde_json::Value>,
    copy_extensions: Option<serde_json::Value>,
    allowed_extensions: Option<serde_json::Value>,
    lint_errors_level: Option<serde_json::Value>,
    ignored_lints: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCaConstraint {
    #[serde(default)]
    is_ca: bool,
    #[serde(default)]
    max_path_len: i64,
    #[serde(default)]
    max_path_len_zero: bool,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNameConstraints {
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
}

impl Default for SigningConfig {
    /// cfssl's built-in configuration when no `-config` is given: a default profile with
    /// signing, key encipherment, server auth and client auth, for 8760 hours.
    fn default() -> Self {
        let mut default = SigningProfile::root_ca(Duration::hours(8760), None, None);
        default.name = "default".into();
        default.usage_names = DEFAULT_USAGES.iter().map(|s| (*s).to_owned()).collect();
        default.key_usage =
            BTreeSet::from([KeyUsageBit::DigitalSignature, KeyUsageBit::KeyEncipherment]);
        default.ext_key_usage = vec![ExtendedKeyUsage::ServerAuth, ExtendedKeyUsage::ClientAuth];
        default.ca_constraint = CaConstraint::default();
        Self {
            origin: DEFAULT_CONFIG_ORIGIN.to_owned(),
            default,
            profiles: BTreeMap::new(),
        }
    }
}

impl SigningConfig {
    /// Parses cfssl config JSON.
    ///
    /// # Errors
    /// [`CaError::Json`] for malformed JSON or unknown keys, [`CaError::UnknownUsage`],
    /// [`CaError::InvalidDuration`], and [`CaError::InvalidConfig`] for other bad values
    /// and for cfssl features certgate does not implement (`auth_key`, `remote`, ...).
    pub fn from_json(bytes: &[u8], origin: &str) -> Result<Self, CaError> {
        let raw: RawConfig = serde_json::from_slice(bytes).map_err(|e| json_error(origin, e))?;
        let unsupported = |field: &str| CaError::config(origin, field, ConfigProblem::Unsupported);
        if raw.auth_keys.is_some() {
            return Err(unsupported("auth_keys"));
        }
        if raw.remotes.is_some() {
            return Err(unsupported("remotes"));
        }
        let signing = raw
            .signing
            .ok_or_else(|| CaError::config(origin, "signing", ConfigProblem::Missing))?;
        let raw_default = signing.default.unwrap_or_default();
        let default = resolve(origin, "default", "signing.default", raw_default, None)?;
        let mut profiles = BTreeMap::new();
        for (name, raw) in signing.profiles {
            let path = format!("signing.profiles.{name}");
            let profile = resolve(origin, &name, &path, raw, Some(&default))?;
            profiles.insert(name, profile);
        }
        Ok(Self {
            origin: origin.to_owned(),
            default,
            profiles,
        })
    }

    /// Reads a config file.
    ///
    /// # Errors
    /// [`CaError::Io`] when it cannot be read, else as [`SigningConfig::from_json`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, CaError> {
        let path = path.as_ref();
        let bytes = CaError::read_file(path)?;
        Self::from_json(&bytes, &path.display().to_string())
    }

    /// The default profile.
    pub fn default_profile(&self) -> &SigningProfile {
        &self.default
    }

    /// A named profile.
    ///
    /// # Errors
    /// [`CaError::UnknownProfile`] naming the configuration and listing the names that
    /// exist (cfssl falls back to the default profile without a word).
    pub fn profile(&self, name: &str) -> Result<&SigningProfile, CaError> {
        self.profiles
            .get(name)
            .ok_or_else(|| CaError::UnknownProfile {
                origin: self.origin.clone(),
                name: name.to_owned(),
                known: self.profiles.keys().cloned().collect(),
            })
    }

    /// Where the configuration came from: the path or label given to
    /// [`SigningConfig::from_json`], or a label for the built-in default.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The names of the named profiles.
    pub fn profile_names(&self) -> Vec<&str> {
        self.profiles.keys().map(String::as_str).collect()
    }

    /// What `cfssl print-defaults config` prints.
    pub fn example_json() -> &'static str {
        r#"{
    "signing": {
        "default": {
            "expiry": "168h"
        },
        "profiles": {
            "www": {
                "expiry": "8760h",
                "usages": [
                    "signing",
                    "key encipherment",
                    "server auth"
                ]
            },
            "client": {
                "expiry": "8760h",
                "usages": [
                    "signing",
                    "key encipherment",
                    "client auth"
                ]
            }
        }
    }
}
"#
    }
}

fn resolve(
    origin: &str,
    name: &str,
    path: &str,
    raw: RawProfile,
    default: Option<&SigningProfile>,
) -> Result<SigningProfile, CaError> {
    let invalid = |field: &str, problem: ConfigProblem| {
        CaError::config(origin, format!("{path}.{field}"), problem)
    };
    let invalid_because =
        |field: &str, problem: ConfigProblem, e: crate::error::BoxError| CaError::InvalidConfig {
            origin: origin.to_owned(),
            field: format!("{path}.{field}"),
            problem,
            source: Some(e),
        };
    let unsupported = [
        ("auth_key", raw.auth_key.is_some()),
        ("remote", raw.remote.is_some()),
        ("auth_remote", raw.auth_remote.is_some()),
        ("policies", raw.policies.is_some()),
        ("ct_log_servers", raw.ct_log_servers.is_some()),
        ("ocsp_no_check", raw.ocsp_no_check.is_some()),
        ("copy_extensions", raw.copy_extensions.is_some()),
        ("allowed_extensions", raw.allowed_extensions.is_some()),
        ("lint_errors_level", raw.lint_errors_level.is_some()),
        ("ignored_lints", raw.ignored_lints.is_some()),
    ];
    if let Some((field, _)) = unsupported.iter().find(|(_, present)| *present) {
        return Err(invalid(field, ConfigProblem::Unsupported));
    }
    let usage_names: Vec<String> = match (raw.usages, default) {
        (Some(u), _) => u,
        (None, Some(d)) => d.usage_names.clone(),
        (None, None) => DEFAULT_USAGES.iter().map(|s| (*s).to_owned()).collect(),
    };
    let mut key_usage = BTreeSet::new();
    let mut ext_key_usage = Vec::new();
    for usage in &usage_names {
        match parse_usage(usage) {
            Some(Usage::Key(bit)) => {
                key_usage.insert(bit);
            }
            Some(Usage::Extended(eku)) => {
                if !ext_key_usage.contains(&eku) {
                    ext_key_usage.push(eku);
                }
            }
            None => {
                return Err(CaError::UnknownUsage {
                    field: format!("{origin}: {path}.usages"),
                    usage: usage.clone(),
                });
            }
        }
    }
    let duration = |field: &str, v: &Option<String>| {
        v.as_deref()
            .map(|v| parse_duration(&format!("{origin}: {path}.{field}"), v))
            .transpose()
    };
    let expiry = match (duration("expiry", &raw.expiry)?, default) {
        (Some(e), _) => e,
        (None, Some(d)) => d.expiry,
        (None, None) => DEFAULT_EXPIRY,
    };
    if expiry <= Duration::ZERO {
        return Err(invalid("expiry", ConfigProblem::NotPositive));
    }
    let time = |field: &str, v: &Option<String>| {
        v.as_deref()
            .map(|v| {
                OffsetDateTime::parse(v, &Rfc3339).map_err(|e| {
                    let problem = ConfigProblem::NotRfc3339 {
                        value: v.to_owned(),
                    };
                    invalid_because(field, problem, Box::new(e))
                })
            })
            .transpose()
    };
    let ca_constraint = match raw.ca_constraint {
        None => CaConstraint::default(),
        Some(c) => {
            let n = u8::try_from(c.max_path_len).map_err(|_| {
                let problem = ConfigProblem::OutOfRange {
                    value: c.max_path_len,
                    min: 0,
                    max: 255,
                };
                invalid("ca_constraint.max_path_len", problem)
            })?;
            CaConstraint {
                is_ca: c.is_ca,
                max_path_len: if n > 0 {
                    Some(n)
                } else {
                    c.max_path_len_zero.then_some(0)
                },
            }
        }
    };
    let name_whitelist = raw
        .name_whitelist
        .map(|re| {
            Regex::new(&re).map_err(|e| {
                invalid_because("name_whitelist", ConfigProblem::InvalidRegex, Box::new(e))
            })
        })
        .transpose()?;
    let name_constraints = raw
        .name_constraints
        .map(|nc| {
            let nets = |field: &str, v: &[String]| {
                v.iter()
                    .map(|s| {
                        s.parse::<IpNet>().map_err(|problem| {
                            let problem = ConfigProblem::InvalidIpNetwork {
                                value: s.clone(),
                                problem,
                            };
                            invalid(&format!("name_constraints.{field}"), problem)
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            };
            Ok::<_, CaError>(NameConstraintsSpec {
                permitted_ip: nets("permitted_ip", &nc.permitted_ip)?,
                excluded_ip: nets("excluded_ip", &nc.excluded_ip)?,
                permitted_dns: nc.permitted_dns,
                excluded_dns: nc.excluded_dns,
                permitted_email: nc.permitted_email,
                excluded_email: nc.excluded_email,
            })
        })
        .transpose()?;
    if name_constraints.is_some() && !ca_constraint.is_ca {
        return Err(invalid(
            "name_constraints",
            ConfigProblem::NameConstraintsNeedCa,
        ));
    }
    let urls = raw.crl_url.iter().map(|u| ("crl_url", u));
    let urls = urls.chain(raw.ocsp_url.iter().map(|u| ("ocsp_url", u)));
    let urls = urls.chain(raw.issuer_urls.iter().map(|u| ("issuer_urls", u)));
    for (field, url) in urls {
        if !url.is_ascii() {
            let value = url.clone();
            return Err(invalid(field, ConfigProblem::NotAscii { value }));
        }
    }
    Ok(SigningProfile {
        name: name.to_owned(),
        usage_names,
        key_usage,
        ext_key_usage,
        expiry,
        backdate: duration("backdate", &raw.backdate)?,
        not_before: time("not_before", &raw.not_before)?,
        not_after: time("not_after", &raw.not_after)?,
        crl_url: raw.crl_url,
        ocsp_url: raw.ocsp_url,
        issuer_urls: raw.issuer_urls,
        ca_constraint,
        name_constraints,
        name_whitelist,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"{
  "signing": {
    "default": {
      "expiry": "8760h"
    },
    "profiles": {
      "server": {
        "usages": ["signing", "key encipherment", "server auth"],
        "expiry": "8760h"
      },
      "client": {
        "usages": ["signing","key encipherment","client auth"],
        "expiry": "8760h"
      }
    }
  }
}"#;

    #[test]
    fn seed_config_loads() {
        let c = SigningConfig::from_json(SEED.as_bytes(), "ca-config.json").unwrap();
        let client = c.profile("client").unwrap();
        assert_eq!(client.ext_key_usage, vec![ExtendedKeyUsage::ClientAuth]);
        assert_eq!(
            client.key_usage,
            BTreeSet::from([KeyUsageBit::DigitalSignature, KeyUsageBit::KeyEncipherment])
        );
        assert_eq!(client.expiry, Duration::hours(8760));
        assert_eq!(c.profile_names(), vec!["client", "server"]);
        assert_eq!(c.default_profile().usage_names.len(), 4);
    }

    #[test]
    fn unknown_profile_and_usage_list_the_valid_ones() {
        let c = SigningConfig::from_json(SEED.as_bytes(), "ca-config.json").unwrap();
        let e = c.profile("clinet").unwrap_err().to_string();
        assert!(
            e.starts_with("ca-config.json: unknown signing profile \"clinet\"")
                && e.contains("client, server"),
            "{e}"
        );
        let e = SigningConfig::default().profile("client").unwrap_err();
        assert!(
            e.to_string().starts_with("the default configuration: "),
            "{e}"
        );
        let e = SigningConfig::from_json(
            br#"{"signing": {"profiles": {"x": {"usages": ["client-auth"]}}}}"#,
            "c.json",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("signing.profiles.x.usages")
                && e.contains("\"client-auth\"")
                && e.contains("client auth"),
            "{e}"
        );
    }

    #[test]
    fn profile_details() {
        let json = br#"{"signing": {"default": {"expiry": "1y"}, "profiles": {
            "ica": {"usages": ["cert sign", "crl sign", "client auth", "client auth"], "backdate": "1h",
                    "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true},
                    "name_constraints": {"permitted_dns": ["example.com"], "excluded_ip": ["10.0.0.0/8"]},
                    "crl_url": "http://crl.example.com/ca.crl", "name_whitelist": "^[a-z.]+$",
                    "not_after": "2030-01-01T00:00:00Z"},
            "inherit": {"usages": ["signing"]}}}}"#;
        let c = SigningConfig::from_json(json, "c.json").unwrap();
        let ica = c.profile("ica").unwrap();
        assert_eq!(ica.ext_key_usage, vec![ExtendedKeyUsage::ClientAuth]);
        assert_eq!(
            ica.ca_constraint,
            CaConstraint {
                is_ca: true,
                max_path_len: Some(0)
            }
        );
        assert_eq!(ica.backdate, Some(Duration::hours(1)));
        assert_eq!(
            ica.name_constraints.as_ref().unwrap().excluded_ip[0].to_string(),
            "10.0.0.0/8"
        );
        assert!(ica.allows_name("a.example.com") && !ica.allows_name("A!"));
        assert_eq!(ica.not_after.unwrap().year(), 2030);
        assert_eq!(c.profile("inherit").unwrap().expiry, Duration::days(365));
    }

    #[test]
    fn unsupported_and_unknown_keys_are_errors() {
        let e =
            SigningConfig::from_json(br#"{"signing": {"default": {"auth_key": "k"}}}"#, "c.json")
                .unwrap_err()
                .to_string();
        assert!(
            e.contains("signing.default.auth_key") && e.contains("not supported"),
            "{e}"
        );
        let e = SigningConfig::from_json(
            br#"{"signing": {"default": {"expiry": "1h", "usage": []}}}"#,
            "c.json",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown field `usage`"), "{e}");
        let e =
            SigningConfig::from_json(br#"{"signing": {"default": {"expiry": "8760"}}}"#, "c.json")
                .unwrap_err()
                .to_string();
        assert!(e.contains("signing.default.expiry"), "{e}");
        let e = SigningConfig::from_json(
            br#"{"signing": {"profiles": {"p": {"name_constraints": {}}}}}"#,
            "c.json",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("only a CA profile"), "{e}");
    }

    #[test]
    fn example_parses() {
        let c =
            SigningConfig::from_json(SigningConfig::example_json().as_bytes(), "example").unwrap();
        assert_eq!(c.default_profile().expiry, Duration::hours(168));
        assert!(c.profile("www").is_ok());
    }
}
