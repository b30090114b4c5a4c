//! The gate fetching its CRL over HTTP (`crl_urls`) from a real server, Python's
//! `http.server` (which answers `If-Modified-Since` with 304): a revocation published
//! there refuses the device; a server that is down, a bad CRL or an older one keep the
//! last good CRL and are counted; before the first good fetch the gate fails closed.

#![allow(clippy::unwrap_used)]

mod gate_common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use certgate_examples::lab::{Device, Keys, Lab};
use gate_common::{GateProcess, Origin, World, curl, gate_with_config, need_curl_and_python};

/// A directory served by `python3 -m http.server`, its request log kept.
struct CrlServer {
    child: Child,
    port: u16,
    https: bool,
    dir: tempfile::TempDir,
    log: PathBuf,
    published: u64,
}

impl Drop for CrlServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `http.server`'s file handler on 127.0.0.1, port chosen by the system (printed first),
/// over TLS when a certificate and key follow the directory.
const SERVER: &str = r#"
import functools, http.server, ssl, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
if len(sys.argv) > 2:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
print(httpd.server_address[1], flush=True)
httpd.serve_forever()
"#;

impl CrlServer {
    fn start() -> Self {
        Self::start_with(None)
    }

    /// Serves over TLS with `tls` (certificate and key files) when given.
    fn start_with(tls: Option<(&Path, &Path)>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let www = dir.path().join("www");
        std::fs::create_dir_all(&www).unwrap();
        let log = dir.path().join("http-server.log");
        let mut command = Command::new("python3");
        command.args(["-c", SERVER]).arg(&www);
        if let Some((cert, key)) = tls {
            command.arg(cert).arg(key);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("no port in {line:?}"));
        Self {
            child,
            port,
            https: tls.is_some(),
            dir,
            log,
            published: 0,
        }
    }

    fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}/crl.pem", self.port)
    }

    /// Replaces the served file atomically, with a modification time later than the
    /// last one by whole seconds (HTTP dates have no finer resolution).
    fn publish(&mut self, bytes: &[u8]) {
        self.publish_with(|tmp| std::fs::write(tmp, bytes).unwrap());
    }

    /// Serves a file of `len` zero bytes (sparse) as the CRL.
    fn publish_huge(&mut self, len: u64) {
        self.publish_with(|tmp| std::fs::File::create(tmp).unwrap().set_len(len).unwrap());
    }

    fn publish_with(&mut self, write: impl FnOnce(&Path)) {
        self.published += 1;
        let www = self.dir.path().join("www");
        let tmp = www.join(".crl.pem.tmp");
        write(&tmp);
        let mtime = SystemTime::now() + Duration::from_secs(10 * self.published);
        std::fs::File::options()
            .write(true)
            .open(&tmp)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        std::fs::rename(&tmp, www.join("crl.pem")).unwrap();
    }

    /// Publishes the lab's CRL revoking `revoked` (a new CRL Number each time).
    fn publish_revoking(&mut self, world: &World, revoked: &[&Device]) {
        let path = world.lab.write_crl(revoked).unwrap();
        self.publish(&std::fs::read(path).unwrap());
    }

    /// The requests logged so far (`"GET /crl.pem HTTP/1.1" 304 -`).
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lab's gate (report mode) with its CRL fetched from `url` every second instead of
/// read from a file.
fn gate_fetching(url: &str) -> (World, Origin, GateProcess) {
    gate_with_config("report", "", |config| fetch_from(&config, url, ""))
}

/// The configuration `config` with its `crls` line replaced by `url`, fetched every
/// second, and `extra` trust lines.
fn fetch_from(config: &str, url: &str, extra: &str) -> String {
    gate_common::without_crl_files(
        config,
        &format!(
            "crl_urls = [\"{url}\"]\ncrl_fetch_interval = \"1s\"\ncrl_fetch_timeout = \"5s\"\n{extra}"
        ),
    )
}

/// The sample of `certgate_crl_fetch_total` for `url` and `result`.
fn fetches(url: &str, result: &str) -> String {
    format!("certgate_crl_fetch_total{{url=\"{url}\",result=\"{result}\"}}")
}

/// The device's status through the gate, and the denial's JSON body.
fn status_of(gate: &GateProcess, world: &World, device: &Device) -> (u16, String) {
    curl(
        gate,
        world,
        Some(device),
        &["-H", "Accept: application/json"],
        "/",
    )
}

#[test]
fn a_revocation_published_at_the_url_refuses_the_device_and_refetches_are_conditional() {
    if !need_curl_and_python() {
        return;
    }
    let mut server = CrlServer::start();
    let url = server.url();
    let (world, _origin, gate) = gate_fetching(&url);
    // Nothing served yet (404): no CRL, so the gate fails closed (the verdict is
    // revocation-unknown; the page names its class).
    gate.wait_metric(&fetches(&url, "http-status"), 1.0);
    let (status, body) = status_of(&gate, &world, &world.iphone);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("invalid-certificate"), "{body}");
    assert!(gate.log().contains("404 Not Found"), "{}", gate.log());

    server.publish_revoking(&world, &[]);
    gate.wait_metric(&fetches(&url, "updated"), 1.0);
    assert_eq!(status_of(&gate, &world, &world.iphone).0, 200);
    // The next fetches are conditional: the server answers 304.
    gate.wait_metric(&fetches(&url, "not-modified"), 1.0);
    assert!(
        server.log().contains("\"GET /crl.pem HTTP/1.1\" 304"),
        "{}",
        server.log()
    );

    server.publish_revoking(&world, &[&world.iphone]);
    gate_common::wait_until("the iphone refused", || {
        status_of(&gate, &world, &world.iphone).0 == 403
    });
    let (_, body) = status_of(&gate, &world, &world.iphone);
    assert!(body.contains("revoked"), "{body}");
    assert_eq!(status_of(&gate, &world, &world.laptop).0, 200);
    assert!(
        gate.metric(&format!(
            "certgate_crl_fetch_last_success_timestamp_seconds{{url=\"{url}\"}}"
        )) > 0.0,
        "{}",
        gate.metrics_text()
    );
}

#[test]
fn a_bad_or_older_crl_served_keeps_the_last_good_one() {
    if !need_curl_and_python() {
        return;
    }
    let mut server = CrlServer::start();
    let url = server.url();
    let (world, _origin, gate) = gate_fetching(&url);
    server.publish_revoking(&world, &[&world.iphone]);
    gate.wait_metric(&fetches(&url, "updated"), 1.0);
    let older = std::fs::read(world.lab.dir.join("crl.pem")).unwrap();
    server.publish_revoking(&world, &[&world.iphone]);
    gate.wait_metric(&fetches(&url, "updated"), 2.0);

    // An HTML error page served as the CRL.
    server.publish(b"<html><body>503 Service Unavailable</body></html>");
    gate.wait_metric(&fetches(&url, "bad-crl"), 1.0);
    assert_eq!(status_of(&gate, &world, &world.iphone).0, 403);
    assert_eq!(status_of(&gate, &world, &world.laptop).0, 200);
    // A CRL of another CA (of the same name: only the signature tells).
    let other_dir = tempfile::tempdir().unwrap();
    let other = Lab::create(other_dir.path(), Keys::Fast, None).unwrap();
    server.publish(&std::fs::read(other.write_crl(&[]).unwrap()).unwrap());
    gate.wait_metric(&fetches(&url, "bad-crl"), 2.0);
    // A body above the limit (its Content-Length says so).
    server.publish_huge(certgate_gate::MAX_CRL_FETCH_BYTES as u64 + 1);
    gate.wait_metric(&fetches(&url, "too-large"), 1.0);
    assert_eq!(status_of(&gate, &world, &world.iphone).0, 403);
    // The CRL before the one in force (validly signed, a lower CRL Number): a rollback.
    let before = gate.metric(&fetches(&url, "bad-crl"));
    server.publish(&older);
    gate.wait_metric(&fetches(&url, "bad-crl"), before + 1.0);
    let (status, body) = status_of(&gate, &world, &world.iphone);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("revoked"), "{body}");
    assert!(gate.log().contains("CRL fetch failed"), "{}", gate.log());
}

#[test]
fn a_server_that_is_down_keeps_the_last_good_crl_and_is_counted() {
    if !need_curl_and_python() {
        return;
    }
    let mut server = CrlServer::start();
    let url = server.url();
    let (world, _origin, gate) = gate_fetching(&url);
    server.publish_revoking(&world, &[&world.laptop]);
    gate.wait_metric(&fetches(&url, "updated"), 1.0);
    server.stop();
    gate.wait_metric(&fetches(&url, "connect-error"), 2.0);
    assert_eq!(status_of(&gate, &world, &world.iphone).0, 200);
    let (status, body) = status_of(&gate, &world, &world.laptop);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("revoked"), "{body}");
    let log = gate.log();
    assert!(
        log.lines()
            .any(|l| l.contains("CRL fetch failed") && l.contains("connect-error")),
        "{log}"
    );
    // A configuration reload while the server is down: the new hosts start with the
    // CRL fetched before (without it, the iPhone would be refused as unknown).
    let policy = world.lab.dir.join("policies.toml");
    let text = std::fs::read(&policy).unwrap();
    std::fs::write(&policy, [text.as_slice(), b"\n"].concat()).unwrap();
    gate.wait_metric("certgate_gate_reloads_total", 1.0);
    assert_eq!(status_of(&gate, &world, &world.iphone).0, 200);
    assert_eq!(status_of(&gate, &world, &world.laptop).0, 403);
}

#[test]
fn an_https_url_is_fetched_with_the_configured_roots() {
    if !need_curl_and_python() {
        return;
    }
    let world = gate_common::world();
    let origin = gate_common::echo_origin();
    let (cert, key) = world.lab.server().unwrap();
    let mut server = CrlServer::start_with(Some((&cert, &key)));
    let url = server.url();
    server.publish_revoking(&world, &[&world.laptop]);
    let config = world
        .lab
        .write_gate_config(
            &format!("http://127.0.0.1:{}", origin.port),
            "127.0.0.1:0",
            "report",
            "",
        )
        .unwrap();
    // The lab's CA signed the CRL server's certificate: trusted only through crl_fetch_ca.
    let extra = format!("crl_fetch_ca = \"{}\"", world.lab.ca_pem.display());
    let text = fetch_from(&std::fs::read_to_string(&config).unwrap(), &url, &extra);
    std::fs::write(&config, text).unwrap();
    let gate = GateProcess::start(&config, world.dir.path().join("gate.log"));
    gate.wait_metric(&fetches(&url, "updated"), 1.0);
    assert_eq!(status_of(&gate, &world, &world.iphone).0, 200);
    assert_eq!(status_of(&gate, &world, &world.laptop).0, 403);
    assert!(server.log().contains("GET /crl.pem"), "{}", server.log());
}

#[test]
fn a_server_that_never_answers_times_out_and_the_gate_fails_closed() {
    if !need_curl_and_python() {
        return;
    }
    // Accepts connections and holds them, silent.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/crl.pem", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let (world, _origin, gate) = gate_with_config("report", "", |config| {
        fetch_from(&config, &url, "")
            .replace("crl_fetch_timeout = \"5s\"", "crl_fetch_timeout = \"1s\"")
    });
    gate.wait_metric(&fetches(&url, "timeout"), 1.0);
    assert_eq!(status_of(&gate, &world, &world.iphone).0, 403);
    assert!(gate.log().contains("no answer within"), "{}", gate.log());
}
