//! cfssl's CSR JSON: what `cfssl genkey` and `cfssl gencert` read.

use std::path::Path;

use serde::{Deserialize, Serialize};
use time::Duration;

use super::{SanEntry, classify_host, parse_duration};
use crate::{CaError, ConfigProblem, JsonProblem, KeySpec};

/// A certificate request as cfssl's JSON gives it.
///
/// ```json
/// {"CN": "Rhea Group", "hosts": [""], "key": {"algo": "rsa", "size": 4096},
///  "names": [{"C": "PT", "L": "Lisboa", "O": "Money App Test", "OU": "Sam Projects", "ST": "Lisboa"}]}
/// ```
///
/// Unknown keys are errors (cfssl ignores them, so a typo such as `"host"` silently
/// drops every SAN).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsrJson {
    /// Where the JSON came from (a path, or a label such as `<stdin>`), named in the
    /// errors of [`CsrJson::key_spec`] and [`CsrJson::host_names`]; not part of the JSON.
    pub origin: String,
    /// `CN`: the subject common name.
    pub common_name: String,
    /// `hosts`: names for the subjectAltName (see [`classify_host`]).
    pub hosts: Vec<String>,
    /// `key`: the key to generate; none means ECDSA P-256.
    pub key: Option<KeyRequest>,
    /// `names`: subject attributes, in order.
    pub names: Vec<NameJson>,
    /// `ca`: options for a CA made from this request.
    pub ca: Option<CaRequest>,
    /// `serialnumber`: the subject's serialNumber attribute.
    pub serial_number: Option<String>,
}

/// `key`: `{"algo": "rsa"|"ecdsa"|"ed25519", "size": N}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRequest {
    /// `rsa`, `ecdsa` or `ed25519`.
    pub algo: String,
    /// Bits: 2048/3072/4096 for RSA, 256/384 for ECDSA; 0 takes the default.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub size: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One `names[]` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameJson {
    /// `C`: country.
    #[serde(
        rename = "C",
        alias = "c",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub country: Option<String>,
    /// `ST`: state or province.
    #[serde(
        rename = "ST",
        alias = "st",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub state: Option<String>,
    /// `L`: locality.
    #[serde(
        rename = "L",
        alias = "l",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub locality: Option<String>,
    /// `O`: organization.
    #[serde(
        rename = "O",
        alias = "o",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub organization: Option<String>,
    /// `OU`: organizational unit.
    #[serde(
        rename = "OU",
        alias = "ou",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub organizational_unit: Option<String>,
}

/// `ca`: `{"pathlen": N, "pathlenzero": bool, "expiry": "43800h", "backdate": "5m"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaRequest {
    /// `pathlen` when above zero.
    pub path_len: Option<u8>,
    /// `pathlenzero`: a pathlen of 0 means "no further CAs" rather than "no limit".
    pub path_len_zero: bool,
    /// `expiry` of the CA certificate.
    pub expiry: Option<Duration>,
    /// `backdate` of the CA certificate's notBefore.
    pub backdate: Option<Duration>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCsr {
    #[serde(rename = "CN", alias = "cn", default)]
    cn: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<KeyRequest>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    names: Vec<NameJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca: Option<RawCa>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    serialnumber: Option<String>,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCa {
    #[serde(default)]
    pathlen: i64,
    #[serde(default)]
    pathlenzero: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expiry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backdate: Option<String>,
}

/// Maps a serde_json error to [`CaError::Json`], the error boxed as its source
/// (serde's type stays out of our API).
pub(crate) fn json_error(origin: &str, e: serde_json::Error) -> CaError {
    let problem = match e.classify() {
        serde_json::error::Category::Data => JsonProblem::Schema,
        serde_json::error::Category::Eof => JsonProblem::Truncated,
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
            JsonProblem::Syntax
        }
    };
    CaError::Json {
        origin: origin.to_owned(),
        line: e.line(),
        column: e.column(),
        problem,
        source: Box::new(e),
    }
}

impl CsrJson {
    /// Parses cfssl CSR JSON.
    ///
    /// # Errors
    /// [`CaError::Json`] for malformed JSON or unknown keys, [`CaError::InvalidDuration`]
    /// for a bad `ca.expiry`/`ca.backdate`, [`CaError::InvalidConfig`] for a bad `ca.pathlen`.
    pub fn from_json(bytes: &[u8], origin: &str) -> Result<Self, CaError> {
        let raw: RawCsr = serde_json::from_slice(bytes).map_err(|e| json_error(origin, e))?;
        let ca = match raw.ca {
            None => None,
            Some(ca) => {
                let path_len = match u8::try_from(ca.pathlen) {
                    Ok(0) => None,
                    Ok(n) => Some(n),
                    Err(_) => {
                        let problem = ConfigProblem::OutOfRange {
                            value: ca.pathlen,
                            min: 0,
                            max: 255,
                        };
                        return Err(CaError::config(origin, "ca.pathlen", problem));
                    }
                };
                let duration = |field: &str, v: &Option<String>| {
                    v.as_deref()
                        .map(|v| parse_duration(&format!("{origin}: {field}"), v))
                        .transpose()
                };
                Some(CaRequest {
                    path_len,
                    path_len_zero: ca.pathlenzero,
                    expiry: duration("ca.expiry", &ca.expiry)?,
                    backdate: duration("ca.backdate", &ca.backdate)?,
                })
            }
        };
        Ok(Self {
            origin: origin.to_owned(),
            common_name: raw.cn,
            hosts: raw.hosts,
            key: raw.key,
            names: raw.names,
            ca,
            serial_number: raw.serialnumber,
        })
    }

    /// Reads a CSR JSON file.
    ///
    /// # Errors
    /// [`CaError::Io`] when it cannot be read, else as [`CsrJson::from_json`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, CaError> {
        let path = path.as_ref();
        let bytes = CaError::read_file(path)?;
        Self::from_json(&bytes, &path.display().to_string())
    }

    /// The key to generate: `key`, or ECDSA P-256 (cfssl's default) when absent.
    ///
    /// # Errors
    /// [`CaError::UnsupportedKey`] naming [`CsrJson::origin`] for an algorithm or size
    /// we do not make.
    pub fn key_spec(&self) -> Result<KeySpec, CaError> {
        match &self.key {
            None => Ok(KeySpec::default()),
            Some(k) => KeySpec::from_cfssl(&k.algo, k.size).map_err(|e| match e {
                CaError::UnsupportedKey { algo, size, .. } => CaError::UnsupportedKey {
                    origin: Some(self.origin_label().to_owned()),
                    algo,
                    size,
                },
                other => other,
            }),
        }
    }

    /// [`CsrJson::origin`], or a label when it is empty (a request built in code).
    fn origin_label(&self) -> &str {
        if self.origin.is_empty() {
            "CSR JSON"
        } else {
            &self.origin
        }
    }

    /// The `hosts` classified, empty entries skipped, duplicates removed.
    ///
    /// # Errors
    /// As [`classify_host`], naming [`CsrJson::origin`].
    pub fn host_names(&self) -> Result<Vec<SanEntry>, CaError> {
        let mut out: Vec<SanEntry> = Vec::new();
        for (i, h) in self.hosts.iter().enumerate() {
            if let Some(name) = classify_host(self.origin_label(), i, h)?
                && !out.contains(&name)
            {
                out.push(name);
            }
        }
        Ok(out)
    }

    /// The path length of a CA made from this request: `pathlen` when above zero,
    /// 0 with `pathlenzero`, none otherwise (cfssl's reading of the two fields).
    pub fn ca_path_len(&self) -> Option<u8> {
        let ca = self.ca.as_ref()?;
        ca.path_len.or(ca.path_len_zero.then_some(0))
    }

    /// The request as cfssl-shaped pretty JSON.
    pub fn to_json(&self) -> String {
        let fmt = |d: Option<Duration>| d.map(|d| format!("{}s", d.whole_seconds()));
        let raw = RawCsr {
            cn: self.common_name.clone(),
            hosts: self.hosts.clone(),
            key: self.key.clone(),
            names: self.names.clone(),
            ca: self.ca.as_ref().map(|ca| RawCa {
                pathlen: i64::from(ca.path_len.unwrap_or(0)),
                pathlenzero: ca.path_len_zero,
                expiry: fmt(ca.expiry),
                backdate: fmt(ca.backdate),
            }),
            serialnumber: self.serial_number.clone(),
        };
        serde_json::to_string_pretty(&raw).unwrap_or_default()
    }

    /// What `cfssl print-defaults csr` prints.
    pub fn example() -> Self {
        Self {
            origin: "example".into(),
            common_name: "example.net".into(),
            hosts: vec!["example.net".into(), "www.example.net".into()],
            key: Some(KeyRequest {
                algo: "ecdsa".into(),
                size: 256,
            }),
            names: vec![NameJson {
                country: Some("US".into()),
                state: Some("CA".into()),
                locality: Some("San Francisco".into()),
                ..NameJson::default()
            }],
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = r#"{
  "CN": "Rhea Group",
  "hosts": [""],
  "key": {
    "algo": "rsa",
    "size": 4096
  },
  "names": [
    {
      "C": "PT",
      "L": "Lisboa",
      "O": "Money App Test",
      "OU": "Sam Projects",
      "ST": "Lisboa"
    }
  ]
}"#;

    #[test]
    fn seed_client_csr_loads() {
        let csr = CsrJson::from_json(CLIENT.as_bytes(), "client-csr.json").unwrap();
        assert_eq!(csr.common_name, "Rhea Group");
        assert_eq!(csr.key_spec().unwrap(), KeySpec::Rsa(4096));
        assert_eq!(csr.host_names().unwrap(), vec![]);
        assert_eq!(
            csr.names[0].organizational_unit.as_deref(),
            Some("Sam Projects")
        );
        assert_eq!(csr.ca_path_len(), None);
    }

    #[test]
    fn defaults_and_ca_options() {
        let csr = CsrJson::from_json(
            br#"{"CN": "x", "ca": {"pathlen": 0, "pathlenzero": true, "expiry": "30d"}}"#,
            "t",
        )
        .unwrap();
        assert_eq!(csr.key_spec().unwrap(), KeySpec::EcdsaP256);
        assert_eq!(csr.ca_path_len(), Some(0));
        assert_eq!(csr.ca.unwrap().expiry, Some(Duration::days(30)));
        let csr = CsrJson::from_json(br#"{"CN": "x", "ca": {"pathlen": 2}}"#, "t").unwrap();
        assert_eq!(csr.ca_path_len(), Some(2));
    }

    #[test]
    fn errors_name_the_file_and_place() {
        let e = CsrJson::from_json(b"{\"CN\": \"x\",\n \"host\": []}", "c.json")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.json: invalid JSON at line 2"), "{e}");
        assert!(e.contains("unknown field `host`"), "{e}");
        let e = CsrJson::from_json(b"{\"CN\": ", "c.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.json: invalid JSON"), "{e}");
        let e = CsrJson::from_json(br#"{"key": {"algo": "rsa", "size": 1024}}"#, "c.json")
            .unwrap()
            .key_spec()
            .unwrap_err();
        assert!(e.to_string().starts_with("c.json: unsupported key"), "{e}");
        assert!(
            matches!(e, CaError::UnsupportedKey { size: 1024, .. }),
            "{e:?}"
        );
        let e = CsrJson::from_json(br#"{"hosts": ["ok.example", "a b"]}"#, "c.json")
            .unwrap()
            .host_names()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.json: hosts[1]: \"a b\" contains white space"
        );
        let e = CsrJson::from_json(br#"{"ca": {"expiry": "5 years"}}"#, "c.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("ca.expiry"), "{e}");
    }

    #[test]
    fn example_round_trips() {
        let json = CsrJson::example().to_json();
        assert_eq!(
            CsrJson::from_json(json.as_bytes(), "example").unwrap(),
            CsrJson::example()
        );
    }
}
