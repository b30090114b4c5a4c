//! Interop with the real cfssl (Debian's golang-cfssl, 1.2.0): a cfssl-made CA issues with
//! certgate, a certgate-made CA issues with cfssl, each tool reads the other's
//! certificates, and the fields of the two tools' certificates for the same inputs agree
//! except where the crate docs list an intended difference.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, CfsslCertInfo, KeySigner, RootCaBuilder,
};
use certgate_test_support::{require_python_module, require_tool, run_ok, run_with_stdin};
use common::write;
use serde_json::Value;

const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
  "client": {"usages": ["signing", "key encipherment", "client auth"], "expiry": "8760h"},
  "server": {"usages": ["signing", "key encipherment", "server auth"], "expiry": "720h"}}}}"#;

fn tools() -> bool {
    require_tool("cfssl")
        && require_tool("cfssljson")
        && require_tool("openssl")
        && require_python_module("cryptography")
}

/// `cfssl ARGS | cfssljson -bare NAME` in `dir`.
fn cfssl_bare(dir: &Path, args: &[&str], name: &str) {
    let out = run_ok("cfssl", args, dir);
    let bare = run_with_stdin("cfssljson", &["-bare", name], dir, out.stdout.as_bytes());
    assert!(bare.success(), "cfssljson: {}", bare.stderr);
}

/// The fields of `cert` as Python's `cryptography` reads them (checked against `issuer`).
fn dump(dir: &Path, cert: &str, issuer: &str) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/dump_cert.py");
    let out = run_ok("python3", &[script, cert, issuer], dir);
    serde_json::from_str(&out.stdout).unwrap()
}

fn csr_json(cn: &str, algo: &str, size: u32, hosts: &str) -> String {
    format!(
        r#"{{"CN": "{cn}", "hosts": [{hosts}], "key": {{"algo": "{algo}", "size": {size}}},
            "names": [{{"C": "PT", "ST": "Lisboa", "L": "Lisboa", "O": "Money App Test", "OU": "Sam Projects"}}]}}"#
    )
}

/// Issues `csr_file` (cfssl CSR JSON) with certgate under `profile`; writes `NAME.pem`.
fn certgate_gencert(
    dir: &Path,
    ca: &CertificateAuthority,
    csr_file: &str,
    profile: &str,
    name: &str,
) {
    let csr = CsrJson::from_file(dir.join(csr_file)).unwrap();
    let (_key, request) = CertificateRequest::generate(&csr).unwrap();
    let config = SigningConfig::from_json(CONFIG.as_bytes(), "config").unwrap();
    let cert = ca
        .sign_csr(&request, config.profile(profile).unwrap())
        .unwrap();
    write(dir, &format!("{name}.pem"), cert.to_pem());
}

fn verify_now(dir: &Path, ca: &str, cert: &str, purpose: &str) -> (bool, String) {
    let out = std::process::Command::new("openssl")
        .args(["verify", "-CAfile", ca, "-purpose", purpose, cert])
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn a_cfssl_made_ca_issues_with_certgate() {
    if !tools() {
        return;
    }
    for (algo, size) in [("rsa", 2048), ("ecdsa", 256), ("ecdsa", 384)] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, "ca-csr.json", csr_json("cfssl root", algo, size, ""));
        cfssl_bare(d, &["genkey", "-initca", "ca-csr.json"], "ca");
        // cfssl writes PKCS#1 (RSA) and SEC1 (EC) keys: both load.
        let ca = CertificateAuthority::load(d.join("ca.pem"), d.join("ca-key.pem"), None).unwrap();
        write(
            d,
            "leaf-csr.json",
            csr_json(
                "device",
                "ecdsa",
                256,
                r#""device.example.com", "10.0.0.9""#,
            ),
        );
        certgate_gencert(d, &ca, "leaf-csr.json", "client", "leaf");

        let (ok, out) = verify_now(d, "ca.pem", "leaf.pem", "sslclient");
        assert!(ok, "{algo} {size}: {out}");
        let fields = dump(d, "leaf.pem", "ca.pem");
        // cfssl's PrintableString issuer is copied byte for byte, not re-encoded.
        assert_eq!(fields["issuer_matches_subject_bytes"], true, "{fields}");
        assert_eq!(fields["issuer"][0][1], "PrintableString", "{fields}");
        // cfssl reads what certgate issued.
        let info = run_ok("cfssl", &["certinfo", "-cert", "leaf.pem"], d);
        let info: Value = serde_json::from_str(&info.stdout).unwrap();
        assert_eq!(info["subject"]["common_name"], "device", "{info}");
        assert_eq!(
            info["sans"],
            serde_json::json!(["device.example.com", "10.0.0.9"]),
            "{info}"
        );
        // cfssl 1.2 prints key ids without zero padding ("A" for 0x0A): compare the bytes.
        let bytes = |s: &str| {
            s.split(':')
                .map(|b| u8::from_str_radix(b, 16).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            bytes(info["authority_key_id"].as_str().unwrap()),
            ca.certificate().key_id()
        );
    }
}

#[test]
fn a_certgate_made_ca_issues_with_cfssl() {
    if !tools() {
        return;
    }
    for (algo, size) in [("rsa", 2048), ("ecdsa", 256)] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let csr = CsrJson::from_json(
            csr_json("certgate root", algo, size, "").as_bytes(),
            "ca-csr.json",
        )
        .unwrap();
        let key = certgate_ca::PrivateKey::generate(csr.key_spec().unwrap()).unwrap();
        write(d, "ca-key.pem", key.to_pkcs8_pem().unwrap().as_bytes());
        let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
            .build()
            .unwrap();
        write(d, "ca.pem", root.certificate.to_pem());
        write(d, "ca-config.json", CONFIG);
        write(
            d,
            "leaf-csr.json",
            csr_json("device", "rsa", 2048, r#""device.example.com""#),
        );
        cfssl_bare(
            d,
            &[
                "gencert",
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=ca-config.json",
                "-profile=client",
                "leaf-csr.json",
            ],
            "leaf",
        );
        let (ok, out) = verify_now(d, "ca.pem", "leaf.pem", "sslclient");
        assert!(ok, "{algo}: {out}");
        // cfssl reads certgate's CA; certgate reads cfssl's certificate.
        let info = run_ok("cfssl", &["certinfo", "-cert", "ca.pem"], d);
        assert!(
            info.stdout.contains("\"common_name\": \"certgate root\""),
            "{}",
            info.stdout
        );
        let ours = CfsslCertInfo::from_pem_file(d.join("leaf.pem")).unwrap();
        assert_eq!(ours.subject.common_name, "device");
        assert_eq!(
            ours.subject.names,
            [
                "PT",
                "Lisboa",
                "Lisboa",
                "Money App Test",
                "Sam Projects",
                "device"
            ]
        );
        assert_eq!(ours.sans, ["device.example.com"]);
    }
}

#[test]
fn fields_agree_with_cfssl_for_the_same_inputs() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "ca-csr.json", csr_json("cfssl root", "rsa", 2048, ""));
    cfssl_bare(d, &["genkey", "-initca", "ca-csr.json"], "cfssl-ca");
    write(d, "ca-config.json", CONFIG);
    let ca = CertificateAuthority::load(d.join("cfssl-ca.pem"), d.join("cfssl-ca-key.pem"), None)
        .unwrap();

    // Our own root beside cfssl's, from the same JSON.
    let csr = CsrJson::from_file(d.join("ca-csr.json")).unwrap();
    let key = certgate_ca::PrivateKey::generate(csr.key_spec().unwrap()).unwrap();
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .build()
        .unwrap();
    write(d, "certgate-ca.pem", root.certificate.to_pem());
    let theirs = dump(d, "cfssl-ca.pem", "cfssl-ca.pem");
    let ours = dump(d, "certgate-ca.pem", "certgate-ca.pem");
    for field in [
        "key_usage",
        "key_usage_critical",
        "basic_constraints",
        "validity_seconds",
        "not_before_second",
    ] {
        assert_eq!(
            ours[field], theirs[field],
            "root {field}: ours {ours} cfssl {theirs}"
        );
    }
    // 20 random octets, top bit clear: shorter only when leading octets are zero.
    for side in [&ours, &theirs] {
        let n = side["serial_bytes"].as_u64().unwrap();
        assert!(
            (18..=20).contains(&n),
            "root serial_bytes: ours {ours} cfssl {theirs}"
        );
    }
    // Intended: our roots carry an AKI (their own SKI); Go leaves it out of self-signed ones.
    assert_eq!(ours["aki"], ours["ski"]);
    assert_eq!(theirs["aki"], Value::Null);

    for (profile, algo, size) in [
        ("client", "rsa", 2048),
        ("server", "rsa", 2048),
        ("client", "ecdsa", 256),
    ] {
        let hosts = r#""", "device.example.com", "10.1.2.3""#;
        write(d, "leaf-csr.json", csr_json("device", algo, size, hosts));
        cfssl_bare(
            d,
            &[
                "gencert",
                "-ca=cfssl-ca.pem",
                "-ca-key=cfssl-ca-key.pem",
                "-config=ca-config.json",
                &format!("-profile={profile}"),
                "leaf-csr.json",
            ],
            "cfssl-leaf",
        );
        certgate_gencert(d, &ca, "leaf-csr.json", profile, "certgate-leaf");
        let theirs = dump(d, "cfssl-leaf.pem", "cfssl-ca.pem");
        let ours = dump(d, "certgate-leaf.pem", "cfssl-ca.pem");
        let what = format!("{profile} {algo}: ours {ours}\ncfssl {theirs}");
        for field in [
            "ext_key_usage",
            "basic_constraints",
            "key_usage_critical",
            "validity_seconds",
            "not_before_second",
            "aki",
            "issuer",
            "signature_hash",
        ] {
            assert_eq!(ours[field], theirs[field], "{field}: {what}");
        }
        // Both draw 20 random octets with the top bit clear: the integer is 20 octets
        // long, or shorter when its leading octets happen to be zero (1 time in 128 for
        // the first), so the two need not match on every run.
        for side in [&ours, &theirs] {
            let n = side["serial_bytes"].as_u64().unwrap();
            assert!((18..=20).contains(&n), "serial_bytes: {what}");
        }
        // Same attributes in the same order (C, ST, L, O, OU, CN).
        let oids = |v: &Value| {
            v["subject"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a[0].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(oids(&ours), oids(&theirs), "{what}");
        // Intended: cfssl adds an empty DNS name for the "" host; we do not.
        assert_eq!(
            ours["san"],
            serde_json::json!(["device.example.com", "10.1.2.3"]),
            "{what}"
        );
        assert!(
            theirs["san"]
                .as_array()
                .unwrap()
                .contains(&Value::String(String::new())),
            "{what}"
        );
        if algo == "rsa" {
            assert_eq!(ours["key_usage"], theirs["key_usage"], "{what}");
        } else {
            // Intended: an EC key cannot encipher keys, so no keyEncipherment.
            assert_eq!(
                ours["key_usage"],
                serde_json::json!(["digital_signature"]),
                "{what}"
            );
            assert_eq!(
                theirs["key_usage"],
                serde_json::json!(["digital_signature", "key_encipherment"]),
                "{what}"
            );
        }
    }
}

/// The crate docs' table says cfssl 1.2 issues a certificate that outlives its CA as
/// asked; certgate refuses it, or ends it with the CA when asked to clamp.
#[test]
fn a_certificate_outliving_its_ca_cfssl_issues_it_certgate_refuses_or_clamps() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "ca-csr.json",
        r#"{"CN": "Short CA", "key": {"algo": "ecdsa", "size": 256}, "ca": {"expiry": "48h"}}"#,
    );
    write(d, "ca-config.json", CONFIG);
    write(d, "dev.json", csr_json("dev", "ecdsa", 256, ""));
    cfssl_bare(d, &["gencert", "-initca", "ca-csr.json"], "ca");
    cfssl_bare(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=client",
            "dev.json",
        ],
        "dev",
    );
    let not_after = |file: &str| {
        CfsslCertInfo::from_pem_file(d.join(file))
            .unwrap()
            .not_after
    };
    assert!(
        not_after("dev.pem") > not_after("ca.pem"),
        "cfssl: {} vs its CA's {}",
        not_after("dev.pem"),
        not_after("ca.pem")
    );

    let ca = CertificateAuthority::load(d.join("ca.pem"), d.join("ca-key.pem"), None).unwrap();
    let csr = CsrJson::from_file(d.join("dev.json")).unwrap();
    let (_key, request) = CertificateRequest::generate(&csr).unwrap();
    let config = SigningConfig::from_json(CONFIG.as_bytes(), "config").unwrap();
    let client = config.profile("client").unwrap();
    let err = ca.sign_csr(&request, client).unwrap_err();
    assert!(
        matches!(err, certgate_ca::CaError::OutlivesCa { .. }),
        "{err:?}"
    );
    let clamped = ca
        .issue(&request, client)
        .with_clamp_to_ca(true)
        .build()
        .unwrap();
    assert_eq!(clamped.not_after(), ca.certificate().not_after());
    write(d, "clamped.pem", clamped.to_pem());
    let (ok, out) = verify_now(d, "ca.pem", "clamped.pem", "sslclient");
    assert!(ok, "{out}");
}
