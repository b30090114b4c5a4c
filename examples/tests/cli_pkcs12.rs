//! `certgate pkcs12` in place of `openssl pkcs12`: the seed's last step, bundles read by
//! OpenSSL, and curl completing an mTLS handshake with them against `openssl s_server`.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use certgate_test_support::{require_tool, run};
use common::*;

/// The seed walkthrough's CA and client certificate (ECDSA keys to keep it quick), plus
/// a server certificate for localhost.
fn pki(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (root, client) = seed_files(dir);
    for (file, algo) in [
        (root.join("ca-csr.json"), "ecdsa"),
        (client.join("client-csr.json"), "ecdsa"),
    ] {
        let text = std::fs::read_to_string(&file).unwrap();
        let text = text
            .replace("\"algo\": \"rsa\"", &format!("\"algo\": \"{algo}\""))
            .replace("\"size\": 4096", "\"size\": 256");
        std::fs::write(&file, text).unwrap();
    }
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
    std::fs::write(
        root.join("server.json"),
        r#"{"CN": "localhost", "hosts": ["localhost", "127.0.0.1"]}"#,
    )
    .unwrap();
    certgate_ok(
        &root,
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
    (root, client)
}

#[test]
fn seed_pkcs12_step_read_by_openssl() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, client) = pki(dir.path());
    for (file, legacy, mac) in [
        ("sam-iphone.p12", false, "MAC: sha256"),
        ("sam-iphone-legacy.p12", true, "MAC: sha1"),
    ] {
        let mut args = vec![
            "pkcs12",
            "-export",
            "-out",
            file,
            "-inkey",
            "iphone-client-key.pem",
            "-in",
            "iphone-client.pem",
            "-certfile",
            "../root/ca.pem",
            "-name",
            "Sam's iPhone",
            "-passout",
            "pass:correct horse",
        ];
        if legacy {
            args.push("-legacy");
        }
        certgate_ok(&client, &args);
        assert_eq!(mode(&client.join(file)), 0o600);
        let out = openssl(
            &client,
            &[
                "pkcs12",
                "-info",
                "-in",
                file,
                "-passin",
                "pass:correct horse",
                "-nokeys",
            ],
        );
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(
            out.success() && all.contains(mac) && all.contains("friendlyName: Sam's iPhone"),
            "{all}"
        );
        assert_eq!(all.matches("BEGIN CERTIFICATE").count(), 2, "{all}");

        let info = certgate_ok(
            &client,
            &[
                "pkcs12",
                "-info",
                "-in",
                file,
                "-passin",
                "pass:correct horse",
            ],
        );
        assert!(
            info.stdout.contains(mac) && !info.stdout.contains("PRIVATE KEY"),
            "{}",
            info.stdout
        );
        let info = certgate_ok(
            &client,
            &[
                "pkcs12",
                "-info",
                "-in",
                file,
                "-passin",
                "pass:correct horse",
                "-nodes",
            ],
        );
        assert!(
            info.stdout.contains("-----BEGIN PRIVATE KEY-----"),
            "{}",
            info.stdout
        );
    }
    let err = certgate_err(
        &client,
        &[
            "pkcs12",
            "-info",
            "-in",
            "sam-iphone.p12",
            "-passin",
            "pass:wrong",
        ],
    );
    assert!(err.contains("sam-iphone.p12: wrong password"), "{err}");
}

#[test]
fn pkcs12_bad_input_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let (root, client) = pki(dir.path());
    let _ = root;
    let err = certgate_err(
        &client,
        &[
            "pkcs12",
            "-export",
            "-out",
            "x.p12",
            "-inkey",
            "../root/ca-key.pem",
            "-in",
            "iphone-client.pem",
            "-passout",
            "pass:pw",
        ],
    );
    assert!(
        err.contains("the key does not match the certificate in iphone-client.pem"),
        "{err}"
    );
    let err = certgate_err(
        &client,
        &[
            "pkcs12",
            "-export",
            "-out",
            "x.p12",
            "-inkey",
            "iphone-client-key.pem",
            "-in",
            "missing.pem",
            "-passout",
            "pass:pw",
        ],
    );
    assert!(err.contains("missing.pem"), "{err}");
    // No -passout and no terminal: an error, not a bundle with an empty password.
    let err = certgate_err(
        &client,
        &[
            "pkcs12",
            "-export",
            "-out",
            "x.p12",
            "-inkey",
            "iphone-client-key.pem",
            "-in",
            "iphone-client.pem",
        ],
    );
    assert!(err.contains("no -passout given"), "{err}");
    assert!(!client.join("x.p12").exists());
    std::fs::write(client.join("junk.p12"), b"\x30\x03\x02\x01\x03").unwrap();
    let err = certgate_err(
        &client,
        &["pkcs12", "-info", "-in", "junk.p12", "-passin", "pass:pw"],
    );
    assert!(err.contains("junk.p12: malformed PKCS#12"), "{err}");
}

/// `openssl s_server` requiring a client certificate from the CA, on a free port.
fn s_server(root: &Path) -> (Child, u16) {
    for attempt in 0..20u16 {
        let port = 20_000 + u16::try_from(std::process::id() % 20_000).unwrap() + attempt * 7;
        let mut child = Command::new("openssl")
            .args([
                "s_server",
                "-accept",
                &format!("127.0.0.1:{port}"),
                "-cert",
                "server.pem",
                "-key",
                "server-key.pem",
                "-CAfile",
                "ca.pem",
                "-Verify",
                "1",
                "-verify_return_error",
                "-www",
            ])
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        while reader.read_line(&mut line).unwrap() > 0 {
            if line.contains("ACCEPT") {
                std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
                return (child, port);
            }
            line.clear();
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("openssl s_server did not start");
}

#[test]
fn curl_completes_an_mtls_handshake_with_both_profiles() {
    if !require_tool("openssl") || !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root, client) = pki(dir.path());
    let (mut server, port) = s_server(&root);
    let url = format!("https://localhost:{port}/");
    let ca = root.join("ca.pem").display().to_string();
    for (file, legacy) in [("modern.p12", false), ("legacy.p12", true)] {
        let mut args = vec![
            "pkcs12",
            "-export",
            "-out",
            file,
            "-inkey",
            "iphone-client-key.pem",
            "-in",
            "iphone-client.pem",
            "-passout",
            "pass:pw",
        ];
        if legacy {
            args.push("-legacy");
        }
        certgate_ok(&client, &args);
        let cert = format!("{file}:pw");
        let out = run(
            "curl",
            &[
                "-sS",
                "--max-time",
                "10",
                "--cacert",
                &ca,
                "--cert-type",
                "P12",
                "--cert",
                &cert,
                &url,
            ],
            &client,
        );
        assert!(out.success(), "{file}: curl failed: {}", out.stderr);
        assert!(
            out.stdout.contains("Rhea Group"),
            "{file}: the server did not see the client certificate: {}",
            out.stdout
        );
    }
    // Without a client certificate the handshake fails.
    let out = run(
        "curl",
        &["-sS", "--max-time", "10", "--cacert", &ca, &url],
        &client,
    );
    assert!(
        !out.success(),
        "a handshake without a client certificate succeeded: {}",
        out.stdout
    );
    let _ = server.kill();
    let _ = server.wait();
}

/// Runs `certgate ARGS` on a pseudo-terminal (`script`), typing `lines` at its prompts.
fn on_terminal(dir: &Path, args: &str, lines: &[&str]) -> certgate_test_support::ToolOutput {
    use std::io::Write;
    let mut child = Command::new("script")
        .args(["-qec", &format!("{CERTGATE} {args}"), "/dev/null"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        std::thread::sleep(std::time::Duration::from_millis(400));
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    certgate_test_support::ToolOutput {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn asks_twice_for_the_export_password_on_a_terminal() {
    if !require_tool("script") || !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, client) = pki(dir.path());
    let args = "pkcs12 -export -out t.p12 -inkey iphone-client-key.pem -in iphone-client.pem";
    let out = on_terminal(&client, args, &["typed secret", "typed secret"]);
    assert!(out.success(), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("Enter Export Password:")
            && out.stdout.contains("Verifying - Enter Export Password:"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("typed secret"),
        "the password was echoed: {}",
        out.stdout
    );
    let check = openssl(
        &client,
        &[
            "pkcs12",
            "-info",
            "-in",
            "t.p12",
            "-passin",
            "pass:typed secret",
            "-noout",
        ],
    );
    assert!(check.success(), "{}", check.stderr);

    let out = on_terminal(&client, &args.replace("t.p12", "u.p12"), &["one", "two"]);
    assert!(
        !out.success() && out.stdout.contains("the passwords do not match"),
        "{}",
        out.stdout
    );
    assert!(!client.join("u.p12").exists());
}

#[test]
fn pkcs12_info_shows_an_rsa_1024_bundle_with_a_warning() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |args: &[&str]| {
        let out = openssl(d, args);
        assert!(out.success(), "openssl {args:?}: {}", out.stderr);
    };
    ok(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:1024",
        "-nodes",
        "-keyout",
        "old-key.pem",
        "-out",
        "old.pem",
        "-subj",
        "/CN=old",
        "-days",
        "30",
    ]);
    ok(&[
        "pkcs12",
        "-export",
        "-inkey",
        "old-key.pem",
        "-in",
        "old.pem",
        "-name",
        "old",
        "-passout",
        "pass:pw",
        "-out",
        "old.p12",
    ]);
    let args = [
        "pkcs12", "-info", "-in", "old.p12", "-passin", "pass:pw", "-nodes",
    ];
    let out = certgate(d, &args);
    assert!(out.success(), "{}", out.stderr);
    let why = "RSA-1024 is below 2048 bits";
    assert!(
        out.stdout
            .contains(&format!("Warning: old.p12: private key: {why}"))
            && out.stderr.contains(why)
            && out.stdout.contains("friendlyName: old")
            && !out.stdout.contains("TooSmall"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    // The key shown is the bundle's.
    let pem = &out.stdout[out.stdout.find("-----BEGIN PRIVATE KEY-----").unwrap()..];
    std::fs::write(d.join("shown.pem"), pem).unwrap();
    let shown = openssl(d, &["pkey", "-in", "shown.pem", "-pubout"]);
    let original = openssl(d, &["pkey", "-in", "old-key.pem", "-pubout"]);
    assert!(
        shown.success() && shown.stdout == original.stdout,
        "{}",
        shown.stderr
    );
    // Making such a bundle is refused, and says why.
    let err = certgate_err(
        d,
        &[
            "pkcs12",
            "-export",
            "-out",
            "new.p12",
            "-inkey",
            "old-key.pem",
            "-in",
            "old.pem",
            "-passout",
            "pass:pw",
        ],
    );
    assert!(
        err.contains(&format!("old-key.pem: private key: {why}")),
        "{err}"
    );
    assert!(!d.join("new.p12").exists());
}

#[test]
fn pkcs12_info_drops_the_windows_nul_from_friendly_names() {
    if !certgate_test_support::require_python_module("cryptography") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, client) = pki(dir.path());
    // Windows ends friendlyName values with a NUL character; certgate refuses to write
    // one, so pyca/cryptography (OpenSSL) makes the bundle.
    let script = r#"
import sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
key = serialization.load_pem_private_key(open("iphone-client-key.pem", "rb").read(), None)
cert = x509.load_pem_x509_certificate(open("iphone-client.pem", "rb").read())
der = pkcs12.serialize_key_and_certificates(
    b"Sam's iPhone\x00", key, cert, None, serialization.BestAvailableEncryption(b"pw"))
open("windows.p12", "wb").write(der)
"#;
    let made = run("python3", &["-c", script], &client);
    assert!(made.success(), "{made:?}");
    let out = certgate_ok(
        &client,
        &[
            "pkcs12",
            "-info",
            "-in",
            "windows.p12",
            "-passin",
            "pass:pw",
        ],
    );
    assert_eq!(
        out.stdout
            .matches("    friendlyName: Sam's iPhone\n")
            .count(),
        2,
        "{:?}",
        out.stdout
    );
    assert!(!out.stdout.contains('\0'), "{:?}", out.stdout);
}
