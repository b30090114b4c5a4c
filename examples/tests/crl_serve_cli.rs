//! `certgate crl serve` as a process, on SQLite and PostgreSQL: curl fetches the CRL and
//! openssl verifies it; a `certgate revoke` reaches the served CRL with a higher CRL
//! Number; a short validity regenerates before nextUpdate; a database that stops
//! answering keeps the last good CRL served and counts failures; bad configurations and
//! a key without cRLSign are refused; and a gate fetching from it refuses a revoked device.

#![allow(clippy::unwrap_used)]

mod common;
mod gate_common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use certgate_test_support::require_tool;
use common::{CERTGATE, certgate, certgate_ok, mode, openssl, small_ca};
use gate_common::wait_until;

/// The databases a test runs against: a SQLite file in `dir`, and a fresh PostgreSQL
/// database when a server is configured.
fn databases(dir: &Path, test: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![(
        "sqlite",
        format!("sqlite://{}", dir.join(format!("{test}.db")).display()),
    )];
    if let Some(url) = certgate_test_support::postgres_database(test) {
        out.push(("postgres", url));
    }
    out
}

/// `certgate crl serve` running; killed when dropped.
struct Serve {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// Starts it in `dir` with `config` and waits for the address it listens on.
    fn start(dir: &Path, config: &str) -> Self {
        let mut child = Command::new(CERTGATE)
            .args(["crl", "serve", "--config", config])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some((_, addr)) = line.split_once("listening on ") {
                    let _ = tx.send(addr.trim().parse::<SocketAddr>().unwrap());
                }
                let mut log = kept.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = rx
            .recv_timeout(gate_common::PATIENCE)
            .unwrap_or_else(|_| panic!("no address: {}", log.lock().unwrap()));
        Self { child, addr, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The value of the metric sample `name` (0 when absent).
    fn metric(&self, name: &str) -> f64 {
        let text = curl_get(&self.url("/metrics"), &[]).body;
        let text = String::from_utf8_lossy(&text).into_owned();
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or(0.0)
    }

    /// SIGTERM, and the exit status.
    fn terminate(&mut self) -> i32 {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        self.child.wait().unwrap().code().unwrap_or(-1)
    }

    fn hangup(&self) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-HUP", &pid])
                .status()
                .unwrap()
                .success()
        );
    }
}

/// A response as curl saw it.
struct Fetched {
    status: u16,
    etag: Option<String>,
    body: Vec<u8>,
}

fn curl_get(url: &str, headers: &[&str]) -> Fetched {
    let dir = tempfile::tempdir().unwrap();
    let (head, body) = (dir.path().join("head"), dir.path().join("body"));
    let mut args = vec![
        "-sS".to_owned(),
        "--max-time".into(),
        "20".into(),
        "-D".into(),
        head.display().to_string(),
        "-o".into(),
        body.display().to_string(),
    ];
    for h in headers {
        args.push("-H".into());
        args.push((*h).to_owned());
    }
    args.push(url.to_owned());
    let out = Command::new("curl").args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "curl {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = std::fs::read_to_string(head).unwrap();
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let etag = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("etag")
            .then(|| value.trim().to_owned())
    });
    Fetched {
        status,
        etag,
        body: std::fs::read(body).unwrap_or_default(),
    }
}

/// The served CRL, saved as `name` (DER) in `dir`: checked by openssl against `ca.pem`;
/// its CRL Number and the text openssl prints.
fn fetch_and_verify(dir: &Path, serve: &Serve, path: &str, name: &str) -> (u64, String, String) {
    let got = curl_get(&serve.url(path), &[]);
    assert_eq!(got.status, 200, "{}", serve.log());
    std::fs::write(dir.join(name), &got.body).unwrap();
    let out = openssl(
        dir,
        &[
            "crl", "-inform", "DER", "-in", name, "-CAfile", "ca.pem", "-noout", "-text",
        ],
    );
    assert!(out.success(), "{}", out.stderr);
    assert!(out.stderr.contains("verify OK"), "{}", out.stderr);
    let number = out
        .stdout
        .lines()
        .skip_while(|l| !l.contains("X509v3 CRL Number"))
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (number, out.stdout, got.etag.unwrap())
}

/// A CA in `dir`, the database migrated, a device `phone` issued into it; the device's
/// serial (hex) and the CA's key id (hex).
fn pki(dir: &Path, url: &str) -> (String, String) {
    small_ca(dir);
    std::fs::write(
        dir.join("dev.json"),
        r#"{"CN": "phone-1", "key": {"algo": "ecdsa", "size": 256}}"#,
    )
    .unwrap();
    certgate_ok(dir, &["db", "migrate", "--db", url]);
    certgate_ok(
        dir,
        &[
            "gencert",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-config",
            "ca-config.json",
            "-profile",
            "client",
            "-db",
            url,
            "dev.json",
            "-bare",
            "phone",
        ],
    );
    let serial = openssl(dir, &["x509", "-in", "phone.pem", "-noout", "-serial"])
        .stdout
        .trim()
        .trim_start_matches("serial=")
        .to_ascii_lowercase();
    let info: serde_json::Value =
        serde_json::from_str(&certgate_ok(dir, &["certinfo", "-cert", "phone.pem"]).stdout)
            .unwrap();
    let aki = info["authority_key_id"]
        .as_str()
        .unwrap()
        .replace(':', "")
        .to_ascii_lowercase();
    (serial, aki)
}

/// A configuration for one issuer `root` at `/crl/root.crl`.
fn write_config(dir: &Path, url: &str, validity: &str, refresh_before: &str) -> PathBuf {
    let path = dir.join("crl-serve.toml");
    std::fs::write(
        &path,
        format!(
            "listen = \"127.0.0.1:0\"\ndb = \"{url}\"\noutput_dir = \"public\"\n\
             poll_interval = \"500ms\"\n\n[[issuers]]\nname = \"root\"\nca = \"ca.pem\"\n\
             key = \"ca-key.pem\"\npath = \"/crl/root.crl\"\nvalidity = \"{validity}\"\n\
             refresh_before = \"{refresh_before}\"\n"
        ),
    )
    .unwrap();
    path
}

fn revoke(dir: &Path, url: &str, serial: &str, aki: &str) {
    certgate_ok(
        dir,
        &[
            "revoke",
            "-db",
            url,
            "-serial",
            serial,
            "-aki",
            aki,
            "-reason",
            "keyCompromise",
        ],
    );
}

#[test]
fn a_revocation_reaches_the_served_crl_with_a_higher_number() {
    if !require_tool("openssl") || !require_tool("curl") {
        return;
    }
    let base = tempfile::tempdir().unwrap();
    for (backend, url) in databases(base.path(), "crl_serve_revoke") {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let (serial, aki) = pki(dir, &url);
        write_config(dir, &url, "7d", "2d");
        let mut serve = Serve::start(dir, "crl-serve.toml");
        wait_until("the first CRL", || {
            curl_get(&serve.url("/crl/root.crl"), &[]).status == 200
        });
        let (first, text, old_etag) = fetch_and_verify(dir, &serve, "/crl/root.crl", "a.crl");
        assert!(
            text.contains("No Revoked Certificates"),
            "{backend}: {text}"
        );
        // The files: DER and PEM, 0644.
        let public = dir.join("public");
        assert_eq!(
            std::fs::read(public.join("root.crl")).unwrap(),
            std::fs::read(dir.join("a.crl")).unwrap()
        );
        assert!(
            std::fs::read_to_string(public.join("root.crl.pem"))
                .unwrap()
                .starts_with("-----BEGIN X509 CRL-----")
        );
        assert_eq!(mode(&public.join("root.crl")), 0o644);
        assert_eq!(mode(&public.join("root.crl.pem")), 0o644);

        revoke(dir, &url, &serial, &aki);
        wait_until("the revocation served", || {
            curl_get(&serve.url("/crl/root.crl"), &[]).etag.as_deref() != Some(&old_etag)
        });
        let (second, text, new_etag) = fetch_and_verify(dir, &serve, "/crl/root.crl", "b.crl");
        assert!(second > first, "{backend}: {second} after {first}");
        let listed = serial.to_ascii_uppercase();
        assert!(
            text.contains(&format!("Serial Number: {listed}")),
            "{backend}: {text}"
        );
        assert!(text.contains("Key Compromise"), "{text}");
        // The old validator gets the new CRL; the new one a 304.
        let old = curl_get(
            &serve.url("/crl/root.crl"),
            &[&format!("If-None-Match: {old_etag}")],
        );
        assert_eq!(old.status, 200);
        let new = curl_get(
            &serve.url("/crl/root.crl"),
            &[&format!("If-None-Match: {new_etag}")],
        );
        assert_eq!(new.status, 304);
        assert_eq!(
            serve.metric("certgate_crl_number{path=\"/crl/root.crl\"}"),
            second as f64
        );
        assert_eq!(
            serve.metric("certgate_crl_entries{path=\"/crl/root.crl\"}"),
            1.0
        );
        assert_eq!(serve.terminate(), 0, "{}", serve.log());
    }
}

#[test]
fn a_short_validity_regenerates_before_next_update() {
    if !require_tool("openssl") || !require_tool("curl") {
        return;
    }
    let base = tempfile::tempdir().unwrap();
    for (_, url) in databases(base.path(), "crl_serve_refresh") {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        pki(dir, &url);
        write_config(dir, &url, "12s", "10s");
        let serve = Serve::start(dir, "crl-serve.toml");
        wait_until("the first CRL", || {
            serve.metric("certgate_crl_published_total{path=\"/crl/root.crl\"}") >= 1.0
        });
        let (first, text, _) = fetch_and_verify(dir, &serve, "/crl/root.crl", "a.crl");
        // nextUpdate is thisUpdate + validity.
        let times: Vec<&str> = text
            .lines()
            .filter_map(|l| {
                l.trim()
                    .strip_prefix("Last Update: ")
                    .or_else(|| l.trim().strip_prefix("Next Update: "))
            })
            .collect();
        assert_eq!(times.len(), 2, "{text}");
        wait_until("a regeneration without a revocation", || {
            serve.metric("certgate_crl_published_total{path=\"/crl/root.crl\"}") >= 2.0
        });
        let (second, _, _) = fetch_and_verify(dir, &serve, "/crl/root.crl", "b.crl");
        assert!(second > first);
        let left = serve.metric("certgate_crl_next_update_seconds{path=\"/crl/root.crl\"}");
        assert!(left > 0.0 && left <= 12.0, "{left}");
    }
}

/// Holds an exclusive lock on a SQLite database until killed.
fn lock_sqlite(db: &Path) -> Child {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys, time\n\
             c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
             c.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\ntime.sleep(600)\n",
        ])
        .arg(db)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    child
}

/// Closes a PostgreSQL database to new connections and ends the open ones (`allow`
/// false), or opens it again.
fn postgres_allow(url: &str, allow: bool) {
    let admin = certgate_test_support::postgres_url().unwrap();
    let name = url.rsplit('/').next().unwrap().split('?').next().unwrap();
    let mut sql = format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {allow}");
    if !allow {
        sql.push_str(&format!(
            "; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ));
    }
    let out = Command::new("psql")
        .args([admin.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", &sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_database_that_stops_answering_keeps_the_last_good_crl() {
    if !require_tool("openssl") || !require_tool("curl") || !require_tool("python3") {
        return;
    }
    let base = tempfile::tempdir().unwrap();
    for (backend, url) in databases(base.path(), "crl_serve_down") {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        pki(dir, &url);
        write_config(dir, &url, "12s", "10s");
        let serve = Serve::start(dir, "crl-serve.toml");
        let failures = "certgate_crl_regeneration_failures_total{path=\"/crl/root.crl\"}";
        wait_until("the first CRL", || {
            curl_get(&serve.url("/crl/root.crl"), &[]).status == 200
        });
        let lock = match backend {
            "sqlite" => Some(lock_sqlite(Path::new(url.trim_start_matches("sqlite://")))),
            _ => {
                postgres_allow(&url, false);
                None
            }
        };
        wait_until("two failures counted", || serve.metric(failures) >= 2.0);
        let last_good = curl_get(&serve.url("/crl/root.crl"), &[]);
        assert_eq!(last_good.status, 200);
        fetch_and_verify(dir, &serve, "/crl/root.crl", "kept.crl");
        assert!(
            serve
                .log()
                .contains("regeneration failed, the last good CRL stays served"),
            "{}",
            serve.log()
        );
        // The database back: the next regeneration succeeds.
        match lock {
            Some(mut child) => {
                child.kill().unwrap();
                child.wait().unwrap();
            }
            None => postgres_allow(&url, true),
        }
        let published = serve.metric("certgate_crl_published_total{path=\"/crl/root.crl\"}");
        wait_until("a CRL after the outage", || {
            serve.metric("certgate_crl_published_total{path=\"/crl/root.crl\"}") > published
        });
    }
}

#[test]
fn bad_configurations_exit_1_naming_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_ca(dir);
    let url = format!("sqlite://{}", dir.join("c.db").display());
    certgate_ok(dir, &["db", "migrate", "--db", &url]);
    let good = std::fs::read_to_string(write_config(dir, &url, "7d", "2d")).unwrap();
    for (text, expect) in [
        (format!("{good}bogus = 1\n"), "bogus"),
        (
            good.replace("refresh_before = \"2d\"", "refresh_before = \"8d\""),
            "issuers[0].refresh_before",
        ),
        (
            good.replace("validity = \"7d\"", "validity = \"seven days\""),
            "issuers[0].validity",
        ),
        (
            good.replace("listen = \"127.0.0.1:0\"", "listen = \"localhost\""),
            "listen",
        ),
        (
            good.replace("path = \"/crl/root.crl\"", "path = \"crl/root.crl\""),
            "issuers[0].path",
        ),
        (good.replace("output_dir = \"public\"\n", ""), "output_dir"),
        (
            good.replace(
                "key = \"ca-key.pem\"",
                "key = \"ca-key.pem\"\nkey_password = \"pass:x\"",
            ),
            "issuers[0].key_password",
        ),
    ] {
        std::fs::write(dir.join("bad.toml"), &text).unwrap();
        let out = certgate(dir, &["crl", "serve", "--config", "bad.toml"]);
        assert_eq!(out.status, 1, "{text}: {}", out.stderr);
        assert!(out.stderr.contains(expect), "{expect}: {}", out.stderr);
        assert!(out.stderr.contains("bad.toml"), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
    let out = certgate(dir, &["crl", "serve", "--config", "missing.toml"]);
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("missing.toml"), "{}", out.stderr);
}

#[test]
fn a_signing_key_without_crl_sign_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let url = format!("sqlite://{}", dir.join("c.db").display());
    pki(dir, &url);
    let config = std::fs::read_to_string(write_config(dir, &url, "7d", "2d")).unwrap();
    // The device's own certificate and key: no cRLSign.
    std::fs::write(
        dir.join("crl-serve.toml"),
        config.replace(
            "key = \"ca-key.pem\"",
            "key = \"phone-key.pem\"\nsigning_cert = \"phone.pem\"",
        ),
    )
    .unwrap();
    let out = certgate(dir, &["crl", "serve", "--config", "crl-serve.toml"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("phone.pem") && out.stderr.contains("cRLSign"),
        "{}",
        out.stderr
    );
    // The CA's key with another key's name: not the certificate's key.
    std::fs::write(
        dir.join("crl-serve.toml"),
        config.replace("key = \"ca-key.pem\"", "key = \"phone-key.pem\""),
    )
    .unwrap();
    let out = certgate(dir, &["crl", "serve", "--config", "crl-serve.toml"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stderr.contains("phone-key.pem"), "{}", out.stderr);
}

#[test]
fn sighup_reloads_the_configuration() {
    if !require_tool("openssl") || !require_tool("curl") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let url = format!("sqlite://{}", dir.join("c.db").display());
    pki(dir, &url);
    let config = std::fs::read_to_string(write_config(dir, &url, "7d", "2d")).unwrap();
    let serve = Serve::start(dir, "crl-serve.toml");
    wait_until("the first CRL", || {
        curl_get(&serve.url("/crl/root.crl"), &[]).status == 200
    });
    // A broken file: logged, the running configuration kept.
    std::fs::write(dir.join("crl-serve.toml"), format!("{config}bogus = 1\n")).unwrap();
    serve.hangup();
    wait_until("the failed reload logged", || {
        serve.log().contains("reload failed")
    });
    assert_eq!(curl_get(&serve.url("/crl/root.crl"), &[]).status, 200);
    // A new path: served after the reload (same address), the old one gone.
    std::fs::write(
        dir.join("crl-serve.toml"),
        config
            .replace(
                "listen = \"127.0.0.1:0\"",
                &format!("listen = \"{}\"", serve.addr),
            )
            .replace("/crl/root.crl", "/pki/root.crl"),
    )
    .unwrap();
    serve.hangup();
    wait_until("the new path served", || {
        curl_get(&serve.url("/pki/root.crl"), &[]).status == 200
    });
    assert_eq!(curl_get(&serve.url("/crl/root.crl"), &[]).status, 404);
    fetch_and_verify(dir, &serve, "/pki/root.crl", "reloaded.crl");
}

/// The gate (report mode) with its CRL fetched from `url` every second.
fn gate_fetching(
    url: &str,
) -> (
    gate_common::World,
    gate_common::Origin,
    gate_common::GateProcess,
) {
    gate_common::gate_with_config("report", "", |config| {
        config
            .lines()
            .map(|l| {
                if l.starts_with("crls = ") {
                    format!(
                        "crl_urls = [\"{url}\"]\ncrl_fetch_interval = \"1s\"\ncrl_fetch_timeout = \"5s\""
                    )
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    })
}

#[test]
fn a_gate_fetching_from_crl_serve_refuses_a_device_after_revoke() {
    if !gate_common::need_curl_and_python() {
        return;
    }
    let base = tempfile::tempdir().unwrap();
    for (backend, url) in databases(base.path(), "crl_serve_gate") {
        // The crl serve port first, then the gate pointed at it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let crl_url = format!("http://127.0.0.1:{port}/crl/root.crl");
        let (world, _origin, gate) = gate_fetching(&crl_url);
        let dir = world.dir.path();
        // The lab's CA and devices in the database.
        let root = dir.join("root");
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let store = certgate_db::CertStore::open_and_migrate(
                    &certgate_db::DbUrl::parse(&url).unwrap(),
                )
                .await
                .unwrap();
                for device in [&world.iphone, &world.laptop] {
                    store
                        .record(&certgate_db::NewCertificate::from_der(&device.der, None).unwrap())
                        .await
                        .unwrap();
                }
                store.close().await;
            });
        write_config(&root, &url, "7d", "2d");
        let text = std::fs::read_to_string(root.join("crl-serve.toml"))
            .unwrap()
            .replace("127.0.0.1:0", &format!("127.0.0.1:{port}"));
        std::fs::write(root.join("crl-serve.toml"), text).unwrap();
        let _serve = Serve::start(&root, "crl-serve.toml");
        let status = |device| gate_common::curl(&gate, &world, Some(device), &[], "/").0;
        wait_until("the gate's first CRL", || status(&world.iphone) == 200);
        let aki = certgate_x509::CertView::parse(&world.iphone.der)
            .unwrap()
            .authority_key_id()
            .unwrap()
            .unwrap()
            .key_id
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        revoke(&root, &url, "11", &aki);
        wait_until("the iphone refused", || status(&world.iphone) == 403);
        assert_eq!(status(&world.laptop), 200, "{backend}");
    }
}

/// A certificate for a new key, issued by the CA in `dir` with only cRLSign: CN `cn`
/// (`Test CA` is the CA's own name). Writes `BARE.pem` and `BARE-key.pem`.
fn crl_signer(dir: &Path, cn: &str, bare: &str) {
    std::fs::write(
        dir.join("crl-signer-config.json"),
        r#"{"signing": {"default": {"expiry": "8760h"},
            "profiles": {"crl": {"usages": ["crl sign"], "expiry": "8760h"}}}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("{bare}.json")),
        format!(r#"{{"CN": "{cn}", "key": {{"algo": "ecdsa", "size": 256}}}}"#),
    )
    .unwrap();
    certgate_ok(
        dir,
        &[
            "gencert",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-config",
            "crl-signer-config.json",
            "-profile",
            "crl",
            &format!("{bare}.json"),
            "-bare",
            bare,
        ],
    );
}

#[test]
fn a_dedicated_crl_signing_key_of_the_ca_signs_with_its_own_aki() {
    if !require_tool("openssl") || !require_tool("curl") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let url = format!("sqlite://{}", dir.join("c.db").display());
    let (serial, aki) = pki(dir, &url);
    crl_signer(dir, "Test CA", "crl-signer");
    let config = std::fs::read_to_string(write_config(dir, &url, "7d", "2d")).unwrap();
    std::fs::write(
        dir.join("crl-serve.toml"),
        config.replace(
            "key = \"ca-key.pem\"",
            "key = \"crl-signer-key.pem\"\nsigning_cert = \"crl-signer.pem\"",
        ),
    )
    .unwrap();
    let serve = Serve::start(dir, "crl-serve.toml");
    wait_until("the first CRL", || {
        curl_get(&serve.url("/crl/root.crl"), &[]).status == 200
    });
    revoke(dir, &url, &serial, &aki);
    wait_until("the revocation served", || {
        serve.metric("certgate_crl_entries{path=\"/crl/root.crl\"}") == 1.0
    });
    std::fs::write(
        dir.join("d.crl"),
        curl_get(&serve.url("/crl/root.crl"), &[]).body,
    )
    .unwrap();
    // The CA's name as issuer, the dedicated key's signature and key identifier.
    let out = openssl(
        dir,
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "d.crl",
            "-CAfile",
            "crl-signer.pem",
            "-noout",
            "-text",
        ],
    );
    assert!(out.stderr.contains("verify OK"), "{}", out.stderr);
    assert!(
        out.stdout.contains("Issuer: CN = Test CA"),
        "{}",
        out.stdout
    );
    let signer_info: serde_json::Value =
        serde_json::from_str(&certgate_ok(dir, &["certinfo", "-cert", "crl-signer.pem"]).stdout)
            .unwrap();
    let ski = signer_info["subject_key_id"]
        .as_str()
        .unwrap()
        .to_ascii_uppercase();
    assert!(out.stdout.contains(&ski), "{ski}: {}", out.stdout);
    let by_ca = openssl(
        dir,
        &[
            "crl", "-inform", "DER", "-in", "d.crl", "-CAfile", "ca.pem", "-noout",
        ],
    );
    assert!(!by_ca.stderr.contains("verify OK"), "{}", by_ca.stderr);
}

#[test]
fn a_crl_signing_key_of_another_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let url = format!("sqlite://{}", dir.join("c.db").display());
    pki(dir, &url);
    crl_signer(dir, "Somebody Else", "other-signer");
    let config = std::fs::read_to_string(write_config(dir, &url, "7d", "2d")).unwrap();
    std::fs::write(
        dir.join("crl-serve.toml"),
        config.replace(
            "key = \"ca-key.pem\"",
            "key = \"other-signer-key.pem\"\nsigning_cert = \"other-signer.pem\"",
        ),
    )
    .unwrap();
    let out = certgate(dir, &["crl", "serve", "--config", "crl-serve.toml"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("subject is not the CA's name"),
        "{}",
        out.stderr
    );
}
