//! Loading a [`PolicyConfig`]: certgate's schema in TOML or JSON, and Cloudflare Access
//! API JSON. Both walk a JSON value with its path, so every error names where it is.

mod access;
mod native;

use std::path::Path;

use serde_json::{Map, Value};

use crate::model::{PolicyConfig, Rule};
use crate::{PolicyError, PolicySet, ValueProblem};

/// The largest configuration file read, 64 MiB: far above 1,000 applications with ten
/// policies each, and a bound on what a mistaken path can make us read.
pub const MAX_CONFIG_BYTES: u64 = 64 << 20;

/// The file (or origin) and the JSON path being read.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) file: &'a str,
}

impl Ctx<'_> {
    pub(crate) fn invalid(&self, path: &str, problem: ValueProblem) -> PolicyError {
        PolicyError::Invalid {
            file: self.file.into(),
            path: path.into(),
            problem,
        }
    }

    /// [`ValueProblem::WrongType`] at `path`.
    pub(crate) fn wrong_type(&self, path: &str, expected: &'static str) -> PolicyError {
        self.invalid(path, ValueProblem::WrongType { expected })
    }

    pub(crate) fn object<'v>(
        &self,
        v: &'v Value,
        path: &str,
    ) -> Result<&'v Map<String, Value>, PolicyError> {
        v.as_object()
            .ok_or_else(|| self.wrong_type(path, "an object"))
    }

    pub(crate) fn array<'v>(&self, v: &'v Value, path: &str) -> Result<&'v [Value], PolicyError> {
        v.as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| self.wrong_type(path, "an array"))
    }

    /// The rule list `map[key]` (absent or `null`: empty), each rule read by `rule`
    /// with its JSON path.
    pub(crate) fn rules<T>(
        self,
        map: &Map<String, Value>,
        key: &str,
        path: &str,
        rule: impl Fn(Self, &Value, &str) -> Result<T, PolicyError>,
    ) -> Result<Vec<T>, PolicyError> {
        let list = match map.get(key) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(list) => list,
        };
        let list_path = format!("{path}.{key}");
        self.array(list, &list_path)?
            .iter()
            .enumerate()
            .map(|(i, r)| rule(self, r, &format!("{list_path}[{i}]")))
            .collect()
    }

    pub(crate) fn string<'v>(&self, v: &'v Value, path: &str) -> Result<&'v str, PolicyError> {
        v.as_str().ok_or_else(|| self.wrong_type(path, "a string"))
    }

    /// `map[key]` as a string, if present.
    pub(crate) fn opt_str<'v>(
        &self,
        map: &'v Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Result<Option<&'v str>, PolicyError> {
        map.get(key)
            .map(|v| self.string(v, &format!("{path}.{key}")))
            .transpose()
    }

    /// `map[key]` as a string, required.
    pub(crate) fn req_str<'v>(
        &self,
        map: &'v Map<String, Value>,
        key: &'static str,
        path: &str,
    ) -> Result<&'v str, PolicyError> {
        self.opt_str(map, key, path)?
            .ok_or_else(|| self.missing(path, key))
    }

    /// [`ValueProblem::Missing`] at `path`.
    pub(crate) fn missing(&self, path: &str, key: &'static str) -> PolicyError {
        self.invalid(path, ValueProblem::Missing { key })
    }

    /// Checks a rule's values (everything but the names of rule groups and tokens) so a
    /// bad value is reported with its path.
    pub(crate) fn checked(&self, rule: Rule, path: &str) -> Result<Rule, PolicyError> {
        crate::compile::compile_selector(&rule).map_err(|problem| self.invalid(path, problem))?;
        Ok(rule)
    }
}

/// Which format a file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigFormat {
    /// certgate's schema in TOML.
    Toml,
    /// certgate's schema in JSON (an object with `applications`).
    Json,
    /// Cloudflare Access API JSON: an array of applications, one application, or the
    /// API's `{"result": ...}` envelope.
    AccessJson,
}

impl PolicyConfig {
    /// Reads certgate's schema from TOML. `origin` names the text in errors.
    ///
    /// # Errors
    /// [`PolicyError::Syntax`] for TOML that does not parse; [`PolicyError::Invalid`],
    /// [`PolicyError::UnknownSelector`] naming the path of what is wrong.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, PolicyError> {
        let value: Value = toml::from_str(text).map_err(|e| PolicyError::Syntax {
            file: origin.into(),
            format: "TOML",
            source: Box::new(e),
        })?;
        native::read(&value, Ctx { file: origin })
    }

    /// Reads certgate's schema from JSON.
    ///
    /// # Errors
    /// As [`PolicyConfig::from_toml`], for JSON.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, PolicyError> {
        native::read(&parse_json(text, origin)?, Ctx { file: origin })
    }

    /// Reads Cloudflare Access API JSON as it is: applications with `name`, `domain`,
    /// optional `session_duration` and `policies` inline; policies ordered by
    /// `precedence` when present; Access's selector objects.
    ///
    /// # Errors
    /// [`PolicyError::Syntax`] for JSON that does not parse;
    /// [`PolicyError::UnknownSelector`] and [`PolicyError::UnsupportedSelector`] (`geo`)
    /// naming the rule's JSON path; [`PolicyError::Invalid`] for missing or bad values.
    pub fn from_access_json(text: &str, origin: &str) -> Result<Self, PolicyError> {
        access::read(&parse_json(text, origin)?, Ctx { file: origin })
    }

    /// Reads text in `format`.
    ///
    /// # Errors
    /// As the function for that format.
    pub fn parse(text: &str, format: ConfigFormat, origin: &str) -> Result<Self, PolicyError> {
        match format {
            ConfigFormat::Toml => Self::from_toml(text, origin),
            ConfigFormat::Json => Self::from_json(text, origin),
            ConfigFormat::AccessJson => Self::from_access_json(text, origin),
        }
    }

    /// Reads a file: `.toml` as TOML; JSON otherwise — certgate's schema when it is an
    /// object with `applications`, else Cloudflare Access API JSON.
    ///
    /// # Errors
    /// [`PolicyError::Read`] when the file cannot be read or is over
    /// [`MAX_CONFIG_BYTES`]; otherwise as the function for its format.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PolicyError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let read_err = |source| PolicyError::Read {
            file: file.clone(),
            source,
        };
        let len = std::fs::metadata(path).map_err(read_err)?.len();
        if len > MAX_CONFIG_BYTES {
            return Err(read_err(std::io::Error::other(format!(
                "{len} bytes is over the limit of {MAX_CONFIG_BYTES}"
            ))));
        }
        let text = std::fs::read_to_string(path).map_err(read_err)?;
        let format = detect_format(path, &text);
        Self::parse(&text, format, &file)
    }
}

/// The format of a file by its name and content.
pub(crate) fn detect_format(path: &Path, text: &str) -> ConfigFormat {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    {
        return ConfigFormat::Toml;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) if map.contains_key("applications") => ConfigFormat::Json,
        _ => ConfigFormat::AccessJson,
    }
}

fn parse_json(text: &str, origin: &str) -> Result<Value, PolicyError> {
    serde_json::from_str(text).map_err(|e| PolicyError::Syntax {
        file: origin.into(),
        format: "JSON",
        source: Box::new(e),
    })
}

impl PolicySet {
    /// Reads and compiles a file (see [`PolicyConfig::from_file`]).
    ///
    /// # Errors
    /// As [`PolicyConfig::from_file`] and [`PolicySet::new`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PolicyError> {
        Self::new(PolicyConfig::from_file(path)?)
    }
}
