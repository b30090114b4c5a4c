//! Revocation under load: a thousand requests and more, over new connections, resumed
//! sessions and keep-alive connections, TLS 1.2 and 1.3, from two good devices and one
//! victim; midway the victim is revoked by a new CRL file. No good request fails; every
//! victim request that starts after the gate's reload is visible is refused.

#![allow(clippy::unwrap_used)]

mod gate_common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use certgate_examples::lab::Device;
use gate_common::{gate_with, need_curl_and_python};

/// Requests at least.
const TOTAL: usize = 1000;

fn device_arg(d: &Device) -> String {
    format!("{}:{}:{}", d.name, d.cert.display(), d.key.display())
}

fn run(mode: &str) {
    let (world, _origin, gate) = gate_with(mode, "");
    let third = world.lab.device("desktop", "my-desktop", &[0x14]).unwrap();
    let victim = &world.laptop;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/revocation_load.py");
    let mut child = Command::new("python3")
        .arg(script)
        .args(["--port", &gate.addr.port().to_string()])
        .args(["--ca", &world.lab.ca_pem.display().to_string()])
        .args(["--metrics", &gate.metrics_url()])
        .args(["--device", &device_arg(&world.iphone)])
        .args(["--device", &device_arg(&third)])
        .args(["--device", &device_arg(victim)])
        .args(["--victim", &victim.name])
        .args(["--total", &TOTAL.to_string(), "--threads", "6"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut result = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line == "midway" {
            world.lab.write_crl(&[victim]).unwrap();
            writeln!(stdin, "written").unwrap();
        } else {
            result = Some(line);
            break;
        }
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let result: serde_json::Value = serde_json::from_str(&result.unwrap()).unwrap();
    judge(mode, &result, &gate.log());
}

/// Counts by (device role, kind, TLS version, outcome) for the failure messages.
type Counts = BTreeMap<(String, String, String, String), usize>;

fn judge(mode: &str, result: &serde_json::Value, log: &str) {
    let reload = result["reload_seen"]
        .as_f64()
        .unwrap_or_else(|| panic!("the reload was never visible: {log}"));
    let written = result["crl_written"].as_f64().unwrap();
    let records = result["records"].as_array().unwrap();
    assert!(records.len() >= TOTAL, "{} requests", records.len());
    let mut counts = Counts::new();
    let mut resumed: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        let victim = r["victim"].as_bool().unwrap();
        let (kind, tls) = (r["kind"].as_str().unwrap(), r["tls"].as_str().unwrap());
        let outcome = r["outcome"].as_str().unwrap();
        let start = r["start"].as_f64().unwrap();
        let end = r["end"].as_f64().unwrap();
        let phase = if start > reload {
            "after"
        } else if end < written {
            "before"
        } else {
            "during"
        };
        let role = if victim { "victim" } else { "good" };
        *counts
            .entry((
                format!("{role} {phase}"),
                kind.into(),
                tls.into(),
                outcome.into(),
            ))
            .or_default() += 1;
        if r["reused"].as_bool().unwrap() {
            *resumed.entry(tls.into()).or_default() += 1;
        }
        if !victim || phase == "before" {
            // No request of a good device fails, and the victim was in before.
            assert_eq!(outcome, "ok", "{r}");
        } else if phase == "after" {
            // Refused: 403 in report mode; in enforce mode the handshake fails, or
            // the 403 on a connection opened before the reload.
            let refused = match mode {
                "report" => outcome == "refused",
                _ => outcome == "refused" || outcome == "tls-refused",
            };
            assert!(refused, "{r}");
        }
    }
    // Every kind and version was exercised after the reload, resumption included.
    for kind in ["new", "resumed", "keepalive"] {
        for tls in ["1.2", "1.3"] {
            let after = counts
                .iter()
                .filter(|((p, k, t, _), _)| p == "victim after" && k == kind && t == tls)
                .map(|(_, n)| n)
                .sum::<usize>();
            assert!(
                after > 0,
                "no victim {kind} TLS {tls} after the reload: {counts:?}"
            );
        }
    }
    for tls in ["1.2", "1.3"] {
        assert!(
            resumed.get(tls).copied().unwrap_or(0) > 10,
            "TLS {tls} sessions were not resumed: {resumed:?}"
        );
    }
    println!("{mode}: {} requests, resumed {resumed:?}", records.len());
    for ((phase, kind, tls, outcome), n) in &counts {
        println!("  {phase:14} {kind:9} TLS {tls} {outcome:11} {n}");
    }
}

#[test]
fn revocation_under_load_report_mode() {
    if !need_curl_and_python() {
        return;
    }
    run("report");
}

#[test]
fn revocation_under_load_enforce_mode() {
    if !need_curl_and_python() {
        return;
    }
    run("enforce");
}
