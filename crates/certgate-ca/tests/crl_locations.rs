//! cRLDistributionPoints with several URLs and freshestCRL in issued certificates.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_ca::cfssl::SigningConfig;
use certgate_ca::{CaError, ConfigProblem, KeySpec};
use certgate_test_support::require_tool;
use common::*;

#[test]
fn crl_urls_and_freshest_crl_show_in_openssl() {
    if !require_tool("openssl") {
        return;
    }
    let config = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"client": {"usages": ["digital signature", "client auth"],
            "crl_url": "http://crl.example.com/base.crl",
            "crl_urls": ["http://crl2.example.com/base.crl"],
            "freshest_crl_url": "http://crl.example.com/delta.crl"}}}}"#,
        "c.json",
    )
    .unwrap();
    let profile = config.profile("client").unwrap();
    assert_eq!(profile.crl_urls, ["http://crl2.example.com/base.crl"]);
    let dir = tempfile::tempdir().unwrap();
    let (ca, _) = root(KeySpec::EcdsaP256);
    let (_, csr) = request("device", KeySpec::EcdsaP256, &[]);
    let leaf = ca
        .issue(&csr, profile)
        .with_now(NOW)
        .with_serial(&[7])
        .build()
        .unwrap();
    write(dir.path(), "leaf.pem", leaf.to_pem());
    let text = openssl_text(dir.path(), "leaf.pem");
    let dp = text
        .split("X509v3 CRL Distribution Points:")
        .nth(1)
        .unwrap();
    let dp = dp.split("X509v3 ").next().unwrap();
    assert!(
        dp.contains("Full Name:")
            && dp.contains("URI:http://crl.example.com/base.crl")
            && dp.contains("URI:http://crl2.example.com/base.crl"),
        "{text}"
    );
    assert_eq!(dp.matches("Full Name:").count(), 1, "one point: {text}");
    let fresh = text.split("X509v3 Freshest CRL:").nth(1).unwrap();
    assert!(
        fresh.contains("URI:http://crl.example.com/delta.crl"),
        "{text}"
    );
    assert!(!text.contains("Freshest CRL: critical"), "{text}");
}

#[test]
fn non_ascii_crl_locations_are_refused() {
    for field in ["crl_urls", "freshest_crl_url"] {
        let value = if field == "crl_urls" {
            r#"["http://crl.exämple.com/x.crl"]"#
        } else {
            r#""http://crl.exämple.com/x.crl""#
        };
        let json = format!(r#"{{"signing": {{"profiles": {{"p": {{"{field}": {value}}}}}}}}}"#);
        let e = SigningConfig::from_json(json.as_bytes(), "c.json").unwrap_err();
        assert!(
            matches!(&e, CaError::InvalidConfig { field: f, problem: ConfigProblem::NotAscii { .. }, .. }
                if f == &format!("signing.profiles.p.{field}")),
            "{e}"
        );
    }
}
