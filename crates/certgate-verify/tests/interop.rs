//! A TLS server in process using `ClientVerifier`, and real clients against it:
//! curl `--cert/--key`, `openssl s_client -cert -key` and Python's `ssl`; and curl
//! against per-host trust (`HostTrust`), with and without SNI.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, KeySigner, KeySpec, PrivateKey, RevokedEntry,
    RootCaBuilder,
};
use certgate_test_support::{require_python_module, require_tool, run, run_with_stdin};
use certgate_verify::{
    ClientCertInfo, ClientVerifier, HostTrust, Resumption, RevocationPolicy, RevocationStore,
    VerifyMode, mtls_server_config,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::{Acceptor, ResolvesServerCert};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use time::{Duration, OffsetDateTime};

const PROFILES: &str = r#"{"signing": {"profiles": {
  "client": {"usages": ["digital signature", "client auth"], "expiry": "720h"},
  "server": {"usages": ["digital signature", "server auth"], "expiry": "720h"}}}}"#;

fn root(cn: &str, dir: &Path) -> (CertificateAuthority, CertificateDer<'static>) {
    let csr = CsrJson::from_json(format!(r#"{{"CN": "{cn}"}}"#).as_bytes(), "t").unwrap();
    let made = RootCaBuilder::new(
        &csr,
        Box::new(KeySigner::new(
            PrivateKey::generate(KeySpec::EcdsaP256).unwrap(),
        )),
    )
    .build()
    .unwrap();
    std::fs::write(dir.join(format!("{cn}.pem")), made.certificate.to_pem()).unwrap();
    (
        made.ca,
        CertificateDer::from(made.certificate.der().to_vec()),
    )
}

/// Issues `name.pem` and `name-key.pem` in `dir`.
fn issue(
    ca: &CertificateAuthority,
    dir: &Path,
    name: &str,
    hosts: &str,
    profile: &str,
    serial: u8,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let json = CsrJson::from_json(
        format!(r#"{{"CN": "{name}", "hosts": [{hosts}]}}"#).as_bytes(),
        "t",
    )
    .unwrap();
    let (key, req) = CertificateRequest::generate(&json).unwrap();
    let config = SigningConfig::from_json(PROFILES.as_bytes(), "p").unwrap();
    let cert = ca
        .issue(&req, config.profile(profile).unwrap())
        .with_serial(&[serial])
        .build()
        .unwrap();
    std::fs::write(dir.join(format!("{name}.pem")), cert.to_pem()).unwrap();
    std::fs::write(
        dir.join(format!("{name}-key.pem")),
        key.to_pkcs8_pem().unwrap().as_bytes(),
    )
    .unwrap();
    (
        CertificateDer::from(cert.der().to_vec()),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            key.to_pkcs8_der().unwrap().to_vec(),
        )),
    )
}

/// Writes one HTTP response and closes the TLS stream.
fn respond(tls: &mut StreamOwned<ServerConnection, std::net::TcpStream>, status: &str, body: &str) {
    let _ = write!(
        tls,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

/// Serves HTTPS on a free port: `200` with the client's CN, or in report mode `403`
/// with the reason, as the HTTP layer of certgate's gate will.
fn serve(config: Arc<ServerConfig>, verifier: Arc<ClientVerifier>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let conn = ServerConnection::new(Arc::clone(&config)).unwrap();
            let mut tls = StreamOwned::new(conn, stream);
            let mut buf = [0u8; 1024];
            if tls.read(&mut buf).is_err() {
                continue; // the handshake failed: the client got the alert
            }
            let info = verifier.verify_presented(tls.conn.peer_certificates(), UnixTime::now());
            let (status, body) = if info.verified() {
                (
                    "200 OK",
                    format!("hello {}", info.common_name().unwrap_or_default()),
                )
            } else {
                (
                    "403 Forbidden",
                    format!("refused: {:?}", info.failure_reason()),
                )
            };
            respond(&mut tls, status, &body);
        }
    });
    port
}

struct Setup {
    dir: tempfile::TempDir,
    enforce: u16,
    report: u16,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (client_ca, client_ca_der) = root("client-ca", d);
    let (server_ca, _) = root("server-ca", d);
    let (stranger_ca, _) = root("stranger-ca", d);
    let (server_cert, server_key) = issue(
        &server_ca,
        d,
        "localhost",
        r#""localhost", "127.0.0.1""#,
        "server",
        1,
    );
    issue(&client_ca, d, "iphone", "", "client", 2);
    issue(&client_ca, d, "lost-phone", "", "client", 3);
    issue(&stranger_ca, d, "mallory", "", "client", 4);
    let t = OffsetDateTime::now_utc();
    let crl = client_ca
        .crl(1, t - Duration::minutes(1), t + Duration::days(1))
        .with_entry(RevokedEntry {
            serial: vec![3],
            revoked_at: t,
            reason: None,
        })
        .build()
        .unwrap();
    let store = RevocationStore::builder([client_ca_der.as_ref()])
        .unwrap()
        .with_crls(crl.der(), "crl")
        .unwrap()
        .build()
        .unwrap();
    let port = |mode| {
        let verifier = Arc::new(
            ClientVerifier::builder(vec![client_ca_der.clone()])
                .with_revocation(store.clone(), RevocationPolicy::default())
                .with_mode(mode)
                .build()
                .unwrap(),
        );
        let config = ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier.clone())
        .with_single_cert(vec![server_cert.clone()], server_key.clone_key())
        .unwrap();
        serve(Arc::new(config), verifier)
    };
    let enforce = port(VerifyMode::Enforce);
    let report = port(VerifyMode::Report);
    Setup {
        dir,
        enforce,
        report,
    }
}

fn curl(s: &Setup, port: u16, client: Option<&str>) -> certgate_test_support::ToolOutput {
    let url = format!("https://localhost:{port}/");
    let mut args = vec!["-sS", "--max-time", "10", "--cacert", "server-ca.pem"];
    let (cert, key);
    if let Some(name) = client {
        cert = format!("{name}.pem");
        key = format!("{name}-key.pem");
        args.extend_from_slice(&["--cert", &cert, "--key", &key]);
    }
    args.push(&url);
    run("curl", &args, s.dir.path())
}

#[test]
fn curl_in_enforce_and_report_modes() {
    if !require_tool("curl") {
        return;
    }
    let s = setup();
    let good = curl(&s, s.enforce, Some("iphone"));
    assert!(
        good.success() && good.stdout == "hello iphone",
        "{}{}",
        good.stdout,
        good.stderr
    );
    for client in [Some("lost-phone"), Some("mallory"), None] {
        let out = curl(&s, s.enforce, client);
        assert!(!out.success(), "{client:?} got in: {}", out.stdout);
    }
    let out = curl(&s, s.report, Some("lost-phone"));
    assert!(
        out.success() && out.stdout.contains("refused: Some(Revoked)"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    let out = curl(&s, s.report, Some("mallory"));
    assert!(
        out.stdout.contains("refused: Some(UnknownIssuer)"),
        "{}",
        out.stdout
    );
    let out = curl(&s, s.report, None);
    assert!(out.stdout.contains("refused: None"), "{}", out.stdout);
    let out = curl(&s, s.report, Some("iphone"));
    assert_eq!(out.stdout, "hello iphone");
}

#[test]
fn openssl_s_client() {
    if !require_tool("openssl") {
        return;
    }
    let s = setup();
    let connect = format!("127.0.0.1:{}", s.enforce);
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let good = run_with_stdin(
        "openssl",
        &[
            "s_client",
            "-connect",
            &connect,
            "-servername",
            "localhost",
            "-CAfile",
            "server-ca.pem",
            "-cert",
            "iphone.pem",
            "-key",
            "iphone-key.pem",
            "-quiet",
        ],
        s.dir.path(),
        request,
    );
    assert!(
        good.stdout.contains("hello iphone"),
        "{}{}",
        good.stdout,
        good.stderr
    );
    let bad = run_with_stdin(
        "openssl",
        &[
            "s_client",
            "-connect",
            &connect,
            "-servername",
            "localhost",
            "-CAfile",
            "server-ca.pem",
            "-cert",
            "lost-phone.pem",
            "-key",
            "lost-phone-key.pem",
            "-quiet",
        ],
        s.dir.path(),
        request,
    );
    assert!(
        !bad.stdout.contains("hello") && bad.stderr.contains("certificate revoked"),
        "{}{}",
        bad.stdout,
        bad.stderr
    );
}

#[test]
fn python_ssl() {
    if !require_python_module("ssl") {
        return;
    }
    let s = setup();
    let script = r#"
import socket, ssl, sys
port, name = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile="server-ca.pem")
ctx.load_cert_chain(name + ".pem", name + "-key.pem")
try:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data = b""
            while chunk := tls.recv(4096):
                data += chunk
            print(data.decode().split("\r\n\r\n", 1)[1])
except ssl.SSLError as e:
    print("ssl error:", e.reason)
"#;
    let port = s.enforce.to_string();
    let good = run("python3", &["-c", script, &port, "iphone"], s.dir.path());
    assert_eq!(good.stdout.trim(), "hello iphone", "{}", good.stderr);
    let bad = run("python3", &["-c", script, &port, "mallory"], s.dir.path());
    assert!(
        bad.stdout.contains("ssl error"),
        "{}{}",
        bad.stdout,
        bad.stderr
    );
}

/// Serves HTTPS with the `ServerConfig` that `trust` picks from each ClientHello
/// (rustls' `Acceptor`), answering `200` with the client's CN; a connection `trust`
/// refuses is closed before any reply.
fn serve_hosts(trust: Arc<HostTrust>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut acceptor = Acceptor::default();
            let accepted = loop {
                if acceptor.read_tls(&mut stream).is_err() {
                    break None;
                }
                match acceptor.accept() {
                    Ok(Some(accepted)) => break Some(accepted),
                    Ok(None) => {}
                    Err(_) => break None,
                }
            };
            let Some(accepted) = accepted else { continue };
            let Some(config) = trust.select(&accepted.client_hello()) else {
                continue; // no host and no default: refused
            };
            let Ok(conn) = accepted.into_connection(config) else {
                continue;
            };
            let mut tls = StreamOwned::new(conn, stream);
            let mut buf = [0u8; 1024];
            if tls.read(&mut buf).is_err() {
                continue;
            }
            let cn = tls
                .conn
                .peer_certificates()
                .and_then(<[_]>::first)
                .and_then(|leaf| ClientCertInfo::from_der(leaf).ok())
                .and_then(|info| info.common_name())
                .unwrap_or_default();
            respond(&mut tls, "200 OK", &format!("hello {cn}"));
        }
    });
    port
}

#[test]
fn curl_reaches_each_host_with_its_own_ca_by_sni() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ca_a, ca_a_der) = root("ca-a", d);
    let (ca_b, ca_b_der) = root("ca-b", d);
    let (server_ca, _) = root("server-ca", d);
    let (server_cert, server_key) = issue(
        &server_ca,
        d,
        "server",
        r#""a.example.com", "x.b.example.com", "127.0.0.1""#,
        "server",
        1,
    );
    issue(&ca_a, d, "alice", "", "client", 2);
    issue(&ca_b, d, "bob", "", "client", 3);
    let resolver: Arc<dyn ResolvesServerCert> = Arc::new(SingleCertAndKey::from(
        CertifiedKey::from_der(
            vec![server_cert],
            server_key,
            &rustls::crypto::aws_lc_rs::default_provider(),
        )
        .unwrap(),
    ));
    let config_for = |anchor: &CertificateDer<'static>| {
        let verifier = Arc::new(
            ClientVerifier::builder(vec![anchor.clone()])
                .build()
                .unwrap(),
        );
        mtls_server_config(verifier, Arc::clone(&resolver), Resumption::Disabled).unwrap()
    };
    let trust = HostTrust::builder()
        .with_host("a.example.com", config_for(&ca_a_der))
        .unwrap()
        .with_host("*.b.example.com", config_for(&ca_b_der))
        .unwrap()
        .build()
        .unwrap();
    let port = serve_hosts(Arc::new(trust));
    let get = |host: &str, client: &str| {
        let url = format!("https://{host}:{port}/");
        let resolve = format!("{host}:{port}:127.0.0.1");
        let (cert, key) = (format!("{client}.pem"), format!("{client}-key.pem"));
        let mut args = vec!["-sS", "--max-time", "10", "--cacert", "server-ca.pem"];
        if host != "127.0.0.1" {
            args.extend_from_slice(&["--resolve", &resolve]);
        }
        args.extend_from_slice(&["--cert", &cert, "--key", &key, &url]);
        run("curl", &args, d)
    };

    let ok = get("a.example.com", "alice");
    assert!(ok.success(), "{}", ok.stderr);
    assert_eq!(ok.stdout, "hello alice");
    let ok = get("x.b.example.com", "bob");
    assert!(ok.success(), "{}", ok.stderr);
    assert_eq!(ok.stdout, "hello bob");
    // Each host refuses the other's clients in the handshake.
    assert!(!get("a.example.com", "bob").success());
    assert!(!get("x.b.example.com", "alice").success());
    // curl sends no SNI to an IP address; without a default the connection is refused.
    assert!(!get("127.0.0.1", "alice").success());
}

#[test]
fn openssl_s_client_resumes_until_the_crls_change() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (client_ca, client_ca_der) = root("client-ca", d);
    let (server_ca, _) = root("server-ca", d);
    let (server_cert, server_key) =
        issue(&server_ca, d, "localhost", r#""localhost""#, "server", 1);
    issue(&client_ca, d, "laptop", "", "client", 2);
    let store_revoking = |serials: &[u8], number: u64| {
        let t = OffsetDateTime::now_utc();
        let crl = client_ca
            .crl(number, t - Duration::minutes(1), t + Duration::days(1))
            .with_entries(serials.iter().map(|s| RevokedEntry {
                serial: vec![*s],
                revoked_at: t,
                reason: None,
            }))
            .build()
            .unwrap();
        RevocationStore::builder([client_ca_der.as_ref()])
            .unwrap()
            .with_crls(crl.der(), "crl")
            .unwrap()
            .build()
            .unwrap()
    };
    let store = store_revoking(&[9], 1);
    let verifier = Arc::new(
        ClientVerifier::builder(vec![client_ca_der.clone()])
            .with_revocation(store.clone(), RevocationPolicy::default())
            .build()
            .unwrap(),
    );
    let mut config = ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_client_cert_verifier(verifier.clone())
    .with_single_cert(vec![server_cert], server_key)
    .unwrap();
    certgate_verify::apply_resumption(&mut config, Resumption::TiedTo(store.clone()));
    let port = serve(Arc::new(config), verifier);
    let connect = format!("127.0.0.1:{port}");
    for version in ["-tls1_2", "-tls1_3"] {
        let s_client = |session: &str| {
            run_with_stdin(
                "openssl",
                &[
                    "s_client",
                    "-connect",
                    &connect,
                    "-servername",
                    "localhost",
                    version,
                    "-CAfile",
                    "server-ca.pem",
                    "-cert",
                    "laptop.pem",
                    "-key",
                    "laptop-key.pem",
                    "-ign_eof",
                    session,
                    "sess.pem",
                ],
                d,
                b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
            )
        };
        let first = s_client("-sess_out");
        assert!(
            first.stdout.contains("hello laptop"),
            "{version}: {}",
            first.stdout
        );
        let again = s_client("-sess_in");
        assert!(
            again.stdout.contains("Reused,") && again.stdout.contains("hello laptop"),
            "{version}: the session resumes while the CRLs stay: {}",
            again.stdout
        );
        // The laptop is revoked: its session must not carry it past the new CRL.
        store.replace_with(&store_revoking(&[2], 2));
        let after = s_client("-sess_in");
        assert!(
            !after.stdout.contains("Reused,") && !after.stdout.contains("hello laptop"),
            "{version}: {}{}",
            after.stdout,
            after.stderr
        );
        assert!(
            after.stderr.contains("certificate revoked"),
            "{version}: {}",
            after.stderr
        );
        store.replace_with(&store_revoking(&[9], 3));
    }
}
