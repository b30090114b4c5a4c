//! `certgate verify`: verdict and fields as JSON, with CRLs, like `openssl verify`.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_ca::{CertificateAuthority, CfsslCertInfo, RevokedEntry};
use common::*;
use serde_json::Value;

#[test]
fn verifies_reports_and_revokes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_ca(d);
    std::fs::write(
        d.join("dev.json"),
        r#"{"CN": "iphone", "hosts": ["iphone.example.com"]}"#,
    )
    .unwrap();
    certgate_ok(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=client",
            "-bare",
            "iphone",
            "dev.json",
        ],
    );
    certgate_ok(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=server",
            "-bare",
            "server",
            "dev.json",
        ],
    );

    let out = certgate_ok(d, &["verify", "-CAfile", "ca.pem", "iphone.pem"]);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["verified"], true, "{json}");
    assert_eq!(json["common_name"], "iphone");
    assert_eq!(json["anchor_subject"], "CN=Test CA");
    assert_eq!(
        json["sans"],
        serde_json::json!([{"dns": "iphone.example.com"}])
    );
    // Times in RFC 3339 UTC, the same strings `certinfo` prints.
    let certinfo: Value =
        serde_json::from_str(&certgate_ok(d, &["certinfo", "-cert", "iphone.pem"]).stdout).unwrap();
    for field in ["not_before", "not_after"] {
        let time = json[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field}: {json}"));
        assert_eq!(time, certinfo[field], "{field}");
        assert!(
            time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
            "{field}: {time}"
        );
    }

    // A server certificate is not a client certificate.
    let out = certgate(d, &["verify", "-CAfile", "ca.pem", "server.pem"]);
    assert_eq!(out.status, 1);
    assert!(
        out.stderr
            .contains("server.pem: verification failed: extended key usage"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("\"verified\": false"), "{}", out.stdout);
    assert!(
        out.stdout.contains("\"failure_reason\": \"wrong-usage\""),
        "{}",
        out.stdout
    );

    // As a server certificate, with and without the right host name; as openssl sees it.
    let server = |extra: &[&str]| {
        let mut args = vec!["verify", "-CAfile", "ca.pem", "-purpose", "server"];
        args.extend_from_slice(extra);
        args.push("server.pem");
        certgate(d, &args)
    };
    assert_eq!(server(&[]).status, 0);
    assert_eq!(
        server(&["-verify_hostname", "iphone.example.com"]).status,
        0
    );
    let wrong = server(&["-verify_hostname", "other.example.com"]);
    assert_eq!(wrong.status, 1);
    assert!(
        wrong
            .stdout
            .contains("\"failure_reason\": \"name-mismatch\""),
        "{}",
        wrong.stdout
    );
    let as_server = certgate(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.pem",
            "-purpose",
            "server",
            "iphone.pem",
        ],
    );
    assert_eq!(as_server.status, 1, "a client certificate is no server's");
    if certgate_test_support::require_tool("openssl") {
        let ossl = |name: &str| {
            certgate_test_support::run(
                "openssl",
                &[
                    "verify",
                    "-CAfile",
                    "ca.pem",
                    "-purpose",
                    "sslserver",
                    "-verify_hostname",
                    name,
                    "server.pem",
                ],
                d,
            )
        };
        assert!(
            ossl("iphone.example.com").success(),
            "openssl accepts it too"
        );
        assert!(
            !ossl("other.example.com").success(),
            "openssl agrees the name is wrong"
        );
    }
    let err = certgate_err(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.pem",
            "-purpose",
            "smime",
            "server.pem",
        ],
    );
    assert!(err.contains("expected client or server"), "{err}");

    // Revoke iphone.pem with a CRL and verify again.
    let ca = CertificateAuthority::load(d.join("ca.pem"), d.join("ca-key.pem"), None).unwrap();
    let info = CfsslCertInfo::from_pem_file(d.join("iphone.pem")).unwrap();
    let serial_hex: String = json["serial"].as_str().unwrap().to_owned();
    let serial: Vec<u8> = (0..serial_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&serial_hex[i..i + 2], 16).unwrap())
        .collect();
    assert!(!info.serial_number.is_empty());
    let now = time::OffsetDateTime::now_utc();
    let crl = ca
        .crl(
            1,
            now - time::Duration::minutes(1),
            now + time::Duration::days(1),
        )
        .with_entry(RevokedEntry {
            serial,
            revoked_at: now,
            reason: None,
        })
        .build()
        .unwrap();
    std::fs::write(d.join("crl.pem"), crl.to_pem()).unwrap();
    let out = certgate(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.pem",
            "-CRLfile",
            "crl.pem",
            "iphone.pem",
        ],
    );
    assert_eq!(out.status, 1, "{}", out.stdout);
    assert!(out.stdout.contains("\"revoked\": true"), "{}", out.stdout);
    let err = certgate_err(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.pem",
            "-CRLfile",
            "dev.json",
            "iphone.pem",
        ],
    );
    assert!(err.contains("dev.json"), "{err}");
    let err = certgate_err(d, &["verify", "-CAfile", "iphone.pem", "iphone.pem"]);
    assert!(err.contains("not a CA"), "{err}");
}
