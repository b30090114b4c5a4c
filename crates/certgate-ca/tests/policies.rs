//! Certificate policies, policy mappings and constraints and inhibitAnyPolicy on
//! profiles, read by `openssl x509 -text` and enforced by OpenSSL's policy processing.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use certgate_ca::cfssl::{SigningConfig, SigningProfile};
use certgate_ca::{
    CaCertificate, CaError, CertificateAuthority, ConfigProblem, IssuedCertificate, KeySigner,
    KeySpec, PrivateKey,
};
use certgate_test_support::require_tool;
use common::*;

const P1: &str = "1.3.6.1.4.1.55555.1.1";
const P2: &str = "1.3.6.1.4.1.55555.1.2";
const P3: &str = "1.3.6.1.4.1.55555.1.3";

fn policy_config() -> SigningConfig {
    let json = format!(
        r#"{{"signing": {{"default": {{"expiry": "8760h"}}, "profiles": {{
        "ica_mapped": {{"usages": ["cert sign", "crl sign"], "expiry": "43800h",
            "ca_constraint": {{"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}},
            "policies": [{{"ID": "{P1}", "qualifiers": [{{"type": "id-qt-cps", "value": "http://cps.example"}},
                                                         {{"type": "id-qt-unotice", "value": "explicit text"}}]}}],
            "policy_mappings": [{{"issuer_domain": "{P1}", "subject_domain": "{P2}"}}],
            "policy_constraints": {{"require_explicit_policy": 0, "inhibit_policy_mapping": 5}}}},
        "ica_any_inhibited": {{"usages": ["cert sign", "crl sign"], "expiry": "43800h",
            "ca_constraint": {{"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}},
            "policies": [{{"ID": "2.5.29.32.0"}}],
            "policy_constraints": {{"require_explicit_policy": 0}},
            "inhibit_any_policy": 0}},
        "ica_any": {{"usages": ["cert sign", "crl sign"], "expiry": "43800h",
            "ca_constraint": {{"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}},
            "policies": [{{"ID": "2.5.29.32.0"}}],
            "policy_constraints": {{"require_explicit_policy": 0}}}},
        "leaf_p2": {{"usages": ["digital signature", "client auth"], "policies": [{{"ID": "{P2}"}}]}},
        "leaf_any": {{"usages": ["digital signature", "client auth"], "policies": [{{"ID": "2.5.29.32.0"}}]}}
    }}}}}}"#
    );
    SigningConfig::from_json(json.as_bytes(), "policy config").unwrap()
}

fn policy_profile(name: &str) -> SigningProfile {
    policy_config().profile(name).unwrap().clone()
}

/// A CA issued by `parent` under `profile`.
fn sub_ca(
    parent: &CertificateAuthority,
    profile: &SigningProfile,
    serial: u8,
) -> (CertificateAuthority, IssuedCertificate) {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let copy = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap();
    let csr = certgate_ca::CertificateRequest::create(
        &KeySigner::new(copy),
        &certgate_ca::SubjectName::with_common_name(format!("Intermediate {serial}")),
        &[],
    )
    .unwrap();
    let cert = parent
        .issue(&csr, profile)
        .with_now(NOW)
        .with_serial(&[serial])
        .build()
        .unwrap();
    let ca_cert = CaCertificate::from_der(cert.der(), "intermediate").unwrap();
    let ca = CertificateAuthority::new(ca_cert, Box::new(KeySigner::new(key))).unwrap();
    (ca, cert)
}

fn leaf(ca: &CertificateAuthority, profile: &str, serial: u8) -> IssuedCertificate {
    let (_, csr) = request("device", KeySpec::EcdsaP256, &[]);
    ca.issue(&csr, &policy_profile(profile))
        .with_now(NOW)
        .with_serial(&[serial])
        .build()
        .unwrap()
}

fn verify_policy(dir: &Path, policy: &str) -> (bool, String) {
    openssl_verify(
        dir,
        &[
            "-x509_strict",
            "-policy_check",
            "-explicit_policy",
            "-policy",
            policy,
            "-CAfile",
            "root.pem",
            "-untrusted",
            "int.pem",
            "leaf.pem",
        ],
    )
}

#[test]
fn policy_extensions_read_back_in_openssl() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root_ca, _) = root(KeySpec::EcdsaP256);
    let (int_ca, int_cert) = sub_ca(&root_ca, &policy_profile("ica_mapped"), 2);
    write(dir.path(), "int.pem", int_cert.to_pem());
    let text = openssl_text(dir.path(), "int.pem");
    for expected in [
        &format!("Policy: {P1}"),
        "CPS: http://cps.example",
        "Explicit Text: explicit text",
        "X509v3 Policy Mappings: critical",
        &format!("{P1}:{P2}"),
        "X509v3 Policy Constraints: critical",
        "Require Explicit Policy:0",
        "Inhibit Policy Mapping:5",
    ] {
        assert!(text.contains(expected), "{expected} missing: {text}");
    }
    assert!(!text.contains("Certificate Policies: critical"), "{text}");
    let (any_ca, any_cert) = sub_ca(&root_ca, &policy_profile("ica_any_inhibited"), 3);
    write(dir.path(), "any.pem", any_cert.to_pem());
    let text = openssl_text(dir.path(), "any.pem");
    assert!(text.contains("Policy: X509v3 Any Policy"), "{text}");
    assert!(
        text.contains("X509v3 Inhibit Any Policy: critical\n                0"),
        "{text}"
    );
    // A leaf never gets the CA-only controls, only its policies.
    write(dir.path(), "leaf.pem", leaf(&int_ca, "leaf_p2", 4).to_pem());
    let text = openssl_text(dir.path(), "leaf.pem");
    assert!(text.contains(&format!("Policy: {P2}")), "{text}");
    assert!(!text.contains("Policy Constraints"), "{text}");
    drop(any_ca);
}

#[test]
fn openssl_policy_processing_follows_the_mapping() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root_ca, root_cert) = root(KeySpec::EcdsaP256);
    let (int_ca, int_cert) = sub_ca(&root_ca, &policy_profile("ica_mapped"), 2);
    write(dir.path(), "root.pem", root_cert.to_pem());
    write(dir.path(), "int.pem", int_cert.to_pem());
    // The leaf asserts P2, which the intermediate maps from P1: in the root's domain the
    // path carries P1.
    write(dir.path(), "leaf.pem", leaf(&int_ca, "leaf_p2", 4).to_pem());
    let (ok, out) = verify_policy(dir.path(), P1);
    assert!(ok, "{out}");
    let (ok, out) = verify_policy(dir.path(), P3);
    assert!(!ok, "a path without P3 passed a P3 policy check: {out}");
    assert!(out.contains("no explicit policy"), "{out}");
}

#[test]
fn inhibit_any_policy_zero_stops_an_any_policy_leaf() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root_ca, root_cert) = root(KeySpec::EcdsaP256);
    write(dir.path(), "root.pem", root_cert.to_pem());
    // The control: without inhibitAnyPolicy, an anyPolicy leaf satisfies any policy.
    let (int_ca, int_cert) = sub_ca(&root_ca, &policy_profile("ica_any"), 2);
    write(dir.path(), "int.pem", int_cert.to_pem());
    write(
        dir.path(),
        "leaf.pem",
        leaf(&int_ca, "leaf_any", 4).to_pem(),
    );
    let (ok, out) = verify_policy(dir.path(), P1);
    assert!(ok, "{out}");
    // inhibitAnyPolicy 0 on the intermediate: the leaf's anyPolicy no longer counts.
    let (int_ca, int_cert) = sub_ca(&root_ca, &policy_profile("ica_any_inhibited"), 3);
    write(dir.path(), "int.pem", int_cert.to_pem());
    write(
        dir.path(),
        "leaf.pem",
        leaf(&int_ca, "leaf_any", 5).to_pem(),
    );
    let (ok, out) = verify_policy(dir.path(), P1);
    assert!(!ok, "inhibitAnyPolicy 0 was not honoured: {out}");
}

fn config_error(profile_json: &str) -> CaError {
    let json = format!(r#"{{"signing": {{"profiles": {{"p": {profile_json}}}}}}}"#);
    SigningConfig::from_json(json.as_bytes(), "c.json").unwrap_err()
}

fn assert_problem(e: &CaError, field: &str, check: impl Fn(&ConfigProblem) -> bool) {
    match e {
        CaError::InvalidConfig {
            field: f, problem, ..
        } => {
            assert_eq!(f, field, "{e}");
            assert!(check(problem), "{e}");
        }
        other => panic!("not a config error: {other}"),
    }
}

#[test]
fn bad_policy_configuration_is_refused_by_name() {
    let ca = r#""ca_constraint": {"is_ca": true}"#;
    let e = config_error(r#"{"policies": [{"ID": "not-an-oid"}]}"#);
    assert_problem(&e, "signing.profiles.p.policies[0].ID", |p| {
        matches!(p, ConfigProblem::InvalidOid { .. })
    });
    let e = config_error(
        r#"{"policies": [{"ID": "1.2.3", "qualifiers": [{"type": "id-qt-nope", "value": "x"}]}]}"#,
    );
    assert_problem(
        &e,
        "signing.profiles.p.policies[0].qualifiers[0].type",
        |p| matches!(p, ConfigProblem::UnknownQualifier { .. }),
    );
    let e = config_error(r#"{"policies": [{"ID": "1.2.3"}, {"ID": "1.2.3"}]}"#);
    assert_problem(&e, "signing.profiles.p.policies[1].ID", |p| {
        matches!(p, ConfigProblem::DuplicatePolicy { .. })
    });
    for control in [
        r#""policy_mappings": [{"issuer_domain": "1.2.3", "subject_domain": "1.2.4"}]"#,
        r#""policy_constraints": {"require_explicit_policy": 0}"#,
        r#""inhibit_any_policy": 0"#,
    ] {
        let e = config_error(&format!("{{{control}}}"));
        let field = control.split('"').nth(1).unwrap();
        assert_problem(&e, &format!("signing.profiles.p.{field}"), |p| {
            *p == ConfigProblem::PolicyControlsNeedCa
        });
    }
    let e = config_error(&format!(
        r#"{{{ca}, "policy_mappings": [{{"issuer_domain": "2.5.29.32.0", "subject_domain": "1.2.4"}}]}}"#
    ));
    assert_problem(
        &e,
        "signing.profiles.p.policy_mappings[0].issuer_domain",
        |p| *p == ConfigProblem::AnyPolicyMapped,
    );
    let e = config_error(&format!(r#"{{{ca}, "policy_constraints": {{}}}}"#));
    assert_problem(&e, "signing.profiles.p.policy_constraints", |p| {
        *p == ConfigProblem::EmptyPolicyConstraints
    });
}
