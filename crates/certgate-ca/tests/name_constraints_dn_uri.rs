//! directoryName and URI name constraints on CA profiles, read and enforced by OpenSSL.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_ca::cfssl::{SigningConfig, SigningProfile, classify_host};
use certgate_ca::{
    CaCertificate, CaError, CertificateAuthority, CertificateRequest, ConfigProblem,
    IssuedCertificate, KeySigner, KeySpec, PrivateKey, SubjectName,
};
use certgate_test_support::require_tool;
use common::*;

const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
    "dn_ca": {"usages": ["cert sign", "crl sign"], "expiry": "43800h",
        "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true},
        "name_constraints": {
            "permitted_dn": [{"C": "PT", "O": "Money App Test"}],
            "excluded_dn": [{"C": "PT", "O": "Money App Test", "OU": "Retired"}],
            "permitted_uri": [".example.com"],
            "excluded_uri": ["bad.example.com"]}},
    "client": {"usages": ["digital signature", "client auth"]}
}}}"#;

fn profile(name: &str) -> SigningProfile {
    SigningConfig::from_json(CONFIG.as_bytes(), "dn config")
        .unwrap()
        .profile(name)
        .unwrap()
        .clone()
}

fn csr(subject: &SubjectName, hosts: &[&str]) -> (PrivateKey, CertificateRequest) {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let signer =
        KeySigner::new(PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap());
    let hosts: Vec<_> = hosts
        .iter()
        .enumerate()
        .filter_map(|(i, h)| classify_host("test", i, h).unwrap())
        .collect();
    (
        key,
        CertificateRequest::create(&signer, subject, &hosts).unwrap(),
    )
}

fn constrained_ca(root_ca: &CertificateAuthority) -> (CertificateAuthority, IssuedCertificate) {
    let (key, req) = csr(&SubjectName::with_common_name("DN constrained CA"), &[]);
    let cert = root_ca
        .issue(&req, &profile("dn_ca"))
        .with_now(NOW)
        .with_serial(&[2])
        .build()
        .unwrap();
    let ca_cert = CaCertificate::from_der(cert.der(), "int").unwrap();
    (
        CertificateAuthority::new(ca_cert, Box::new(KeySigner::new(key))).unwrap(),
        cert,
    )
}

fn subject(o: &str, ou: &[&str]) -> SubjectName {
    SubjectName {
        country: vec!["PT".into()],
        organization: vec![o.into()],
        organizational_unit: ou.iter().map(|s| (*s).to_owned()).collect(),
        ..SubjectName::with_common_name("device")
    }
}

fn leaf(ca: &CertificateAuthority, subject: &SubjectName, hosts: &[&str], serial: u8) -> String {
    let (_, req) = csr(subject, hosts);
    ca.issue(&req, &profile("client"))
        .with_now(NOW)
        .with_serial(&[serial])
        .build()
        .unwrap()
        .to_pem()
}

#[test]
fn dn_and_uri_constraints_are_read_and_enforced_by_openssl() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root_ca, root_cert) = root(KeySpec::EcdsaP256);
    let (ca, int_cert) = constrained_ca(&root_ca);
    write(dir.path(), "root.pem", root_cert.to_pem());
    write(dir.path(), "int.pem", int_cert.to_pem());
    let text = openssl_text(dir.path(), "int.pem");
    for expected in [
        "X509v3 Name Constraints: critical",
        "DirName:C = PT, O = Money App Test\n",
        "DirName:C = PT, O = Money App Test, OU = Retired",
        "URI:.example.com",
        "URI:bad.example.com",
    ] {
        assert!(text.contains(expected), "{expected:?} missing: {text}");
    }
    let cases: [(&str, SubjectName, &[&str], bool); 5] = [
        ("inside", subject("Money App Test", &[]), &[], true),
        ("outside", subject("Other Org", &[]), &[], false),
        (
            "excluded OU",
            subject("Money App Test", &["Retired"]),
            &[],
            false,
        ),
        (
            "permitted URI",
            subject("Money App Test", &[]),
            &["https://device.example.com/id"],
            true,
        ),
        (
            "excluded URI",
            subject("Money App Test", &[]),
            &["https://bad.example.com/id"],
            false,
        ),
    ];
    for (i, (what, subject, hosts, accepted)) in cases.iter().enumerate() {
        let serial = u8::try_from(10 + i).unwrap();
        write(dir.path(), "leaf.pem", leaf(&ca, subject, hosts, serial));
        let (ok, out) = openssl_verify(
            dir.path(),
            &["-CAfile", "root.pem", "-untrusted", "int.pem", "leaf.pem"],
        );
        assert_eq!(ok, *accepted, "{what}: {out}");
        if !accepted {
            assert!(out.contains("subtree violation"), "{what}: {out}");
        }
    }
}

#[test]
fn uri_constraints_are_hosts_or_domains() {
    for bad in [
        "https://example.com",
        "example.com/path",
        "example.com:443",
        "*.example.com",
        "",
        "..example.com",
    ] {
        let json = format!(
            r#"{{"signing": {{"profiles": {{"p": {{"ca_constraint": {{"is_ca": true}},
                "name_constraints": {{"excluded_uri": ["{bad}"]}}}}}}}}}}"#
        );
        let e = SigningConfig::from_json(json.as_bytes(), "c.json").unwrap_err();
        match &e {
            CaError::InvalidConfig { field, problem, .. } => {
                assert_eq!(field, "signing.profiles.p.name_constraints.excluded_uri");
                assert!(
                    matches!(problem, ConfigProblem::NotAUriConstraint { value } if value == bad),
                    "{e}"
                );
            }
            other => panic!("{bad}: {other}"),
        }
    }
    let e = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"p": {"ca_constraint": {"is_ca": true},
            "name_constraints": {"permitted_dn": [{"X": "y"}]}}}}}"#,
        "c.json",
    )
    .unwrap_err();
    assert!(e.to_string().contains("unknown field `X`"), "{e}");
    // An empty name would be a subtree of every name.
    let e = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"p": {"ca_constraint": {"is_ca": true},
            "name_constraints": {"excluded_dn": [{"O": "x"}, {"CN": ""}]}}}}}"#,
        "c.json",
    )
    .unwrap_err();
    assert!(
        matches!(&e, CaError::InvalidConfig { field, problem: ConfigProblem::Missing, .. }
            if field == "signing.profiles.p.name_constraints.excluded_dn[1]"),
        "{e}"
    );
}
