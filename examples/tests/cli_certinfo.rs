//! `certgate certinfo -domain HOST[:PORT]`: the certificate a TLS server presents, as
//! `cfssl certinfo -domain` prints it, against a local `openssl s_server`.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use certgate_test_support::{require_tool, run_ok};
use common::*;
use serde_json::Value;

/// A CA (from `small_ca`) and a server certificate for localhost in `dir`: server.pem,
/// server-key.pem.
fn server_cert(dir: &Path) {
    small_ca(dir);
    std::fs::write(
        dir.join("server.json"),
        r#"{"CN": "localhost", "hosts": ["localhost", "127.0.0.1"], "key": {"algo": "ecdsa", "size": 256}}"#,
    )
    .unwrap();
    certgate_ok(
        dir,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=server",
            "-bare",
            "server",
            "server.json",
        ],
    );
}

#[test]
fn certinfo_domain_prints_the_served_leaf_as_certinfo_cert_does() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    server_cert(d);
    let from_file = certgate_ok(d, &["certinfo", "-cert", "server.pem"]).stdout;
    // TLS 1.3 and TLS 1.2; by name (SNI sent) and by address; the chain is not trusted by
    // anyone (a private CA), and certinfo shows it all the same, as cfssl does.
    for versions in [&[][..], &["-tls1_2"]] {
        let server = OpensslServer::start(d, "server.pem", "server-key.pem", versions);
        for host in ["localhost", "127.0.0.1"] {
            let domain = format!("{host}:{}", server.port);
            let out = certgate_ok(d, &["certinfo", "-domain", &domain]);
            assert_eq!(out.stdout, from_file, "{domain} {versions:?}");
        }
    }
}

#[test]
fn certinfo_domain_matches_cfssl() {
    if !require_tool("openssl") || !require_tool("cfssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    server_cert(d);
    let server = OpensslServer::start(d, "server.pem", "server-key.pem", &[]);
    let domain = format!("127.0.0.1:{}", server.port);
    let ours: Value =
        serde_json::from_str(&certgate_ok(d, &["certinfo", "-domain", &domain]).stdout).unwrap();
    let cfssl: Value =
        serde_json::from_str(&run_ok("cfssl", &["certinfo", "-domain", &domain], d).stdout)
            .unwrap();
    for field in [
        "subject",
        "issuer",
        "serial_number",
        "sans",
        "not_before",
        "not_after",
        "sigalg",
        "pem",
    ] {
        assert_eq!(ours[field], cfssl[field], "{field}");
    }
    // Key ids: cfssl drops the leading zero of a byte (`B:6:46`); certgate does not.
    let unpadded = |v: &Value| {
        v.as_str()
            .unwrap()
            .split(':')
            .map(|b| b.trim_start_matches('0').to_owned())
            .collect::<Vec<_>>()
    };
    for field in ["authority_key_id", "subject_key_id"] {
        assert_eq!(unpadded(&ours[field]), unpadded(&cfssl[field]), "{field}");
    }
}

#[test]
fn certinfo_domain_errors_name_the_domain() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A port nothing listens on: the OS handed it out and it was closed again.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let domain = format!("127.0.0.1:{port}");
    let err = certgate_err(d, &["certinfo", "-domain", &domain]);
    assert!(
        err.starts_with(&format!(
            "certgate: -domain {domain}: cannot connect to {domain}"
        )),
        "{err}"
    );
    let err = certgate_err(d, &["certinfo", "-domain", "example.com:https"]);
    assert!(
        err.contains("-domain example.com:https: the port is not a number"),
        "{err}"
    );
    // Not TLS: a plain TCP listener that answers nothing useful.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let domain = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
    let talker = std::thread::spawn(move || {
        use std::io::Write;
        let (mut socket, _) = listener.accept().unwrap();
        let _ = socket.write_all(b"HTTP/1.0 400 Bad Request\r\n\r\n");
    });
    let err = certgate_err(d, &["certinfo", "-domain", &domain]);
    assert!(
        err.contains(&format!("-domain {domain}: TLS handshake: ")),
        "{err}"
    );
    talker.join().unwrap();
}
