//! cfssl's config JSON: `{"signing": {"default": PROFILE, "profiles": {NAME: PROFILE}}}`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use time::Duration;

use super::csr_json::json_error;
use super::profile::{DEFAULT_USAGES, ProfileReader, RawProfile};
use super::{CaConstraint, KeyPurpose, KeyUsageBit, SigningProfile};
use crate::{CaError, ConfigProblem};

/// What errors call the built-in configuration, which comes from no file.
const DEFAULT_CONFIG_ORIGIN: &str = "the default configuration";

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

impl Default for SigningConfig {
    /// cfssl's built-in configuration when no `-config` is given: a default profile with
    /// signing, key encipherment, server auth and client auth, for 8760 hours.
    fn default() -> Self {
        let mut default = SigningProfile::root_ca(Duration::hours(8760), None, None);
        default.name = "default".into();
        default.usage_names = DEFAULT_USAGES.iter().map(|s| (*s).to_owned()).collect();
        default.key_usage =
            BTreeSet::from([KeyUsageBit::DigitalSignature, KeyUsageBit::KeyEncipherment]);
        default.ext_key_usage = vec![KeyPurpose::ServerAuth, KeyPurpose::ClientAuth];
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
        let reader = ProfileReader {
            origin,
            path: "signing.default",
        };
        let default = reader.resolve("default", raw_default, None)?;
        let mut profiles = BTreeMap::new();
        for (name, raw) in signing.profiles {
            let path = format!("signing.profiles.{name}");
            let reader = ProfileReader {
                origin,
                path: &path,
            };
            let profile = reader.resolve(&name, raw, Some(&default))?;
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
        assert_eq!(client.ext_key_usage, vec![KeyPurpose::ClientAuth]);
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
        assert_eq!(ica.ext_key_usage, vec![KeyPurpose::ClientAuth]);
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
