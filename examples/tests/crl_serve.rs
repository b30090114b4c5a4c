//! The HTTP side of `certgate crl serve` (`certgate_examples::crl_serve`), over real
//! sockets: curl's conditional GETs and HEAD, `openssl crl` reading the served body,
//! the copy written atomically to disk, metrics and health, graceful shutdown, and the
//! gate's CRL fetcher consuming it.

#![allow(clippy::unwrap_used)]

mod gate_common;

use std::net::SocketAddr;
use std::process::Command;
use std::thread::JoinHandle;

use certgate_ca::RevokedEntry;
use certgate_examples::crl_serve::{CrlPublication, CrlPublisher, CrlServeError};
use certgate_examples::lab::{Keys, Lab};
use certgate_test_support::require_tool;
use time::{Duration, OffsetDateTime};

const ROOT: &str = "/crl/root.crl";
const LATER: &str = "/crl/later.crl";

/// A publisher serving on 127.0.0.1 from a thread of its own, until dropped.
struct Running {
    publisher: CrlPublisher,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    fn start(publisher: CrlPublisher) -> Self {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = publisher.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                serving
                    .serve(listener, async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        Self {
            publisher,
            addr: addr_rx.recv().unwrap(),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Signals the shutdown and waits for `serve` to return.
    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// A CRL of `lab`'s CA numbered `number`, revoking `serials`, valid for a day.
fn crl(lab: &Lab, number: u64, serials: &[&[u8]]) -> CrlPublication {
    let t = OffsetDateTime::now_utc();
    let mut builder = lab
        .ca
        .crl(number, t - Duration::minutes(5), t + Duration::days(1));
    for serial in serials {
        builder = builder.with_entry(RevokedEntry {
            serial: serial.to_vec(),
            revoked_at: t - Duration::minutes(1),
            reason: None,
        });
    }
    CrlPublication::from_der(builder.build().unwrap().der().to_vec()).unwrap()
}

/// curl `args`: (status, the response head, body).
fn curl(args: &[&str]) -> (u16, String, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let headers = dir.path().join("headers");
    let body = dir.path().join("body");
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20", "-D"])
        .arg(&headers)
        .arg("-o")
        .arg(&body)
        .args(["-w", "%{http_code}"])
        .args(args)
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    (
        status,
        std::fs::read_to_string(&headers).unwrap_or_default(),
        std::fs::read(&body).unwrap_or_default(),
    )
}

/// The value of header `name` (lowercase) in curl's dump.
fn header<'a>(headers: &'a str, name: &str) -> &'a str {
    headers
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then_some(v)
        })
        .unwrap_or_else(|| panic!("no {name} in {headers}"))
        .trim()
}

fn lab() -> (tempfile::TempDir, Lab) {
    let dir = tempfile::tempdir().unwrap();
    let lab = Lab::create(dir.path(), Keys::Fast, None).unwrap();
    (dir, lab)
}

#[test]
fn served_crls_answer_conditional_gets_and_head() {
    if !require_tool("curl") {
        return;
    }
    let (_dir, lab) = lab();
    let publisher = CrlPublisher::builder([ROOT, LATER]).build().unwrap();
    let mut server = Running::start(publisher);
    let url = server.url(ROOT);
    // Configured but not published yet: 503; not configured: 404.
    assert_eq!(curl(&[&url]).0, 503);
    assert_eq!(curl(&[&server.url("/crl/other.crl")]).0, 404);

    let published = crl(&lab, 1, &[&[0x11]]);
    server.publisher.publish(ROOT, published.clone()).unwrap();
    let (status, headers, body) = curl(&[&url]);
    assert_eq!(status, 200, "{headers}");
    assert_eq!(body, published.der.as_ref());
    assert_eq!(header(&headers, "content-type"), "application/pkix-crl");
    let etag = header(&headers, "etag").to_owned();
    let sha256 = certgate_x509::Sha256Fingerprint::of(&published.der).to_hex();
    assert_eq!(etag, format!("\"{sha256}\""));
    let last_modified = header(&headers, "last-modified").to_owned();
    let max_age: u64 = header(&headers, "cache-control")
        .strip_prefix("public, max-age=")
        .unwrap()
        .parse()
        .unwrap();
    // A day from now, less the five-minute margin (and the seconds this test took).
    assert!((80_000..=86_400 - 300).contains(&max_age), "{max_age}");

    // Conditional GETs: the ETag (strong or weak), the date; other values get the CRL.
    for condition in [
        format!("If-None-Match: {etag}"),
        format!("If-None-Match: \"x\", W/{etag}"),
        "If-None-Match: *".to_owned(),
        format!("If-Modified-Since: {last_modified}"),
    ] {
        let (status, headers, body) = curl(&["-H", &condition, &url]);
        assert_eq!(status, 304, "{condition}: {headers}");
        assert!(body.is_empty(), "{condition}");
        assert_eq!(header(&headers, "etag"), etag);
    }
    for condition in [
        "If-None-Match: \"another\"".to_owned(),
        "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT".to_owned(),
        // If-None-Match wins over If-Modified-Since.
        format!("If-None-Match: \"another\"\r\nIf-Modified-Since: {last_modified}"),
    ] {
        let mut args = Vec::new();
        for line in condition.split("\r\n") {
            args.extend(["-H", line]);
        }
        args.push(&url);
        let (status, _, body) = curl(&args);
        assert_eq!(status, 200, "{condition}");
        assert_eq!(body, published.der.as_ref());
    }

    // HEAD: the headers, the length, no body (curl -I writes the head as its output).
    let (status, headers, output) = curl(&["-I", &url]);
    assert_eq!(status, 200);
    assert_eq!(String::from_utf8(output).unwrap(), headers);
    assert_eq!(
        header(&headers, "content-length"),
        published.der.len().to_string()
    );
    assert_eq!(header(&headers, "etag"), etag);
    // Other methods: 405.
    assert_eq!(curl(&["-X", "POST", &url]).0, 405);

    // A new publication: a new ETag; the old one no longer matches.
    let next = crl(&lab, 2, &[&[0x11], &[0x12]]);
    server.publisher.publish(ROOT, next.clone()).unwrap();
    let (status, headers, body) = curl(&["-H", &format!("If-None-Match: {etag}"), &url]);
    assert_eq!(status, 200);
    assert_eq!(body, next.der.as_ref());
    assert_ne!(header(&headers, "etag"), etag);

    // Health: 503 while LATER has nothing; metrics per path.
    let (status, _, body) = curl(&[&server.url("/healthz")]);
    assert_eq!(status, 503);
    assert!(String::from_utf8_lossy(&body).contains("/crl/later.crl: not published yet"));
    server.publisher.publish(LATER, crl(&lab, 1, &[])).unwrap();
    assert_eq!(curl(&[&server.url("/healthz")]).0, 200);
    let (status, _, metrics) = curl(&[&server.url("/metrics")]);
    assert_eq!(status, 200);
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(
        metrics.contains("certgate_crl_published_total{path=\"/crl/root.crl\"} 2"),
        "{metrics}"
    );
    let left: i64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("certgate_crl_next_update_seconds{path=\"/crl/root.crl\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert!((80_000..=86_400).contains(&left), "{metrics}");
    assert!(
        metrics.contains("certgate_crl_last_published_timestamp_seconds{path=\"/crl/later.crl\"}"),
        "{metrics}"
    );

    // Graceful shutdown: serve returns, the port then refuses connections.
    server.shut_down();
    assert_eq!(curl(&[&url]).0, 0);
}

#[test]
fn openssl_reads_and_verifies_the_served_crl() {
    if !require_tool("curl") || !require_tool("openssl") {
        return;
    }
    let (dir, lab) = lab();
    let publisher = CrlPublisher::builder([ROOT]).build().unwrap();
    let server = Running::start(publisher);
    server
        .publisher
        .publish(ROOT, crl(&lab, 7, &[&[0x4a, 0x01]]))
        .unwrap();
    let served = dir.path().join("served.crl");
    let status = Command::new("curl")
        .args(["-sS", "--fail", "-o"])
        .arg(&served)
        .arg(server.url(ROOT))
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new("openssl")
        .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
        .arg(&served)
        .arg("-CAfile")
        .arg(&lab.ca_pem)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("verify OK"), "{text}");
    assert!(text.contains("Serial Number: 4A01"), "{text}");
    assert!(
        text.contains("X509v3 CRL Number: \n                7"),
        "{text}"
    );
}

#[test]
fn publications_are_written_atomically_to_disk() {
    let (dir, lab) = lab();
    let public = dir.path().join("public");
    let publisher = CrlPublisher::builder([ROOT])
        .with_directory(&public)
        .build()
        .unwrap();
    let first = crl(&lab, 1, &[]);
    publisher.publish(ROOT, first.clone()).unwrap();
    let file = public.join("crl/root.crl");
    assert_eq!(std::fs::read(&file).unwrap(), first.der.as_ref());
    let second = crl(&lab, 2, &[&[0x11]]);
    publisher.publish(ROOT, second.clone()).unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), second.der.as_ref());
    assert_eq!(publisher.current(ROOT), Some(second));
    // Nothing but the CRL is left in its directory (no temporary file).
    let names: Vec<_> = std::fs::read_dir(public.join("crl"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("root.crl")]);
}

#[test]
fn unknown_paths_bad_paths_and_bytes_that_are_not_a_crl_are_refused() {
    let (_dir, lab) = lab();
    let publisher = CrlPublisher::builder([ROOT]).build().unwrap();
    let err = publisher
        .publish("/crl/other.crl", crl(&lab, 1, &[]))
        .unwrap_err();
    assert!(matches!(err, CrlServeError::UnknownPath { .. }), "{err}");
    assert_eq!(publisher.current(ROOT), None);
    let err = CrlPublication::from_der(b"not a CRL".to_vec()).unwrap_err();
    assert!(matches!(err, CrlServeError::NotACrl { .. }), "{err}");
    let err = CrlPublisher::builder(["/crl/../ca-key.pem"])
        .build()
        .unwrap_err();
    assert!(matches!(err, CrlServeError::BadPath { .. }), "{err}");
    let err = CrlPublisher::builder([ROOT, ROOT]).build().unwrap_err();
    assert!(matches!(err, CrlServeError::DuplicatePath { .. }), "{err}");
}

#[test]
fn the_gates_fetcher_consumes_the_served_crl() {
    if !gate_common::need_curl_and_python() {
        return;
    }
    let publisher = CrlPublisher::builder([ROOT]).build().unwrap();
    let server = Running::start(publisher);
    let url = server.url(ROOT);
    let (world, _origin, gate) = gate_common::gate_with_config("report", "", |config| {
        let lines: Vec<String> = config
            .lines()
            .map(|l| match l.starts_with("crls = ") {
                true => format!("crl_urls = [\"{url}\"]\ncrl_fetch_interval = \"1s\""),
                false => l.to_owned(),
            })
            .collect();
        lines.join("\n") + "\n"
    });
    let fetches =
        |result: &str| format!("certgate_crl_fetch_total{{url=\"{url}\",result=\"{result}\"}}");
    server
        .publisher
        .publish(ROOT, crl(&world.lab, 1, &[]))
        .unwrap();
    gate.wait_metric(&fetches("updated"), 1.0);
    let status = |device| gate_common::curl(&gate, &world, Some(device), &[], "/").0;
    assert_eq!(status(&world.iphone), 200);
    // Refetches carry the ETag: 304, nothing swapped.
    gate.wait_metric(&fetches("not-modified"), 1.0);
    server
        .publisher
        .publish(ROOT, crl(&world.lab, 2, &[&[0x11]]))
        .unwrap();
    gate_common::wait_until("the iPhone (serial 11) refused", || {
        status(&world.iphone) == 403
    });
    assert_eq!(status(&world.laptop), 200);
    assert!(gate.metric(&fetches("updated")) >= 2.0);
}
