//! Every kind of bad input gets a typed error that names the thing and the reason.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{CaCertificate, CaError, CertificateAuthority, KeySpec, Password, PrivateKey};
use common::*;

#[test]
fn malformed_json_names_the_file_and_line() {
    let err = CsrJson::from_json(
        b"{\n  \"CN\": \"x\",\n  \"key\": {\"algo\": \"rsa\" \"size\": 2048}\n}",
        "client-csr.json",
    )
    .unwrap_err();
    assert!(matches!(err, CaError::Json { line: 3, .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("client-csr.json: invalid JSON at line 3"),
        "{err}"
    );
    let err = SigningConfig::from_json(b"[]", "ca-config.json").unwrap_err();
    assert!(
        err.to_string().starts_with("ca-config.json: invalid JSON"),
        "{err}"
    );
}

#[test]
fn unknown_profile_lists_the_known_ones() {
    let err = config().profile("clinet").unwrap_err();
    assert!(matches!(err, CaError::UnknownProfile { .. }));
    assert_eq!(
        err.to_string(),
        "test config: unknown signing profile \"clinet\"; the configuration defines: client, constrained, intermediate, intermediate1, server"
    );
}

#[test]
fn unknown_usage_and_bad_duration_name_the_field() {
    let err = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"client": {"usages": ["client authentication"]}}}}"#,
        "ca-config.json",
    )
    .unwrap_err();
    assert!(matches!(err, CaError::UnknownUsage { .. }), "{err:?}");
    assert!(err.to_string().contains("ca-config.json: signing.profiles.client.usages: unknown usage \"client authentication\""), "{err}");
    let err = SigningConfig::from_json(
        br#"{"signing": {"default": {"expiry": "one year"}}}"#,
        "ca-config.json",
    )
    .unwrap_err();
    assert!(matches!(err, CaError::InvalidDuration { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("signing.default.expiry: invalid duration \"one year\""),
        "{err}"
    );
}

#[test]
fn missing_and_unreadable_ca_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (_, root_cert) = root(KeySpec::EcdsaP256);
    let cert = write(dir.path(), "ca.pem", root_cert.to_pem());
    let err = CertificateAuthority::load(&cert, dir.path().join("ca-key.pem"), None).unwrap_err();
    assert!(matches!(err, CaError::Io { .. }), "{err:?}");
    assert!(
        err.to_string().contains("ca-key.pem: No such file"),
        "{err}"
    );

    let garbage = write(
        dir.path(),
        "garbage-key.pem",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    );
    let err = CertificateAuthority::load(&cert, &garbage, None).unwrap_err();
    assert!(matches!(err, CaError::Key { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("garbage-key.pem: private key: malformed PKCS#8"),
        "{err}"
    );

    let not_pem = write(dir.path(), "text-key.pem", "hello");
    let err = CertificateAuthority::load(&cert, &not_pem, None).unwrap_err();
    assert!(
        err.to_string().contains("text-key.pem: no PEM block found"),
        "{err}"
    );
}

#[test]
fn a_ca_key_that_does_not_match_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (_, root_cert) = root(KeySpec::EcdsaP256);
    let cert = write(dir.path(), "ca.pem", root_cert.to_pem());
    let other = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let key = write(
        dir.path(),
        "other-key.pem",
        other.to_pkcs8_pem().unwrap().as_bytes(),
    );
    let err = CertificateAuthority::load(&cert, &key, None).unwrap_err();
    assert!(matches!(err, CaError::KeyMismatch { .. }), "{err:?}");
    assert!(
        err.to_string().contains("other-key.pem") && err.to_string().contains("ca.pem"),
        "{err}"
    );
}

#[test]
fn a_wrong_password_for_an_encrypted_ca_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let pem = key.to_encrypted_pkcs8_pem(&Password::new("right")).unwrap();
    let path = write(dir.path(), "ca-key.pem", pem);
    let err = PrivateKey::from_pem_file(&path, Some(&Password::new("wrong"))).unwrap_err();
    assert!(matches!(err, CaError::WrongPassword { .. }), "{err:?}");
    assert!(
        err.to_string().contains("ca-key.pem: wrong password"),
        "{err}"
    );
}

#[test]
fn a_non_ca_certificate_cannot_issue() {
    let (ca, _) = root(KeySpec::EcdsaP256);
    let (_, csr) = request("leaf", KeySpec::EcdsaP256, &[]);
    let leaf = issue(&ca, &csr, "client", 9);
    let err = CaCertificate::from_pem(leaf.to_pem().as_bytes(), "leaf.pem").unwrap_err();
    assert!(matches!(err, CaError::NotCa { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "leaf.pem: not usable as a CA: basicConstraints does not say cA=TRUE"
    );
}

#[test]
fn malformed_requests_and_certificates() {
    let err = certgate_ca::CertificateRequest::from_der(b"\x30\x00", "dev.csr").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("dev.csr: certificate request: malformed DER"),
        "{err}"
    );
    let err = CaCertificate::from_der(b"\x30\x03\x02\x01\x01", "ca.der").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("ca.der: certificate: malformed DER"),
        "{err}"
    );
    let err = certgate_ca::CertificateRequest::from_pem(
        b"-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n",
        "x.csr",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected a PEM block labelled CERTIFICATE REQUEST"),
        "{err}"
    );
}

#[test]
fn a_profile_that_would_make_a_bad_certificate() {
    let (ca, _) = root(KeySpec::EcdsaP256);
    let (_, csr) = request("leaf", KeySpec::EcdsaP256, &[]);
    let config = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"signer": {"usages": ["cert sign"]}}}}"#,
        "c.json",
    )
    .unwrap();
    let err = ca
        .issue(&csr, config.profile("signer").unwrap())
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("a leaf may not sign certificates"),
        "{err}"
    );
    let config = SigningConfig::from_json(br#"{"signing": {"profiles": {"p": {"usages": ["client auth"], "name_whitelist": "^[a-z]+\\.example\\.com$"}}}}"#, "c.json").unwrap();
    let (_, csr) = request("dev.example.com", KeySpec::EcdsaP256, &["evil.example.org"]);
    let err = ca
        .issue(&csr, config.profile("p").unwrap())
        .build()
        .unwrap_err();
    assert!(matches!(err, CaError::NameNotAllowed { .. }), "{err:?}");
}

#[test]
fn messages_name_hashes_and_empty_profile_lists() {
    let err = SigningConfig::default().profile("client").unwrap_err();
    assert!(
        err.to_string().contains("defines no named profiles"),
        "{err}"
    );
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let err =
        certgate_ca::KeySigner::with_hash(key, certgate_ca::SignatureHash::Sha512).unwrap_err();
    assert!(
        err.to_string()
            .contains("an ECDSA 256 key cannot sign with SHA-512 (it signs with SHA-256 only)"),
        "{err}"
    );
}
