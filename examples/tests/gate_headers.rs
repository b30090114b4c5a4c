//! Identity headers at the origin are the gate's only: a client's copies, in any case,
//! repeated, spelt with `_` for `-`, over HTTP/1.1 or HTTP/2, never reach it; folded
//! header lines are refused before anything is forwarded.

#![allow(clippy::unwrap_used)]

mod gate_common;

use certgate_test_support::require_tool;
use certgate_x509::Sha256Fingerprint;
use gate_common::{
    World, curl_full, echo_headers, gate_with, need_curl_and_python, pem_args, tls_client, values,
};

/// Headers a client may try to forge, as a client would spell them.
const SPOOFED: &[&str] = &[
    "Certgate-Subject: CN=spoof-admin",
    "certgate-subject: CN=spoof-root",
    "CERTGATE-POLICY: spoof-admins",
    "Certgate-Decision: spoof",
    "client-cert: :spoofAAAA:",
    "Client-Cert: :spoofBBBB:",
    "Client-Cert-Chain: :spoofCCCC:",
    "Cf-Client-Cert-Sha256: spoof00",
    "cf-client-cert-der-base64: spoofAAAA",
    "X-Forwarded-For: 6.6.6.6",
    "x-forwarded-for: 7.7.7.7",
    "Forwarded: for=6.6.6.6;proto=http",
    "x-forwarded-proto: spoof",
    "X-Forwarded-Host: spoof.example",
    // Origins that read headers CGI-style (WSGI, PHP, Rack) see `_` as `-`.
    "Certgate_Subject: CN=spoof-admin",
    "X_Forwarded_For: 8.8.8.8",
    "Cf_Client_Cert_Sha256: spoof00",
    "client_cert: :spoofDDDD:",
];

/// What the origin must see for the iPhone, whatever the client sent.
fn assert_only_the_gates(world: &World, headers: &[(String, String)]) {
    let der = &world.iphone.der;
    let one = |name: &str| {
        let v = values(headers, name);
        assert_eq!(v.len(), 1, "{name}: {headers:#?}");
        v[0].clone()
    };
    assert!(
        one("certgate-subject").starts_with("CN=Sam's iPhone,"),
        "{headers:#?}"
    );
    assert_eq!(one("certgate-policy"), "my-devices");
    assert_eq!(one("certgate-decision"), "allow");
    assert_eq!(
        one("client-cert"),
        format!(":{}:", gate_common::base64(der))
    );
    assert_eq!(one("cf-client-cert-der-base64"), gate_common::base64(der));
    assert_eq!(
        one("cf-client-cert-sha256"),
        Sha256Fingerprint::of(der).to_hex()
    );
    assert_eq!(one("x-forwarded-for"), "127.0.0.1");
    assert_eq!(one("forwarded"), "for=127.0.0.1;proto=https");
    assert_eq!(one("x-forwarded-proto"), "https");
    assert_eq!(one("x-forwarded-host"), "money.localhost");
    // A chain header, if any, is the gate's (what the client's TLS sent after its leaf).
    for (name, value) in headers {
        let spoofed = ["spoof", "6.6.6.6", "7.7.7.7", "8.8.8.8"];
        assert!(
            !spoofed.iter().any(|s| value.contains(s)),
            "{name}: {value} reached the origin"
        );
        assert!(!name.contains('_'), "{name}: {value} reached the origin");
    }
    // An ordinary header passes.
    assert_eq!(one("x-request-note"), "kept");
}

#[test]
fn spoofed_identity_headers_never_reach_the_origin() {
    if !need_curl_and_python() {
        return;
    }
    for mode in ["enforce", "report"] {
        let (world, _origin, gate) = gate_with(mode, "");
        for http2 in [false, true] {
            let mut args = pem_args(&world.iphone);
            for h in SPOOFED.iter().chain(&["X-Request-Note: kept"]) {
                args.extend(["-H".to_owned(), (*h).to_owned()]);
            }
            // curl asks for h2 by ALPN unless told otherwise.
            args.push(if http2 { "--http2" } else { "--http1.1" }.into());
            let out = curl_full(&gate, &world, &args, "/");
            assert_eq!(out.status, 200, "{mode} http2={http2}: {out:?}");
            assert_eq!(out.http_version, if http2 { "2" } else { "1.1" });
            assert_only_the_gates(&world, &echo_headers(&out.body));
        }
    }
}

/// A request with one folded line (obs-fold, RFC 9112 section 5.2) after `before`.
fn folded(before: &str, fold: &str) -> Vec<u8> {
    format!(
        "GET /folded HTTP/1.1\r\nHost: money.localhost\r\n{before}\r\n{fold}\r\n\
         Connection: close\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn folded_header_lines_are_refused() {
    if !require_tool("python3") || !require_tool("curl") {
        return;
    }
    let (world, origin, gate) = gate_with("report", "");
    let cases = [
        ("X-Note: a", " Certgate-Subject: CN=spoof"),
        ("Certgate-Subject: CN=x", " CN=spoof"),
        ("X-Forwarded-For: 1.1.1.1", "\t6.6.6.6"),
        ("Accept: */*", " \tclient-cert: :spoof:"),
    ];
    for (before, fold) in cases {
        let out = tls_client(
            &gate,
            &world,
            "raw",
            Some(&world.iphone),
            &[],
            &folded(before, fold),
        );
        assert_eq!(out["status"], 400, "{before:?} {fold:?}: {out}");
    }
    // A name with a space before the colon, or with none, is refused too.
    for bad in ["Certgate-Subject : CN=spoof", "Certgate-Subject CN=spoof"] {
        let request = format!(
            "GET /bad HTTP/1.1\r\nHost: money.localhost\r\n{bad}\r\nConnection: close\r\n\r\n"
        );
        let out = tls_client(
            &gate,
            &world,
            "raw",
            Some(&world.iphone),
            &[],
            request.as_bytes(),
        );
        assert_eq!(out["status"], 400, "{bad:?}: {out}");
    }
    // The same connection's ordinary request, raw, in odd case: through, identity the
    // gate's.
    let request = "GET /raw HTTP/1.1\r\nHOST: money.localhost\r\ncErTgAtE-sUbJeCt: CN=spoof\r\n\
                   CLIENT-CERT: :spoof:\r\nX-Request-Note: kept\r\nConnection: close\r\n\r\n";
    let out = tls_client(
        &gate,
        &world,
        "raw",
        Some(&world.iphone),
        &[],
        request.as_bytes(),
    );
    assert_eq!(out["status"], 200, "{out}");
    let headers = echo_headers(out["body"].as_str().unwrap());
    assert_eq!(values(&headers, "certgate-subject").len(), 1, "{headers:?}");
    assert!(!out["body"].as_str().unwrap().contains("spoof"), "{out}");
    // The first request that reached the origin: none of the refused ones did.
    assert_eq!(origin.requests_until("/raw"), vec!["request GET /raw"]);
}
