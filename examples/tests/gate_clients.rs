//! Real clients through the gate: curl with PEM and with both `.p12` profiles, Python
//! `requests`, `openssl s_client` (a refused handshake says why), HTTP/2 by ALPN, the
//! host chosen by SNI and `Host`, and a WebSocket upgrade after the decision.

#![allow(clippy::unwrap_used)]

mod gate_common;

use certgate_examples::lab::{Device, HOST, P12_PASSWORD};
use certgate_test_support::{require_python_module, require_tool};
use gate_common::{
    GateProcess, World, curl, curl_full, echo_headers, gate_with, gate_with_config, pem_args,
    tls_client, values,
};

fn need(tools: &[&str]) -> bool {
    tools.iter().all(|t| require_tool(t))
}

/// The subjects the origin saw in a 200 echo: exactly one, the device's.
fn assert_identity(status: u16, body: &str, cn: &str) {
    assert_eq!(status, 200, "{body}");
    let subjects = values(&echo_headers(body), "certgate-subject");
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(
        subjects[0].starts_with(&format!("CN={cn},")),
        "{subjects:?}"
    );
}

fn p12_arg(path: &std::path::Path) -> String {
    format!("{}:{P12_PASSWORD}", path.display())
}

#[test]
fn curl_with_pem_and_both_p12_profiles_in_both_modes() {
    if !need(&["curl", "python3"]) {
        return;
    }
    for mode in ["enforce", "report"] {
        let (world, _origin, gate) = gate_with(mode, "");
        let (status, body) = curl(&gate, &world, Some(&world.iphone), &[], "/");
        assert_identity(status, &body, "Sam's iPhone");
        // curl 7.88 on OpenSSL 3 reads both: the legacy bundle's 3DES and SHA-1 MAC are in
        // OpenSSL 3's default provider (RC2-40 would need the legacy one; we never write it).
        for p12 in [&world.iphone.p12, &world.iphone.p12_legacy] {
            let out = curl_full(
                &gate,
                &world,
                &["--cert-type", "P12", "--cert", &p12_arg(p12)],
                "/",
            );
            assert_eq!(out.exit, 0, "{mode} {}: {}", p12.display(), out.stderr);
            assert_identity(out.status, &out.body, "Sam's iPhone");
        }
        // A .p12 of another CA: refused (in the handshake, or with the 403 page).
        let out = curl_full(
            &gate,
            &world,
            &[
                "--cert-type",
                "P12",
                "--cert",
                &p12_arg(&world.stranger.p12),
                "-H",
                "Accept: application/json",
            ],
            "/",
        );
        match mode {
            "enforce" => assert_eq!(out.status, 0, "{out:?}"),
            _ => {
                assert_eq!(out.status, 403, "{out:?}");
                assert!(out.body.contains("\"reason\":\"unknown-ca\""), "{out:?}");
            }
        }
    }
}

#[test]
fn python_requests_with_pem() {
    if !need(&["python3"]) || !require_python_module("requests") {
        return;
    }
    for mode in ["enforce", "report"] {
        let (world, _origin, gate) = gate_with(mode, "");
        let out = tls_client(&gate, &world, "requests", Some(&world.laptop), &[], b"");
        assert_identity(
            u16::try_from(out["status"].as_u64().unwrap()).unwrap(),
            out["body"].as_str().unwrap(),
            "my-laptop",
        );
        let out = tls_client(
            &gate,
            &world,
            "requests",
            None,
            &["--accept", "application/json"],
            b"",
        );
        if mode == "report" {
            assert_eq!(out["status"], 403, "{out}");
            assert!(
                out["body"].as_str().unwrap().contains("no-certificate"),
                "{out}"
            );
        } else {
            assert!(out["status"].is_null(), "{out}");
            assert!(out["error"].as_str().unwrap().contains("SSL"), "{out}");
        }
    }
}

/// `openssl s_client` to the gate with `device` (or none), sending one raw request;
/// returns what it printed (stdout and stderr) and its exit code.
fn s_client(gate: &GateProcess, world: &World, device: Option<&Device>) -> (String, i32) {
    let port = gate.addr.port();
    let mut args = vec![
        "s_client".to_owned(),
        "-connect".into(),
        format!("127.0.0.1:{port}"),
        "-servername".into(),
        HOST.into(),
        "-CAfile".into(),
        world.lab.ca_pem.display().to_string(),
        "-verify_return_error".into(),
        // Keep reading after our request is sent: the gate's answer, or its alert (in
        // TLS 1.3 a refused client certificate is told after the client's Finished).
        "-ign_eof".into(),
    ];
    if let Some(d) = device {
        args.extend([
            "-cert".to_owned(),
            d.cert.display().to_string(),
            "-key".into(),
            d.key.display().to_string(),
        ]);
    }
    let request = format!("GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = certgate_test_support::run_with_stdin(
        "openssl",
        &args,
        world.dir.path(),
        request.as_bytes(),
    );
    (format!("{}\n{}", out.stdout, out.stderr), out.status)
}

#[test]
fn openssl_s_client_enforce_mode() {
    if !need(&["openssl", "python3"]) {
        return;
    }
    let (world, _origin, gate) = gate_with("enforce", "");
    let (out, code) = s_client(&gate, &world, Some(&world.iphone));
    assert!(out.contains("HTTP/1.1 200 OK"), "{out}");
    assert!(out.contains("certgate-subject"), "{out}");
    assert_eq!(code, 0, "{out}");
    // Another CA: the handshake fails with the alert that says so.
    let (out, code) = s_client(&gate, &world, Some(&world.stranger));
    assert!(out.contains("alert unknown ca"), "{out}");
    assert!(!out.contains("HTTP/1.1"), "{out}");
    assert_ne!(code, 0, "{out}");
    // No certificate: the handshake fails too.
    let (out, code) = s_client(&gate, &world, None);
    assert!(out.contains("alert certificate required"), "{out}");
    assert!(!out.contains("HTTP/1.1"), "{out}");
    assert_ne!(code, 0, "{out}");
    // Counted and logged by reason.
    for reason in ["unknown-ca", "no-certificate"] {
        let sample = format!("certgate_gate_handshake_failures_total{{reason=\"{reason}\"}}");
        assert_eq!(gate.metric(&sample), 1.0, "{}", gate.metrics_text());
        assert!(
            gate.log().contains(&format!("\"reason\":\"{reason}\"")),
            "{}",
            gate.log()
        );
    }
}

#[test]
fn openssl_s_client_report_mode() {
    if !need(&["openssl", "python3"]) {
        return;
    }
    let (world, _origin, gate) = gate_with("report", "");
    let (out, _) = s_client(&gate, &world, Some(&world.iphone));
    assert!(out.contains("HTTP/1.1 200 OK"), "{out}");
    // The handshake completes; the page says why.
    let (out, _) = s_client(&gate, &world, Some(&world.stranger));
    assert!(out.contains("HTTP/1.1 403 Forbidden"), "{out}");
    assert!(out.contains("unknown-ca"), "{out}");
    assert!(!out.contains("alert"), "{out}");
    let (out, _) = s_client(&gate, &world, None);
    assert!(out.contains("HTTP/1.1 403 Forbidden"), "{out}");
    assert!(out.contains("no-certificate"), "{out}");
}

#[test]
fn http2_by_alpn() {
    if !need(&["curl", "python3"]) {
        return;
    }
    for mode in ["enforce", "report"] {
        let (world, _origin, gate) = gate_with(mode, "");
        let mut args = pem_args(&world.iphone);
        args.extend(["--http2", "-H", "Certgate-Subject: CN=admin"].map(String::from));
        let out = curl_full(&gate, &world, &args, "/h2?x=1");
        assert_eq!(out.http_version, "2", "{out:?}");
        assert_identity(out.status, &out.body, "Sam's iPhone");
        let echo: serde_json::Value = serde_json::from_str(&out.body).unwrap();
        assert_eq!(echo["path"], "/h2?x=1");
        // The origin speaks HTTP/1.1 and gets the host as Host.
        assert_eq!(values(&echo_headers(&out.body), "host"), vec![HOST]);
    }
}

/// A second host, `other.localhost`, served by the same gate (same certificate).
fn with_other_host(config: String) -> String {
    let first = config.find("[[host]]").unwrap();
    let host = config[first..].replace(&format!("name = \"{HOST}\""), "name = \"other.localhost\"");
    format!("{config}\n{host}")
}

#[test]
fn host_must_match_sni_and_no_sni_gets_the_default_host() {
    if !need(&["curl", "python3"]) {
        return;
    }
    let (world, origin, gate) = gate_with_config("report", "", with_other_host);
    let pem = pem_args(&world.iphone);
    let with = |extra: &[&str]| -> Vec<String> {
        pem.iter()
            .cloned()
            .chain(extra.iter().map(|s| s.to_string()))
            .collect()
    };
    // SNI money.localhost, Host naming the other host the gate serves: 421.
    let out = curl_full(&gate, &world, &with(&["-H", "Host: other.localhost"]), "/");
    assert_eq!(out.status, 421, "{out:?}");
    assert!(out.body.contains("misdirected"), "{out:?}");
    // The other way round: SNI other.localhost, Host money.localhost (the certificate does
    // not name other.localhost: not checked here, this is about the Host).
    let other = format!("https://other.localhost:{}/", gate.addr.port());
    let out = curl_full(
        &gate,
        &world,
        &with(&[
            "--resolve",
            &gate.resolve_name("other.localhost"),
            "--insecure",
            "-H",
            &format!("Host: {HOST}"),
        ]),
        &other,
    );
    assert_eq!(out.status, 421, "{out:?}");
    // A Host the gate does not serve at all: never the origin.
    let out = curl_full(&gate, &world, &with(&["-H", "Host: evil.example"]), "/");
    assert!(matches!(out.status, 403 | 421), "{out:?}");
    // No SNI (an address in the URL): the default host, whose certificate has IP SAN
    // 127.0.0.1.
    let url = format!("https://127.0.0.1:{}/no-sni", gate.addr.port());
    let out = curl_full(&gate, &world, &pem, &url);
    assert_identity(out.status, &out.body, "Sam's iPhone");
    // The first request that reached the origin.
    assert_eq!(
        origin.requests_until("/no-sni"),
        vec!["request GET /no-sni"]
    );
    assert_eq!(
        values(&echo_headers(&out.body), "x-forwarded-host"),
        vec!["127.0.0.1"]
    );
    // HTTP/2 carries the host in :authority; a mismatch there is a 421 too.
    let out = curl_full(
        &gate,
        &world,
        &with(&["--http2", "-H", "Host: other.localhost"]),
        "/",
    );
    assert_eq!(out.http_version, "2", "{out:?}");
    assert_eq!(out.status, 421, "{out:?}");
}

#[test]
fn websocket_upgrade_passes_after_the_decision() {
    if !need(&["python3"]) {
        return;
    }
    for mode in ["enforce", "report"] {
        let (world, origin, gate) = gate_with(mode, "");
        let out = tls_client(&gate, &world, "ws", Some(&world.iphone), &[], b"");
        assert_eq!(out["status"], 101, "{mode}: {out}");
        assert_eq!(out["echo"], "echo:hello", "{mode}: {out}");
        assert_eq!(origin.requests_until("/ws"), vec!["request GET /ws"]);
        if mode == "report" {
            // Without a certificate: the 403 page, no 101, nothing at the origin.
            let out = tls_client(&gate, &world, "ws", None, &[], b"");
            assert_eq!(out["status"], 403, "{out}");
            assert!(!out["head"].as_str().unwrap().contains("101"), "{out}");
            assert_eq!(out["echo"], "", "{out}");
            let (status, _) = curl(&gate, &world, Some(&world.iphone), &[], "/after");
            assert_eq!(status, 200);
            assert_eq!(
                origin.requests_until("/after"),
                vec!["request GET /ws", "request GET /after"]
            );
        }
    }
}
