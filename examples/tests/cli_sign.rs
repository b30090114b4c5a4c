//! `certgate sign` with requests made by OpenSSL (RSA, P-256, P-384), `certinfo`, `print-defaults`.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_test_support::require_tool;
use common::*;
use serde_json::Value;

fn openssl_csr(dir: &std::path::Path, name: &str, newkey: &[&str]) {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let mut args = vec![
        "req",
        "-new",
        "-nodes",
        "-subj",
        "/CN=device",
        "-keyout",
        &key,
        "-out",
        &csr,
        "-addext",
        "subjectAltName=DNS:device.example.com",
    ];
    args.extend_from_slice(newkey);
    let out = openssl(dir, &args);
    assert!(out.success(), "{}", out.stderr);
}

#[test]
fn signs_openssl_requests_one_and_many() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_ca(d);
    openssl_csr(d, "rsa", &["-newkey", "rsa:2048"]);
    openssl_csr(
        d,
        "p256",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    openssl_csr(
        d,
        "p384",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
    );

    // One CSR: cfssl's {"cert": ...}, or -bare.
    let out = certgate_ok(
        d,
        &[
            "sign",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=client",
            "p384.csr",
        ],
    );
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        json["cert"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    certgate_ok(
        d,
        &[
            "sign",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-config",
            "ca-config.json",
            "-profile",
            "client",
            "rsa.csr",
            "-bare",
            "rsa",
        ],
    );
    let v = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.pem",
            "-purpose",
            "sslclient",
            "rsa.pem",
        ],
    );
    assert!(v.success(), "{}{}", v.stdout, v.stderr);

    // Several: one JSON object per line, each verifies.
    let out = certgate_ok(
        d,
        &[
            "sign",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=client",
            "rsa.csr",
            "p256.csr",
            "p384.csr",
        ],
    );
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for (i, line) in lines.iter().enumerate() {
        let file = format!("many{i}.pem");
        std::fs::write(d.join(&file), line["cert"].as_str().unwrap()).unwrap();
        let v = openssl(
            d,
            &[
                "verify",
                "-CAfile",
                "ca.pem",
                "-purpose",
                "sslclient",
                &file,
            ],
        );
        assert!(
            v.success(),
            "{}: {}{}",
            line["csr_file"],
            v.stdout,
            v.stderr
        );
        let text = openssl(d, &["x509", "-noout", "-text", "-in", &file]);
        assert!(
            text.stdout.contains("DNS:device.example.com"),
            "{}",
            text.stdout
        );
    }
    // -hostname replaces the request's names.
    certgate_ok(
        d,
        &[
            "sign",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-hostname",
            "a.example.com,10.9.8.7",
            "-bare",
            "host",
            "p256.csr",
        ],
    );
    let text = openssl(d, &["x509", "-noout", "-text", "-in", "host.pem"]);
    assert!(
        text.stdout
            .contains("DNS:a.example.com, IP Address:10.9.8.7"),
        "{}",
        text.stdout
    );
    // -bare with several CSRs is refused, and nothing is written.
    let err = certgate_err(
        d,
        &[
            "sign",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-bare",
            "x",
            "rsa.csr",
            "p256.csr",
        ],
    );
    assert!(err.contains("-bare takes one CSR"), "{err}");
}

#[test]
fn certinfo_and_print_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csr = certgate_ok(d, &["print-defaults", "csr"]);
    std::fs::write(d.join("csr.json"), &csr.stdout).unwrap();
    let config = certgate_ok(d, &["print-defaults", "config"]);
    std::fs::write(d.join("config.json"), &config.stdout).unwrap();
    certgate_ok(d, &["gencert", "-initca", "-bare", "ca", "csr.json"]);
    certgate_ok(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=config.json",
            "-profile=www",
            "-bare",
            "www",
            "csr.json",
        ],
    );
    let info: Value =
        serde_json::from_str(&certgate_ok(d, &["certinfo", "-cert", "www.pem"]).stdout).unwrap();
    assert_eq!(info["subject"]["common_name"], "example.net");
    assert_eq!(info["issuer"]["common_name"], "example.net");
    assert_eq!(
        info["sans"],
        serde_json::json!(["example.net", "www.example.net"])
    );
    assert!(
        info["serial_number"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_digit())
    );
    assert_eq!(info["sigalg"], "ECDSAWithSHA256");
    for field in [
        "not_before",
        "not_after",
        "authority_key_id",
        "subject_key_id",
        "pem",
    ] {
        assert!(
            info[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}: {info}"
        );
    }
    let csr_info: Value =
        serde_json::from_str(&certgate_ok(d, &["certinfo", "-csr", "www.csr"]).stdout).unwrap();
    assert_eq!(csr_info["key_algorithm"], "ecdsa");
}

#[test]
fn p384_request_signed_with_sha256_is_accepted() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_ca(d);
    openssl_csr(
        d,
        "p384",
        &[
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-sha256",
        ],
    );
    let text = openssl(d, &["req", "-noout", "-text", "-in", "p384.csr"]);
    assert!(text.stdout.contains("ecdsa-with-SHA256"), "{}", text.stdout);
    // cfssl's `-csr FILE` spelling.
    certgate_ok(
        d,
        &[
            "sign",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-csr=p384.csr",
            "-bare",
            "p384",
        ],
    );
    let v = openssl(d, &["verify", "-CAfile", "ca.pem", "p384.pem"]);
    assert!(v.success(), "{}{}", v.stdout, v.stderr);
    let text = openssl(d, &["x509", "-noout", "-text", "-in", "p384.pem"]);
    assert!(text.stdout.contains("NIST CURVE: P-384"), "{}", text.stdout);
}
