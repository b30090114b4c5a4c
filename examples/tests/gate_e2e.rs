//! The gate end to end, with real clients (curl): certificates accepted and refused,
//! identity headers at the origin and never the client's, revocation live.

#![allow(clippy::unwrap_used)]

mod gate_common;

use gate_common::{curl, gate_with};

fn need_tools() -> bool {
    certgate_test_support::require_tool("curl") && certgate_test_support::require_tool("python3")
}

/// The laptop's certificate is refused as revoked (403 naming it), the iPhone's let in.
fn laptop_revoked_iphone_let_in(gate: &gate_common::GateProcess, world: &gate_common::World) {
    let (status, body) = curl(
        gate,
        world,
        Some(&world.laptop),
        &["-H", "Accept: application/json"],
        "/",
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("revoked"), "{body}");
    let (status, _) = curl(gate, world, Some(&world.iphone), &[], "/");
    assert_eq!(status, 200);
}

#[test]
fn report_mode_pages_and_identity() {
    if !need_tools() {
        return;
    }
    let (world, _origin, gate) = gate_with("report", "");
    // No certificate: 403, the page that says a device certificate is needed.
    let (status, body) = curl(&gate, &world, None, &[], "/");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("needs a device certificate"), "{body}");
    // Another CA: 403 unknown-ca (JSON when asked).
    let (status, body) = curl(
        &gate,
        &world,
        Some(&world.stranger),
        &["-H", "Accept: application/json"],
        "/",
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("\"reason\":\"unknown-ca\""), "{body}");
    // The iPhone: through, with identity at the origin and spoofed copies gone.
    let (status, body) = curl(
        &gate,
        &world,
        Some(&world.iphone),
        &[
            "-H",
            "Certgate-Subject: CN=admin",
            "-H",
            "cf-client-cert-sha256: 00",
            "-H",
            "X-Forwarded-For: 6.6.6.6",
            "-H",
            "client-cert: :AAAA:",
        ],
        "/expenses?x=1",
    );
    assert_eq!(status, 200, "{body}");
    let echo: serde_json::Value = serde_json::from_str(&body).unwrap();
    let headers: Vec<(String, String)> = echo["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_ascii_lowercase(),
                h[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let get = |name: &str| {
        headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(get("certgate-subject").len(), 1, "{headers:?}");
    assert!(
        get("certgate-subject")[0].contains("CN=Sam's iPhone"),
        "{headers:?}"
    );
    assert_eq!(get("x-forwarded-for"), vec!["127.0.0.1".to_owned()]);
    assert_eq!(get("cf-client-cert-sha256").len(), 1);
    assert_ne!(get("cf-client-cert-sha256")[0], "00");
    assert!(get("client-cert")[0].len() > 100, "{headers:?}");
    assert_eq!(get("certgate-policy"), vec!["my-devices".to_owned()]);
    assert_eq!(echo["path"], "/expenses?x=1");
    assert!(
        gate.log().contains("\"outcome\":\"non_identity\"") || gate.log().contains("decision"),
        "{}",
        gate.log()
    );
}

#[test]
fn revoked_while_connected_is_refused_on_the_next_request() {
    if !need_tools() {
        return;
    }
    let (world, _origin, gate) = gate_with("report", "");
    let (status, body) = curl(&gate, &world, Some(&world.laptop), &[], "/");
    assert_eq!(status, 200, "{body}");
    world.lab.write_crl(&[&world.laptop]).unwrap();
    // The gate polls every 200 ms; wait for the CRL's generation to change.
    for _ in 0..100 {
        if gate
            .metrics_text()
            .contains("certgate_gate_reloads_total 1")
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    laptop_revoked_iphone_let_in(&gate, &world);
}

#[test]
fn the_chain_a_client_sends_reaches_the_origin_as_client_cert_chain() {
    if !need_tools() {
        return;
    }
    let (world, _origin, gate) = gate_with("enforce", "");
    // The device sends its certificate and the CA's after it.
    let mut chain = std::fs::read(&world.iphone.cert).unwrap();
    chain.extend(std::fs::read(&world.lab.ca_pem).unwrap());
    let chain_pem = world.dir.path().join("iphone-chain.pem");
    std::fs::write(&chain_pem, chain).unwrap();
    let cert_arg = chain_pem.display().to_string();
    let key_arg = world.iphone.key.display().to_string();
    let (status, body) = curl(
        &gate,
        &world,
        None,
        &["--cert", &cert_arg, "--key", &key_arg],
        "/",
    );
    assert_eq!(status, 200, "{body}");
    let echo: serde_json::Value = serde_json::from_str(&body).unwrap();
    let chains: Vec<String> = echo["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| {
            h[0].as_str()
                .unwrap()
                .eq_ignore_ascii_case("client-cert-chain")
        })
        .map(|h| h[1].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(chains.len(), 1, "{body}");
    // One structured-field byte sequence: the CA's DER in base64.
    let ca_pem = std::fs::read_to_string(&world.lab.ca_pem).unwrap();
    let ca_b64: String = ca_pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(chains[0], format!(":{ca_b64}:"));
}

#[test]
fn a_crl_signed_by_the_cas_dedicated_crl_key_revokes() {
    use certgate_ca::cfssl::{CsrJson, SigningConfig};
    use certgate_ca::{
        CertificateRequest, KeySigner, KeySpec, PrivateKey, RevokedEntry, SubjectName,
    };
    use time::{Duration, OffsetDateTime};
    if !need_tools() {
        return;
    }
    // The CA certifies a key of its own name to sign its CRLs (keyUsage cRLSign only),
    // and that key signs a CRL revoking the laptop. With the signer's certificate in
    // `crl_signers`, the gate counts the CRL; the CA key signed nothing.
    let world = gate_common::world();
    let origin = gate_common::echo_origin();
    let config = world
        .lab
        .write_gate_config(
            &format!("http://127.0.0.1:{}", origin.port),
            "127.0.0.1:0",
            "report",
            "",
        )
        .unwrap();
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "crls = [",
        "crl_signers = \"crl-signer.pem\"\ncrls = [\"signer-crl.pem\", ",
    );
    assert!(text.contains("crl_signers"), "{text}");
    std::fs::write(&config, text).unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let copy = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap();
    let ca = &world.lab.ca;
    // The CA's own name, from the JSON the lab made it with.
    let ca_name = SubjectName::from_csr_json(
        &CsrJson::from_json(certgate_examples::lab::ROOT_CSR.as_bytes(), "ca-csr.json").unwrap(),
    );
    let csr = CertificateRequest::create(&KeySigner::new(copy), &ca_name, &[]).unwrap();
    let profiles = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"crl_signer": {"usages": ["crl sign"], "expiry": "720h"}}}}"#,
        "signer.json",
    )
    .unwrap();
    let signer = ca
        .issue(&csr, profiles.profile("crl_signer").unwrap())
        .with_serial(&[0x40])
        .build()
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let key_id = certgate_x509::CertificateInfo::from_der(signer.der())
        .unwrap()
        .subject_key_id()
        .unwrap()
        .to_vec();
    let crl = ca
        .crl(7, now - Duration::minutes(5), now + Duration::days(1))
        .with_crl_signer(&KeySigner::new(key), &key_id)
        .with_entries([RevokedEntry {
            serial: world.laptop.serial.clone(),
            revoked_at: now - Duration::seconds(1),
            reason: None,
        }])
        .build()
        .unwrap();
    std::fs::write(world.lab.dir.join("crl-signer.pem"), signer.to_pem()).unwrap();
    std::fs::write(world.lab.dir.join("signer-crl.pem"), crl.to_pem()).unwrap();
    let gate = gate_common::GateProcess::start(&config, world.dir.path().join("gate.log"));
    laptop_revoked_iphone_let_in(&gate, &world);
}
