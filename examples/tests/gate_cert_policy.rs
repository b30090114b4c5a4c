//! The `policy = "OID"` selector through the running gate: a device whose certificate
//! asserts a certificate policy gets in where a rule asks for that policy, a device of
//! the same CA without it is refused, in both trust modes (the handshake's verdict, kept
//! with its policy sets, and the report mode's verification after it).

#![allow(clippy::unwrap_used)]

mod gate_common;

use std::os::unix::fs::PermissionsExt as _;

use certgate_ca::CertificateRequest;
use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_examples::lab::Device;
use gate_common::{GateProcess, Origin, World, curl, gate_with_config};

/// The policy the certificate of `badge` asserts, and one nobody's does.
const BADGE: &str = "1.3.6.1.4.1.55555.7.1";
const OTHER: &str = "1.3.6.1.4.1.55555.7.2";

/// A client profile whose certificates assert [`BADGE`].
const PROFILES: &str = r#"{"signing": {"profiles": {"badge": {
    "usages": ["digital signature", "client auth"], "expiry": "720h",
    "policies": [{"ID": "1.3.6.1.4.1.55555.7.1"}]}}}}"#;

fn policies(oid: &str) -> String {
    format!(
        r#"
[[applications]]
name = "money"
domains = ["money.localhost", "localhost", "127.0.0.1"]
[[applications.policies]]
name = "badge-holders"
decision = "non_identity"
include = [{{ policy = "{oid}" }}]
"#
    )
}

/// Issues `badge`, a device certificate of the lab's CA asserting [`BADGE`], and writes
/// its PEM files.
fn issue_badge(world: &World) -> Device {
    let dir = world.dir.path().join("badge");
    std::fs::create_dir_all(&dir).unwrap();
    let csr = CsrJson::from_json(
        br#"{"CN": "badge", "key": {"algo": "ecdsa", "size": 256}}"#,
        "csr",
    )
    .unwrap();
    let (key, req) = CertificateRequest::generate(&csr).unwrap();
    let config = SigningConfig::from_json(PROFILES.as_bytes(), "profiles.json").unwrap();
    let cert = world
        .lab
        .ca
        .issue(&req, config.profile("badge").unwrap())
        .with_serial(&[0x21])
        .build()
        .unwrap();
    let device = Device {
        name: "badge".into(),
        cert: dir.join("badge.pem"),
        key: dir.join("badge-key.pem"),
        p12: dir.join("badge.p12"),
        p12_legacy: dir.join("badge-legacy.p12"),
        serial: vec![0x21],
        der: cert.der().to_vec(),
    };
    std::fs::write(&device.cert, cert.to_pem().as_bytes()).unwrap();
    std::fs::write(&device.key, key.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    std::fs::set_permissions(&device.key, std::fs::Permissions::from_mode(0o600)).unwrap();
    device
}

/// A lab and the gate in `mode` in front of an echo origin, its policy file replaced by
/// one that lets in the certificates whose path asserts `oid`.
fn gate_requiring(mode: &str, oid: &str) -> (World, Origin, GateProcess) {
    gate_with_config(mode, "", |text| {
        let file = text
            .lines()
            .find_map(|l| l.strip_prefix("policy = \"")?.strip_suffix('"'))
            .unwrap()
            .to_owned();
        std::fs::write(file, policies(oid)).unwrap();
        text
    })
}

#[test]
fn the_certificate_policy_selector_decides_at_the_gate() {
    if !certgate_test_support::require_tool("curl")
        || !certgate_test_support::require_tool("python3")
    {
        return;
    }
    for mode in ["enforce", "report"] {
        let (world, _origin, gate) = gate_requiring(mode, BADGE);
        let badge = issue_badge(&world);
        // The badge's path asserts the policy: in.
        let (status, body) = curl(&gate, &world, Some(&badge), &[], "/");
        assert_eq!(status, 200, "{mode}: {body}");
        // A valid device of the same CA whose certificate asserts no policy: refused.
        let (status, body) = curl(&gate, &world, Some(&world.iphone), &[], "/");
        assert_eq!(status, 403, "{mode}: {body}");
        // A rule asking for a policy the badge does not assert refuses it too.
        let (world, _origin, gate) = gate_requiring(mode, OTHER);
        let badge = issue_badge(&world);
        let (status, body) = curl(&gate, &world, Some(&badge), &[], "/");
        assert_eq!(status, 403, "{mode}: {body}");
    }
}
