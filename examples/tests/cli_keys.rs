//! Encrypted keys: `-key-pass` writes new keys as encrypted PKCS#8, `-ca-key-pass` opens
//! them, with `pass:`, `env:` and `file:` sources; and keys made by `genkey` alone.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use certgate_test_support::require_tool;
use common::*;
use serde_json::Value;

#[test]
fn encrypted_ca_key_right_and_wrong_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("ca-csr.json"),
        r#"{"CN": "Locked CA", "key": {"algo": "ecdsa", "size": 256}}"#,
    )
    .unwrap();
    std::fs::write(d.join("dev.json"), r#"{"CN": "dev"}"#).unwrap();
    certgate_ok(
        d,
        &[
            "genkey",
            "-initca",
            "-key-pass",
            "pass:open sesame",
            "-bare",
            "ca",
            "ca-csr.json",
        ],
    );
    let key = std::fs::read_to_string(d.join("ca-key.pem")).unwrap();
    assert!(
        key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "{key}"
    );

    let err = certgate_err(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-ca-key-pass",
            "pass:nope",
            "-bare",
            "out",
            "dev.json",
        ],
    );
    assert!(err.contains("ca-key.pem: wrong password"), "{err}");
    let err = certgate_err(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-bare",
            "out",
            "dev.json",
        ],
    );
    assert!(err.contains("encrypted and no password"), "{err}");
    assert!(!d.join("out.pem").exists());

    certgate_ok(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-ca-key-pass",
            "pass:open sesame",
            "-bare",
            "a",
            "dev.json",
        ],
    );
    std::fs::write(d.join("pw.txt"), "open sesame\n").unwrap();
    certgate_ok(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-ca-key-pass",
            "file:pw.txt",
            "-bare",
            "b",
            "dev.json",
        ],
    );
    let out = run_env(d);
    assert!(out.success(), "{}", out.stderr);
    assert!(d.join("a.pem").exists() && d.join("b.pem").exists() && d.join("c.pem").exists());
}

fn run_env(d: &Path) -> certgate_test_support::ToolOutput {
    let out = std::process::Command::new(CERTGATE)
        .args([
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-ca-key-pass",
            "env:CERTGATE_TEST_PW",
            "-bare",
            "c",
            "dev.json",
        ])
        .env("CERTGATE_TEST_PW", "open sesame")
        .current_dir(d)
        .output()
        .unwrap();
    tool_output(&out)
}

#[test]
fn genkey_then_sign_and_encrypted_keys() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("ca-csr.json"),
        r#"{"CN": "Env CA", "key": {"algo": "rsa", "size": 2048}}"#,
    )
    .unwrap();
    std::fs::write(
        d.join("dev.json"),
        r#"{"CN": "dev", "hosts": ["dev.example.com"]}"#,
    )
    .unwrap();
    // A root whose key is encrypted with a password from the environment.
    let out = std::process::Command::new(CERTGATE)
        .args([
            "gencert",
            "-initca",
            "-key-pass",
            "env:CG_PW",
            "-bare",
            "ca",
            "ca-csr.json",
        ])
        .env("CG_PW", "s3cret")
        .current_dir(d)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let opened = openssl(
        d,
        &[
            "pkey",
            "-in",
            "ca-key.pem",
            "-passin",
            "pass:s3cret",
            "-noout",
        ],
    );
    assert!(opened.success(), "{}", opened.stderr);
    let wrong = openssl(
        d,
        &[
            "pkey",
            "-in",
            "ca-key.pem",
            "-passin",
            "pass:other",
            "-noout",
        ],
    );
    assert!(!wrong.success());

    // genkey without -initca: {"csr", "key"}; the device keeps the key, the CA signs the CSR.
    let out = certgate_ok(d, &["genkey", "dev.json"]);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["csr", "key"]);
    std::fs::write(d.join("dev.csr"), json["csr"].as_str().unwrap()).unwrap();
    std::fs::write(d.join("pw.txt"), "s3cret\n").unwrap();
    let out = certgate_ok(
        d,
        &[
            "sign",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-ca-key-pass=file:pw.txt",
            "-hash=sha384",
            "dev.csr",
        ],
    );
    let cert: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(cert.as_object().unwrap().len(), 1, "{cert}");
    std::fs::write(d.join("dev.pem"), cert["cert"].as_str().unwrap()).unwrap();
    let v = openssl(d, &["verify", "-CAfile", "ca.pem", "dev.pem"]);
    assert!(v.success(), "{}{}", v.stdout, v.stderr);
    let text = openssl(d, &["x509", "-noout", "-text", "-in", "dev.pem"]);
    assert!(
        text.stdout.contains("sha384WithRSAEncryption")
            && text.stdout.contains("DNS:dev.example.com"),
        "{}",
        text.stdout
    );

    // -key-pass on a leaf encrypts the leaf's new key too.
    certgate_ok(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-ca-key-pass=pass:s3cret",
            "-key-pass=pass:leaf",
            "-bare",
            "leaf",
            "dev.json",
        ],
    );
    let key = std::fs::read_to_string(d.join("leaf-key.pem")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let opened = openssl(
        d,
        &[
            "pkey",
            "-in",
            "leaf-key.pem",
            "-passin",
            "pass:leaf",
            "-noout",
        ],
    );
    assert!(opened.success(), "{}", opened.stderr);
}
