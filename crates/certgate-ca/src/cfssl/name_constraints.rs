//! The directoryName and URI parts of `name_constraints` as the JSON gives them.

use serde::Deserialize;

use crate::SubjectName;

/// A directoryName name constraint as the JSON gives it: one of CSR JSON's `names`
/// objects, plus `CN`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDn {
    #[serde(rename = "C", alias = "c")]
    country: Option<String>,
    #[serde(rename = "ST", alias = "st")]
    state: Option<String>,
    #[serde(rename = "L", alias = "l")]
    locality: Option<String>,
    #[serde(rename = "O", alias = "o")]
    organization: Option<String>,
    #[serde(rename = "OU", alias = "ou")]
    organizational_unit: Option<String>,
    #[serde(rename = "CN", alias = "cn")]
    common_name: Option<String>,
}

impl RawDn {
    /// The name as [`SubjectName`] builds a subject, so a constraint matches the subjects
    /// certgate issues byte for byte.
    pub(super) fn subject_name(self) -> SubjectName {
        let list = |v: Option<String>| v.into_iter().filter(|s| !s.is_empty()).collect();
        SubjectName {
            country: list(self.country),
            state: list(self.state),
            locality: list(self.locality),
            organization: list(self.organization),
            organizational_unit: list(self.organizational_unit),
            common_name: self.common_name.unwrap_or_default(),
            serial_number: String::new(),
        }
    }
}

/// A URI name constraint: a host (`example.com`) or a domain (`.example.com`), with no
/// scheme, port, path or wildcard (RFC 5280 4.2.1.10).
pub(super) fn is_uri_constraint(value: &str) -> bool {
    let host = value.strip_prefix('.').unwrap_or(value);
    !host.starts_with('*') && !host.ends_with('.') && super::hosts::check_dns_name(host).is_ok()
}
