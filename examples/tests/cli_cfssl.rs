//! cfssl and certgate side by side: each signs with the other's CA, reads the other's
//! certificates, and `cfssljson` and `certgate json` write the same files.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_test_support::{require_tool, run_ok, run_with_stdin};
use common::*;
use serde_json::Value;

#[test]
fn cfssl_and_certgate_issue_for_each_other() {
    if !require_tool("cfssl") || !require_tool("cfssljson") || !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (root, client) = seed_files(d);
    // A cfssl-made CA (RSA key written as PKCS#1) issues with certgate.
    std::fs::write(root.join("ca-csr.json"), r#"{"CN": "cfssl CA", "key": {"algo": "rsa", "size": 2048}, "names": [{"C": "PT", "O": "Money App Test"}]}"#).unwrap();
    let ca = run_ok("cfssl", &["gencert", "-initca", "ca-csr.json"], &root);
    let out = run_with_stdin("cfssljson", &["-bare", "ca"], &root, ca.stdout.as_bytes());
    assert!(out.success(), "{}", out.stderr);
    std::fs::write(
        client.join("client-csr.json"),
        r#"{"CN": "Rhea Group", "hosts": [""], "key": {"algo": "ecdsa", "size": 256}}"#,
    )
    .unwrap();
    pipe(
        &client,
        &[
            "gencert",
            "-ca=../root/ca.pem",
            "-ca-key=../root/ca-key.pem",
            "-config=../root/ca-config.json",
            "-profile=client",
            "client-csr.json",
        ],
        &["json", "-bare", "certgate-made"],
    );
    let v = openssl(
        &client,
        &[
            "verify",
            "-CAfile",
            "../root/ca.pem",
            "-purpose",
            "sslclient",
            "certgate-made.pem",
        ],
    );
    assert!(v.success(), "{}{}", v.stdout, v.stderr);
    // ...cfssl reads the result...
    let info = run_ok(
        "cfssl",
        &["certinfo", "-cert", "certgate-made.pem"],
        &client,
    );
    assert!(
        info.stdout.contains("\"common_name\": \"Rhea Group\""),
        "{}",
        info.stdout
    );
    // ...and cfssl signs the request certgate made, with the same CA.
    let signed = run_ok(
        "cfssl",
        &[
            "sign",
            "-ca=../root/ca.pem",
            "-ca-key=../root/ca-key.pem",
            "-config=../root/ca-config.json",
            "-profile=client",
            "certgate-made.csr",
        ],
        &client,
    );
    let out = run_with_stdin(
        "cfssljson",
        &["-bare", "cfssl-made"],
        &client,
        signed.stdout.as_bytes(),
    );
    assert!(out.success(), "{}", out.stderr);
    let v = openssl(
        &client,
        &[
            "verify",
            "-CAfile",
            "../root/ca.pem",
            "-purpose",
            "sslclient",
            "cfssl-made.pem",
        ],
    );
    assert!(v.success(), "{}{}", v.stdout, v.stderr);
    // certgate reads cfssl's certificate.
    let info: Value = serde_json::from_str(
        &certgate_ok(&client, &["certinfo", "-cert", "cfssl-made.pem"]).stdout,
    )
    .unwrap();
    assert_eq!(info["subject"]["common_name"], "Rhea Group");
}

#[test]
fn cfssljson_and_certgate_json_write_the_same_files() {
    if !require_tool("cfssl") || !require_tool("cfssljson") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("ca-csr.json"),
        r#"{"CN": "Interop CA", "key": {"algo": "ecdsa", "size": 256}}"#,
    )
    .unwrap();
    let from_certgate = certgate_ok(d, &["genkey", "-initca", "ca-csr.json"]).stdout;
    let from_cfssl = run_ok("cfssl", &["gencert", "-initca", "ca-csr.json"], d).stdout;
    for (json, tag) in [(from_certgate, "cg"), (from_cfssl, "cf")] {
        let by_cfssljson = format!("{tag}-cfssljson");
        let by_certgate = format!("{tag}-certgate");
        let out = run_with_stdin("cfssljson", &["-bare", &by_cfssljson], d, json.as_bytes());
        assert!(out.success(), "{}", out.stderr);
        let out = run_with_stdin(
            CERTGATE,
            &["json", "-bare", &by_certgate],
            d,
            json.as_bytes(),
        );
        assert!(out.success(), "{}", out.stderr);
        for suffix in [".pem", "-key.pem", ".csr"] {
            let a = d.join(format!("{by_cfssljson}{suffix}"));
            let b = d.join(format!("{by_certgate}{suffix}"));
            assert_eq!(
                std::fs::read(&a).unwrap(),
                std::fs::read(&b).unwrap(),
                "{tag}{suffix}"
            );
            assert_eq!(mode(&a), mode(&b), "{tag}{suffix}");
        }
    }
}
