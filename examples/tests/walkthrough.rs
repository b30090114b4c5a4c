//! The seed walkthrough with its JSON verbatim: `certgate` for `cfssl`, `certgate json`
//! for `cfssljson`, checked by OpenSSL.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_test_support::require_tool;
use common::*;

fn check_walkthrough_output(root: &std::path::Path, client: &std::path::Path) {
    assert_eq!(
        files(root),
        [
            "ca-config.json",
            "ca-csr.json",
            "ca-key.pem",
            "ca.csr",
            "ca.pem"
        ]
    );
    assert_eq!(
        files(client),
        [
            "client-csr.json",
            "iphone-client-key.pem",
            "iphone-client.csr",
            "iphone-client.pem"
        ]
    );
    assert_eq!(mode(&root.join("ca-key.pem")), 0o600);
    assert_eq!(mode(&client.join("iphone-client-key.pem")), 0o600);
    assert_eq!(mode(&root.join("ca.pem")), 0o644);

    let ok = openssl(
        client,
        &[
            "verify",
            "-CAfile",
            "../root/ca.pem",
            "-purpose",
            "sslclient",
            "iphone-client.pem",
        ],
    );
    assert!(
        ok.success() && ok.stdout.contains("iphone-client.pem: OK"),
        "{}{}",
        ok.stdout,
        ok.stderr
    );
    let server = openssl(
        client,
        &[
            "verify",
            "-CAfile",
            "../root/ca.pem",
            "-purpose",
            "sslserver",
            "iphone-client.pem",
        ],
    );
    assert!(
        !server.success(),
        "a client certificate verified as a server: {}",
        server.stdout
    );

    let text = openssl(
        client,
        &["x509", "-noout", "-text", "-in", "iphone-client.pem"],
    );
    assert!(
        text.stdout.contains("TLS Web Client Authentication"),
        "{}",
        text.stdout
    );
    // cfssl 1.2 turns `"hosts": [""]` into an empty DNS name ("DNS:" and nothing after).
    let empty_dns = text.stdout.match_indices("DNS:").any(|(i, _)| {
        text.stdout[i + 4..]
            .chars()
            .next()
            .is_none_or(|c| c == ',' || c.is_whitespace())
    });
    assert!(!empty_dns, "an empty DNS SAN: {}", text.stdout);
    assert!(
        !text.stdout.contains("Subject Alternative Name"),
        "hosts [\"\"] made a SAN: {}",
        text.stdout
    );
    assert!(text.stdout.contains("Subject: C = PT, ST = Lisboa, L = Lisboa, O = Money App Test, OU = Sam Projects, CN = Rhea Group"), "{}", text.stdout);
    assert!(
        text.stdout.contains("Public-Key: (4096 bit)"),
        "{}",
        text.stdout
    );
    // The key matches the certificate.
    let from_cert = openssl(
        client,
        &["x509", "-noout", "-pubkey", "-in", "iphone-client.pem"],
    );
    let from_key = openssl(client, &["pkey", "-pubout", "-in", "iphone-client-key.pem"]);
    assert_eq!(from_cert.stdout, from_key.stdout);
    let ca_text = openssl(root, &["x509", "-noout", "-text", "-in", "ca.pem"]);
    assert!(
        ca_text.stdout.contains("CA:TRUE") && ca_text.stdout.contains("sha512WithRSAEncryption"),
        "{}",
        ca_text.stdout
    );
}

#[test]
fn seed_walkthrough_with_pipes() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root, client) = seed_files(dir.path());
    pipe(
        &root,
        &["genkey", "-initca", "ca-csr.json"],
        &["json", "-bare", "ca"],
    );
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
        &["json", "-bare", "iphone-client"],
    );
    check_walkthrough_output(&root, &client);
}

#[test]
fn seed_walkthrough_with_bare() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root, client) = seed_files(dir.path());
    let out = certgate_ok(&root, &["genkey", "-initca", "-bare", "ca", "ca-csr.json"]);
    assert_eq!(out.stdout, "", "-bare prints nothing");
    let out = certgate_ok(
        &client,
        &[
            "gencert",
            "-ca",
            "../root/ca.pem",
            "-ca-key",
            "../root/ca-key.pem",
            "-config",
            "../root/ca-config.json",
            "-profile",
            "client",
            "client-csr.json",
            "-bare",
            "iphone-client",
        ],
    );
    assert_eq!(out.stdout, "", "-bare prints nothing");
    check_walkthrough_output(&root, &client);
}
