//! The gate under faults: the origin down or hanging, slow and oversized requests, bad
//! files written over good ones while it runs, SIGTERM with requests in flight, and
//! configuration errors that `--check` names.

#![allow(clippy::unwrap_used)]

mod gate_common;

use std::process::Command;
use std::thread;

use certgate_test_support::require_tool;
use gate_common::{
    curl, curl_full, gate_with, gate_with_config, need_curl_and_python, pem_args, tls_client,
    tls_client_command, tls_client_output, wait_until,
};

#[test]
fn origin_down_is_a_502_page() {
    if !need_curl_and_python() {
        return;
    }
    let (world, mut origin, gate) = gate_with("report", "");
    let (status, body) = curl(&gate, &world, Some(&world.iphone), &[], "/");
    assert_eq!(status, 200, "{body}");
    origin.kill();
    let (status, body) = curl(
        &gate,
        &world,
        Some(&world.iphone),
        &["-H", "Accept: application/json"],
        "/",
    );
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("\"reason\":\"origin-unreachable\""), "{body}");
    let (status, body) = curl(&gate, &world, Some(&world.iphone), &[], "/");
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("cannot be reached"), "{body}");
    assert!(
        gate.metric("certgate_gate_origin_errors_total{kind=\"origin-unreachable\"}") >= 2.0,
        "{}",
        gate.metrics_text()
    );
}

#[test]
fn origin_hanging_is_a_504_page_and_others_are_served() {
    if !need_curl_and_python() {
        return;
    }
    let (world, _origin, gate) = gate_with("report", "origin_response_timeout = \"1s\"");
    let out = curl_full(
        &gate,
        &world,
        &[
            pem_args(&world.iphone),
            vec!["-H".into(), "Accept: application/json".into()],
        ]
        .concat(),
        "/hang",
    );
    assert_eq!(out.status, 504, "{out:?}");
    assert!(
        out.body.contains("\"reason\":\"origin-timeout\""),
        "{out:?}"
    );
    let (status, body) = curl(&gate, &world, Some(&world.iphone), &[], "/");
    assert_eq!(status, 200, "{body}");
}

#[test]
fn slow_loris_is_cut_while_others_are_served() {
    if !need_curl_and_python() {
        return;
    }
    // On one thread (tokio's single-threaded runtime): the slow client holds no thread.
    let (world, _origin, gate) =
        gate_with_config("report", "header_read_timeout = \"1s\"", one_worker);
    // Half a header line, a byte every 300 ms (26 s for all of it).
    let slow = tls_client_command(
        &gate,
        &world,
        "slowloris",
        Some(&world.iphone),
        &["--interval", "0.3"],
    )
    .spawn()
    .unwrap();
    // Meanwhile a normal request is answered.
    let (status, body) = curl(&gate, &world, Some(&world.laptop), &[], "/");
    assert_eq!(status, 200, "{body}");
    let slow = tls_client_output(slow);
    assert_eq!(slow["closed"], true, "{slow}");
    assert!(
        slow["sent"].as_u64().unwrap() < slow["total"].as_u64().unwrap(),
        "the whole slow request was read: {slow}"
    );
    let (status, body) = curl(&gate, &world, Some(&world.iphone), &[], "/");
    assert_eq!(status, 200, "{body}");
}

/// The configuration with `workers = 1`: the gate on tokio's single-threaded runtime.
fn one_worker(config: String) -> String {
    assert!(config.starts_with("[server]\n"), "{config}");
    config.replacen("[server]\n", "[server]\nworkers = 1\n", 1)
}

/// A raw HTTP/1.1 request with `extra` header lines.
fn request_with(extra: &str) -> Vec<u8> {
    format!("GET /big HTTP/1.1\r\nHost: money.localhost\r\n{extra}Connection: close\r\n\r\n")
        .into_bytes()
}

/// 431 for HTTP/1.1; for HTTP/2, a 431 or the stream refused.
fn assert_refused_431(out: &serde_json::Value) {
    assert!(
        out["status"] == 431 || out["status"].is_null(),
        "not refused: {out}"
    );
}

#[test]
fn oversized_request_heads_are_refused_and_the_gate_keeps_serving() {
    if !need_curl_and_python() {
        return;
    }
    let (world, origin, gate) = gate_with("report", "max_header_bytes = 8192\nmax_headers = 20");
    let big = format!("X-Big: {}\r\n", "a".repeat(20 * 1024));
    let out = tls_client(
        &gate,
        &world,
        "raw",
        Some(&world.iphone),
        &[],
        &request_with(&big),
    );
    assert_refused_431(&out);
    let many: String = (0..30).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    let out = tls_client(
        &gate,
        &world,
        "raw",
        Some(&world.iphone),
        &[],
        &request_with(&many),
    );
    assert_eq!(out["status"], 431, "{out}");
    // Within the limits: through.
    let few: String = (0..10).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    let out = tls_client(
        &gate,
        &world,
        "raw",
        Some(&world.iphone),
        &[],
        &request_with(&few),
    );
    assert_eq!(out["status"], 200, "{out}");
    assert_eq!(origin.requests_until("/big"), vec!["request GET /big"]);
    // HTTP/2: the same limits.
    let mut args = pem_args(&world.iphone);
    args.extend(["--http2".into(), "-H".into(), big.trim_end().to_owned()]);
    let out = curl_full(&gate, &world, &args, "/big2");
    assert_ne!(out.status, 200, "{out:?}");
    let mut args = pem_args(&world.iphone);
    args.push("--http2".into());
    for i in 0..30 {
        args.extend(["-H".into(), format!("X-H{i}: {i}")]);
    }
    let out = curl_full(&gate, &world, &args, "/many2");
    assert_eq!(out.http_version, "2", "{out:?}");
    assert_eq!(out.status, 431, "{out:?}");
    let (status, body) = curl(&gate, &world, Some(&world.iphone), &[], "/after");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        origin.requests_until("/after"),
        vec!["request GET /big", "request GET /after"]
    );
}

/// Writes `text` over `path` as a deploy would: a new file renamed over the old one (the
/// gate never reads half of it).
fn replace(path: &std::path::Path, text: &str) {
    certgate_ca::write_atomic(path, text.as_bytes(), certgate_ca::FileMode::Public).unwrap();
}

#[test]
fn a_malformed_policy_keeps_the_old_one() {
    if !need_curl_and_python() {
        return;
    }
    let (world, _origin, gate) = gate_with("report", "");
    let policy = world.dir.path().join("policies.toml");
    let good = std::fs::read_to_string(&policy).unwrap();
    replace(&policy, "[[applications]]\nname = \n");
    gate.wait_metric("certgate_gate_reload_failures_total", 1.0);
    let (status, body) = curl(&gate, &world, Some(&world.iphone), &[], "/");
    assert_eq!(status, 200, "{body}");
    assert!(gate.log().contains("reload failed"), "{}", gate.log());
    assert!(gate.log().contains("policies.toml"), "{}", gate.log());
    assert_eq!(gate.metric("certgate_gate_reloads_total"), 0.0);
    // A good policy again (one that now lets nobody in): taken.
    replace(
        &policy,
        &good.replace("decision = \"non_identity\"", "decision = \"deny\""),
    );
    gate.wait_metric("certgate_gate_reloads_total", 1.0);
    let (status, body) = curl(&gate, &world, Some(&world.iphone), &[], "/");
    assert_eq!(status, 403, "{body}");
}

#[test]
fn a_malformed_crl_keeps_the_old_one() {
    if !need_curl_and_python() {
        return;
    }
    let (world, _origin, gate) = gate_with("report", "");
    world.lab.write_crl(&[&world.laptop]).unwrap();
    gate.wait_metric("certgate_gate_reloads_total", 1.0);
    let json = ["-H", "Accept: application/json"];
    let (status, body) = curl(&gate, &world, Some(&world.laptop), &json, "/");
    assert_eq!(status, 403, "{body}");
    replace(&world.dir.path().join("crl.pem"), "not a CRL\n");
    gate.wait_metric("certgate_gate_reload_failures_total", 1.0);
    assert!(gate.log().contains("CRL reload failed"), "{}", gate.log());
    // The old CRL stays: the revoked laptop stays out, the iPhone gets in.
    let (status, body) = curl(&gate, &world, Some(&world.laptop), &json, "/");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("\"reason\":\"revoked\""), "{body}");
    let (status, body) = curl(&gate, &world, Some(&world.iphone), &[], "/");
    assert_eq!(status, 200, "{body}");
    assert_eq!(gate.metric("certgate_gate_reloads_total"), 1.0);
    // A good CRL again: taken (the laptop is back).
    world.lab.write_crl(&[]).unwrap();
    gate.wait_metric("certgate_gate_reloads_total", 2.0);
    let (status, body) = curl(&gate, &world, Some(&world.laptop), &[], "/");
    assert_eq!(status, 200, "{body}");
    // The bad file was tried once, not at every poll.
    assert_eq!(gate.metric("certgate_gate_reload_failures_total"), 1.0);
}

#[test]
fn sigterm_lets_requests_in_flight_finish() {
    if !need_curl_and_python() {
        return;
    }
    // On one thread: draining runs beside the requests it waits for.
    let (world, origin, mut gate) = gate_with_config("report", "", one_worker);
    // One slow request over HTTP/1.1, one over HTTP/2.
    let in_flight: Vec<_> = ["--http1.1", "--http2"]
        .iter()
        .map(|version| {
            let mut args = vec![
                "-sS".to_owned(),
                "--max-time".into(),
                "30".into(),
                (*version).into(),
                "--resolve".into(),
                gate.resolve(),
                "--cacert".into(),
                world.lab.ca_pem.display().to_string(),
                "-o".into(),
                "/dev/null".into(),
                "-w".into(),
                "%{http_code}".into(),
            ];
            args.extend(pem_args(&world.iphone));
            args.push(gate.url(&format!("/slow?s=3&v={version}")));
            Command::new("curl").args(&args).spawn_output()
        })
        .collect();
    let start = std::time::Instant::now();
    while origin
        .requests()
        .iter()
        .filter(|r| r.contains("/slow"))
        .count()
        < 2
    {
        // A client that gave up already, or the patience spent: say what the origin saw.
        let gave_up = in_flight.iter().any(thread::JoinHandle::is_finished);
        assert!(
            !gave_up && start.elapsed() < gate_common::PATIENCE,
            "the slow requests did not both reach the origin (a client gave up: {gave_up}): {:?}\n{}",
            origin.requests(),
            gate.log()
        );
        thread::sleep(std::time::Duration::from_millis(50));
    }
    gate.terminate();
    // New connections are refused (curl: "couldn't connect", exit 7) while the slow
    // requests drain.
    wait_until("new connections refused", || {
        curl_full(&gate, &world, &pem_args(&world.iphone), "/").exit == 7
    });
    for request in in_flight {
        let (status, stdout, stderr) = request.join().unwrap();
        assert!(status.success(), "{stderr}");
        assert_eq!(stdout, "200", "{stderr}");
    }
    let exit = gate.wait_exit();
    assert!(exit.success(), "{exit:?}\n{}", gate.log());
    assert!(gate.log().contains("shutting down"), "{}", gate.log());
}

/// Runs a command on a thread: its exit status, stdout and stderr.
trait SpawnOutput {
    fn spawn_output(&mut self) -> thread::JoinHandle<(std::process::ExitStatus, String, String)>;
}

impl SpawnOutput for Command {
    fn spawn_output(&mut self) -> thread::JoinHandle<(std::process::ExitStatus, String, String)> {
        let child = self
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        thread::spawn(move || {
            let out = child.wait_with_output().unwrap();
            (
                out.status,
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
    }
}

/// `certgate-gate --check CONFIG`: (exit code, stdout + stderr).
fn check(config: &std::path::Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_certgate-gate"))
        .arg("--check")
        .arg(config)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn check_names_what_is_wrong_in_a_config() {
    if !require_tool("python3") {
        return;
    }
    let world = gate_common::world();
    let good = world
        .lab
        .write_gate_config("http://127.0.0.1:9", "127.0.0.1:0", "enforce", "")
        .unwrap();
    let (code, out) = check(&good);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(": OK"), "{out}");
    let text = std::fs::read_to_string(&good).unwrap();
    let write = |name: &str, text: String| {
        let path = world.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let cases = [
        (
            "unknown-key.toml",
            text.replace("[limits]\n", "[limits]\nmax_header_byte = 1\n"),
            vec!["max_header_byte"],
        ),
        (
            "unknown-server-key.toml",
            text.replace("[server]\n", "[server]\nlisten_to = 1\n"),
            vec!["listen_to"],
        ),
        (
            "missing-crl.toml",
            text.replace("crl.pem", "gone/crl.pem"),
            vec!["gone/crl.pem"],
        ),
        (
            "missing-key.toml",
            text.replace("server-key.pem", "missing-key.pem"),
            vec!["missing-key.pem", "key"],
        ),
        (
            "missing-policy.toml",
            text.replace("policies.toml", "missing-policies.toml"),
            vec!["missing-policies.toml"],
        ),
        (
            "bad-origin.toml",
            text.replace("http://127.0.0.1:9", "ftp://127.0.0.1:9"),
            vec!["origin"],
        ),
        (
            "bad-duration.toml",
            text.replace("[limits]\n", "[limits]\nidle_timeout = \"soon\"\n"),
            vec!["limits.idle_timeout"],
        ),
    ];
    for (name, text, needles) in cases {
        let (code, out) = check(&write(name, text));
        assert_ne!(code, 0, "{name}: {out}");
        assert!(out.starts_with("certgate-gate: "), "{name}: {out}");
        for needle in needles {
            assert!(out.contains(needle), "{name}: {needle} not in {out}");
        }
    }
    let (code, out) = check(&world.dir.path().join("absent.toml"));
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("absent.toml"), "{out}");
}
