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

#[test]
fn errors_carry_what_a_caller_branches_on() {
    use certgate_ca::{
        ConfigProblem, CrlProblem, CsrProblem, HostProblem, IpNetProblem, JsonProblem, KeyProblem,
        NameProblem, NotCaProblem, PasswordProblem, PemProblem, SubjectName,
    };
    use std::error::Error as _;

    // A dependency's error stays reachable as the source.
    let err = CsrJson::from_json(br#"{"CN": "x", "host": []}"#, "c.json").unwrap_err();
    assert!(
        matches!(
            err,
            CaError::Json {
                problem: JsonProblem::Schema,
                line: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.source().unwrap().is::<serde_json::Error>());
    let err = CsrJson::from_json(br#"{"CN": "#, "c.json").unwrap_err();
    assert!(matches!(
        err,
        CaError::Json {
            problem: JsonProblem::Truncated,
            ..
        }
    ));

    let config = |json: &str| SigningConfig::from_json(json.as_bytes(), "c.json").unwrap_err();
    let err = config(
        r#"{"signing": {"profiles": {"ica": {"ca_constraint": {"is_ca": true, "max_path_len": 300}}}}}"#,
    );
    assert!(
        matches!(&err, CaError::InvalidConfig { field, problem: ConfigProblem::OutOfRange { value: 300, min: 0, max: 255 }, .. }
            if field == "signing.profiles.ica.ca_constraint.max_path_len"),
        "{err:?}"
    );
    let err = config(r#"{"signing": {"default": {"not_after": "next year"}}}"#);
    assert!(
        matches!(&err, CaError::InvalidConfig { problem: ConfigProblem::NotRfc3339 { value }, .. } if value == "next year")
    );
    assert!(err.source().is_some(), "the time parser's error is kept");
    let err = config(
        r#"{"signing": {"profiles": {"ica": {"ca_constraint": {"is_ca": true},
        "name_constraints": {"permitted_ip": ["10.0.0.1/8"]}}}}}"#,
    );
    assert!(
        matches!(
            &err,
            CaError::InvalidConfig {
                problem: ConfigProblem::InvalidIpNetwork {
                    problem: IpNetProblem::HostBitsSet,
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    let err = config(r#"{"signing": {"default": {"crl_url": "http://crl.exämple/ca.crl"}}}"#);
    assert!(
        matches!(&err, CaError::InvalidConfig { field, problem: ConfigProblem::NotAscii { .. }, .. } if field == "signing.default.crl_url"),
        "{err:?}"
    );
    let err = config(r#"{"signing": {"default": {"name_whitelist": "("}}}"#);
    assert!(matches!(
        err,
        CaError::InvalidConfig {
            problem: ConfigProblem::InvalidRegex,
            ..
        }
    ));
    assert_eq!(err.to_string().lines().count(), 1, "{err}");

    // The origin of hosts, key specs and profiles is the file they came from.
    let csr = CsrJson::from_json(
        br#"{"hosts": ["a_b.example", "-x.example"], "key": {"algo": "dsa"}}"#,
        "dev.json",
    )
    .unwrap();
    let err = csr.host_names().unwrap_err();
    assert!(
        matches!(&err, CaError::InvalidHost { origin, index: 1, problem: HostProblem::HyphenAtLabelEdge, .. } if origin == "dev.json"),
        "{err:?}"
    );
    let err = csr.key_spec().unwrap_err();
    assert!(
        matches!(&err, CaError::UnsupportedKey { origin: Some(o), .. } if o == "dev.json"),
        "{err:?}"
    );
    let err = config_file_profile("ca-config.json", "clinet");
    assert!(
        matches!(&err, CaError::UnknownProfile { origin, .. } if origin == "ca-config.json"),
        "{err:?}"
    );

    let err = PrivateKey::from_pem(
        b"-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n",
        "k.pem",
        None,
    )
    .unwrap_err();
    assert!(
        matches!(&err, CaError::Pem { problem: PemProblem::WrongLabel { found, .. }, .. } if found == &["CERTIFICATE"]),
        "{err:?}"
    );
    let err = PrivateKey::from_pkcs8_der(b"\x30\x03\x02\x01\x00", "k.der").unwrap_err();
    assert!(matches!(
        err,
        CaError::Key {
            problem: KeyProblem::MalformedPkcs8,
            source: Some(_),
            ..
        }
    ));
    let err = certgate_ca::CertificateRequest::from_der(b"\x30\x00", "dev.csr").unwrap_err();
    assert!(matches!(
        err,
        CaError::Csr {
            problem: CsrProblem::MalformedDer,
            ..
        }
    ));
    let err = "pass".parse::<certgate_ca::PasswordSource>().unwrap_err();
    assert!(matches!(
        err,
        CaError::Password {
            problem: PasswordProblem::UnknownForm,
            ..
        }
    ));

    let (ca, _) = root(KeySpec::EcdsaP256);
    let (_, csr) = request("leaf", KeySpec::EcdsaP256, &[]);
    let leaf = issue(&ca, &csr, "client", 9);
    let err = CaCertificate::from_der(leaf.der(), "leaf.pem").unwrap_err();
    assert!(matches!(
        err,
        CaError::NotCa {
            problem: NotCaProblem::NotCaConstraint,
            ..
        }
    ));
    let mut subject = SubjectName::with_common_name("x");
    subject.country.push("PRT".into());
    let err = certgate_ca::CertificateRequest::create(ca.signer(), &subject, &[]).unwrap_err();
    assert!(
        matches!(&err, CaError::InvalidName { attribute: "country", value, problem: NameProblem::NotTwoLetterCountry } if value == "PRT"),
        "{err:?}"
    );
    let err = ca.crl(1, NOW, NOW).build().unwrap_err();
    assert!(matches!(
        err,
        CaError::InvalidCrl {
            problem: CrlProblem::NextUpdateNotAfterThisUpdate,
            ..
        }
    ));
    let err = certgate_ca::parse_revocation_reason("stolen").unwrap_err();
    assert!(matches!(&err, CaError::UnknownRevocationReason { value } if value == "stolen"));
    let key = PrivateKey::generate(KeySpec::Ed25519).unwrap();
    let err =
        certgate_ca::KeySigner::with_hash(key, certgate_ca::SignatureHash::Sha256).unwrap_err();
    assert!(matches!(
        err,
        CaError::UnsupportedHash {
            key: KeySpec::Ed25519,
            ..
        }
    ));
}

/// The error of asking `origin`'s configuration for a profile it lacks.
fn config_file_profile(origin: &str, name: &str) -> CaError {
    let c =
        SigningConfig::from_json(br#"{"signing": {"profiles": {"client": {}}}}"#, origin).unwrap();
    c.profile(name).unwrap_err()
}

/// A file past `MAX_INPUT_FILE` is refused by name, whatever it was meant to be, before
/// it is read whole; one at the limit is read (and refused for what it holds).
#[test]
fn oversized_files_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("ca-config.json");
    // Sparse: the file claims its size without the disk holding it.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(certgate_ca::MAX_INPUT_FILE + 1)
        .unwrap();
    let err = SigningConfig::from_file(&big).unwrap_err();
    assert!(
        matches!(&err, CaError::FileTooLarge { path, limit }
            if *path == big && *limit == certgate_ca::MAX_INPUT_FILE),
        "{err:?}"
    );
    assert!(err.to_string().contains("ca-config.json"), "{err}");
    let err = CaCertificate::from_pem_file(&big).unwrap_err();
    assert!(matches!(err, CaError::FileTooLarge { .. }), "{err:?}");
    let at_limit = dir.path().join("csr.json");
    std::fs::File::create(&at_limit)
        .unwrap()
        .set_len(certgate_ca::MAX_INPUT_FILE)
        .unwrap();
    let err = CsrJson::from_file(&at_limit).unwrap_err();
    assert!(matches!(err, CaError::Json { .. }), "{err:?}");
}
