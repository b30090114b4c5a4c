//! Certificate policies of a signing profile: cfssl's `policies`, and (beyond cfssl)
//! `policy_mappings`, `policy_constraints` and `inhibit_any_policy` for CA profiles.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::ConfigProblem;

/// anyPolicy (RFC 5280 4.2.1.4): `2.5.29.32.0`.
pub const ANY_POLICY: &str = "2.5.29.32.0";

/// The longest explicitText RFC 5280 4.2.1.4 allows, in characters.
const MAX_EXPLICIT_TEXT: usize = 200;

/// One certificate policy (`policies[]`, cfssl's shape): a policy OID and its qualifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySpec {
    /// `ID`: the policy's OID in dotted form (anyPolicy is `2.5.29.32.0`).
    pub id: String,
    /// `qualifiers`, in the order given.
    pub qualifiers: Vec<PolicyQualifier>,
}

/// A policy qualifier (RFC 5280 4.2.1.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyQualifier {
    /// `{"type": "id-qt-cps", "value": URI}`: where the CPS is published, an IA5String.
    CpsUri(String),
    /// `{"type": "id-qt-unotice", "value": TEXT}`: a user notice whose explicitText is a
    /// UTF8String.
    UserNotice(String),
}

/// One `policy_mappings[]` entry (beyond cfssl): `issuer_domain` is taken as
/// `subject_domain` below the CA (RFC 5280 4.2.1.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyMappingSpec {
    /// `issuer_domain`: the policy OID in the issuer's domain.
    pub issuer_domain: String,
    /// `subject_domain`: the OID it is known by in the subject's domain.
    pub subject_domain: String,
}

/// `policy_constraints` (beyond cfssl, RFC 5280 4.2.1.11): at least one is present.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PolicyConstraintsSpec {
    /// `require_explicit_policy`: certificates below this many further CAs must carry
    /// an acceptable policy.
    pub require_explicit_policy: Option<u32>,
    /// `inhibit_policy_mapping`: mappings stop being honoured after this many CAs.
    pub inhibit_policy_mapping: Option<u32>,
}

/// `policies[]` as cfssl's JSON gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    #[serde(rename = "ID")]
    id: String,
    #[serde(default)]
    qualifiers: Vec<RawQualifier>,
}

/// `qualifiers[]` as cfssl's JSON gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQualifier {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

/// `policy_mappings[]` as the JSON gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicyMapping {
    issuer_domain: String,
    subject_domain: String,
}

/// `policy_constraints` as the JSON gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicyConstraints {
    require_explicit_policy: Option<u32>,
    inhibit_policy_mapping: Option<u32>,
}

/// A problem with the field at this JSON path below `policies` & co.
pub(super) type FieldProblem = (String, ConfigProblem);

/// Checks a dotted OID.
fn oid(field: String, value: &str) -> Result<String, FieldProblem> {
    match const_oid::ObjectIdentifier::new(value) {
        Ok(_) => Ok(value.to_owned()),
        Err(_) => Err((
            field,
            ConfigProblem::InvalidOid {
                value: value.to_owned(),
            },
        )),
    }
}

/// Reads `policies`: valid OIDs, each at most once, known qualifier types.
pub(super) fn policies(raw: Vec<RawPolicy>) -> Result<Vec<PolicySpec>, FieldProblem> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, p) in raw.into_iter().enumerate() {
        let id = oid(format!("policies[{i}].ID"), &p.id)?;
        if !seen.insert(id.clone()) {
            return Err((
                format!("policies[{i}].ID"),
                ConfigProblem::DuplicatePolicy { oid: id },
            ));
        }
        let mut qualifiers = Vec::with_capacity(p.qualifiers.len());
        for (j, q) in p.qualifiers.into_iter().enumerate() {
            let field = format!("policies[{i}].qualifiers[{j}]");
            qualifiers.push(qualifier(field, q)?);
        }
        out.push(PolicySpec { id, qualifiers });
    }
    Ok(out)
}

fn qualifier(field: String, q: RawQualifier) -> Result<PolicyQualifier, FieldProblem> {
    match q.kind.as_str() {
        "id-qt-cps" if q.value.is_ascii() => Ok(PolicyQualifier::CpsUri(q.value)),
        "id-qt-cps" => Err((
            format!("{field}.value"),
            ConfigProblem::NotAscii { value: q.value },
        )),
        "id-qt-unotice" if q.value.chars().count() <= MAX_EXPLICIT_TEXT => {
            Ok(PolicyQualifier::UserNotice(q.value))
        }
        "id-qt-unotice" => Err((
            format!("{field}.value"),
            ConfigProblem::TooLong {
                max: MAX_EXPLICIT_TEXT,
            },
        )),
        _ => Err((
            format!("{field}.type"),
            ConfigProblem::UnknownQualifier { value: q.kind },
        )),
    }
}

/// Reads `policy_mappings`: valid OIDs, anyPolicy on neither side (RFC 5280 4.2.1.5).
pub(super) fn mappings(raw: Vec<RawPolicyMapping>) -> Result<Vec<PolicyMappingSpec>, FieldProblem> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, m) in raw.into_iter().enumerate() {
        let side = |name: &str, value: &str| {
            let field = format!("policy_mappings[{i}].{name}");
            let value = oid(field.clone(), value)?;
            if value == ANY_POLICY {
                return Err((field, ConfigProblem::AnyPolicyMapped));
            }
            Ok(value)
        };
        out.push(PolicyMappingSpec {
            issuer_domain: side("issuer_domain", &m.issuer_domain)?,
            subject_domain: side("subject_domain", &m.subject_domain)?,
        });
    }
    if out.is_empty() {
        return Err(("policy_mappings".into(), ConfigProblem::Missing));
    }
    Ok(out)
}

/// Reads `policy_constraints`: at least one of its two numbers.
pub(super) fn constraints(
    raw: RawPolicyConstraints,
) -> Result<PolicyConstraintsSpec, FieldProblem> {
    if raw.require_explicit_policy.is_none() && raw.inhibit_policy_mapping.is_none() {
        return Err((
            "policy_constraints".into(),
            ConfigProblem::EmptyPolicyConstraints,
        ));
    }
    Ok(PolicyConstraintsSpec {
        require_explicit_policy: raw.require_explicit_policy,
        inhibit_policy_mapping: raw.inhibit_policy_mapping,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Vec<RawPolicy> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn cfssl_shape_reads() {
        let p = policies(raw(
            r#"[{"ID": "1.2.3.4", "qualifiers": [{"type": "id-qt-cps", "value": "http://cps.example"},
                {"type": "id-qt-unotice", "value": "explicit text"}]}, {"ID": "2.5.29.32.0"}]"#,
        ))
        .unwrap();
        assert_eq!(p[0].id, "1.2.3.4");
        assert_eq!(
            p[0].qualifiers,
            vec![
                PolicyQualifier::CpsUri("http://cps.example".into()),
                PolicyQualifier::UserNotice("explicit text".into())
            ]
        );
        assert_eq!(p[1].id, ANY_POLICY);
        assert!(p[1].qualifiers.is_empty());
    }

    #[test]
    fn bad_policies_name_the_field() {
        let e = policies(raw(r#"[{"ID": "1.2.x"}]"#)).unwrap_err();
        assert_eq!(e.0, "policies[0].ID");
        assert!(matches!(e.1, ConfigProblem::InvalidOid { .. }));
        let e = policies(raw(r#"[{"ID": "1.2.3"}, {"ID": "1.2.3"}]"#)).unwrap_err();
        assert_eq!(e.0, "policies[1].ID");
        assert!(matches!(e.1, ConfigProblem::DuplicatePolicy { .. }));
        let e = policies(raw(
            r#"[{"ID": "1.2.3", "qualifiers": [{"type": "id-qt-other", "value": "x"}]}]"#,
        ))
        .unwrap_err();
        assert_eq!(e.0, "policies[0].qualifiers[0].type");
        assert!(matches!(e.1, ConfigProblem::UnknownQualifier { .. }));
        let long = "x".repeat(201);
        let json = format!(
            r#"[{{"ID": "1.2.3", "qualifiers": [{{"type": "id-qt-unotice", "value": "{long}"}}]}}]"#
        );
        let e = policies(raw(&json)).unwrap_err();
        assert!(matches!(e.1, ConfigProblem::TooLong { max: 200 }));
    }

    #[test]
    fn any_policy_is_never_mapped() {
        let m: Vec<RawPolicyMapping> = serde_json::from_str(
            r#"[{"issuer_domain": "1.2.3", "subject_domain": "2.5.29.32.0"}]"#,
        )
        .unwrap();
        let e = mappings(m).unwrap_err();
        assert_eq!(e.0, "policy_mappings[0].subject_domain");
        assert_eq!(e.1, ConfigProblem::AnyPolicyMapped);
        let c: RawPolicyConstraints = serde_json::from_str("{}").unwrap();
        assert_eq!(
            constraints(c).unwrap_err().1,
            ConfigProblem::EmptyPolicyConstraints
        );
    }
}
