//! One-shot `certgate` commands beside the tools they replace, each a whole process with
//! the same inputs — what a shell pipeline pays per command, process start-up included:
//!
//! - `process/sign`: `certgate sign` beside `cfssl sign`, one device CSR, a P-256 CA;
//! - `process/gencert`: `certgate gencert` beside `cfssl gencert`, a new P-256 device key
//!   and its certificate from the same CA;
//! - `process/pkcs12-export`: `certgate pkcs12 -export` beside `openssl pkcs12 -export`
//!   (both PBES2 with AES-256 and an HMAC-SHA256 MAC at 2048 iterations), a P-256 key,
//!   its certificate and the CA.
//!
//! Needs the release `certgate` that this bench's build sits beside
//! (`cargo build --release -p certgate-examples`), and `cfssl` and `openssl` on PATH; a
//! missing one is reported and its half of a group left out.

use std::path::Path;
use std::process::{Command, Stdio};

use certgate_benches::certgate_binary;
use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{CertificateRequest, KeySigner, PrivateKey, RootCaBuilder};
use criterion::{Criterion, criterion_group, criterion_main};

const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
    "client": {"usages": ["signing", "key encipherment", "client auth"], "expiry": "8760h"}}}}"#;

/// The device's request for `gencert`: a new P-256 key, as a phone's would be.
const DEVICE_JSON: &str = r#"{"CN": "iphone", "hosts": ["iphone.example.com"],
    "key": {"algo": "ecdsa", "size": 256}}"#;

fn on_path(tool: &str) -> bool {
    Command::new(tool)
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Runs `program ARGS` in `dir`; it must succeed and print `stdout_starts` first.
fn run(program: &Path, args: &[&str], dir: &Path, stdout_starts: &str) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("start");
    assert!(
        out.status.success() && out.stdout.starts_with(stdout_starts.as_bytes()),
        "{} {args:?}: {}{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// In `dir`: a P-256 CA (`ca.pem`, `ca-key.pem`), `ca-config.json`, a device's request
/// (`device.csr`) and its JSON (`device.json`), and a device key and certificate for
/// PKCS#12 (`key.pem`, `cert.pem`).
fn material(dir: &Path) {
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("write");
    let csr = CsrJson::from_json(
        br#"{"CN": "Bench CA", "key": {"algo": "ecdsa", "size": 256}}"#,
        "bench",
    )
    .expect("CA JSON");
    let key = PrivateKey::generate(csr.key_spec().expect("spec")).expect("key");
    write("ca-key.pem", key.to_pkcs8_pem().expect("pem").as_bytes());
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .build()
        .expect("root");
    write("ca.pem", root.certificate.to_pem().as_bytes());
    write("ca-config.json", CONFIG.as_bytes());
    write("device.json", DEVICE_JSON.as_bytes());
    let device = CsrJson::from_json(DEVICE_JSON.as_bytes(), "device").expect("JSON");
    let (device_key, request) = CertificateRequest::generate(&device).expect("CSR");
    write("device.csr", request.to_pem().as_bytes());
    let config = SigningConfig::from_json(CONFIG.as_bytes(), "config").expect("config");
    let cert = root
        .ca
        .sign_csr(&request, config.profile("client").expect("profile"))
        .expect("certificate");
    write(
        "key.pem",
        device_key.to_pkcs8_pem().expect("pem").as_bytes(),
    );
    write("cert.pem", cert.to_pem().as_bytes());
}

/// One group: `certgate ARGS` beside `other ARGS` (the same arguments, or `other_args`).
fn beside(
    c: &mut Criterion,
    dir: &Path,
    group: &str,
    (certgate_args, other, other_args): (&[&str], &str, &[&str]),
    stdout_starts: &str,
) {
    let mut group = c.benchmark_group(group);
    group.sample_size(30);
    match certgate_binary() {
        Some(bin) => {
            group.bench_function("certgate", |b| {
                b.iter(|| run(&bin, certgate_args, dir, stdout_starts))
            });
        }
        None => eprintln!(
            "skipping certgate: build it with `cargo build --release -p certgate-examples`"
        ),
    }
    if on_path(other) {
        group.bench_function(other, |b| {
            b.iter(|| run(Path::new(other), other_args, dir, stdout_starts))
        });
    } else {
        eprintln!("skipping {other}: not installed");
    }
    group.finish();
}

fn processes(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    material(d);
    let ca = [
        "-ca=ca.pem",
        "-ca-key=ca-key.pem",
        "-config=ca-config.json",
        "-profile=client",
    ];
    let sign = [&["sign"][..], &ca, &["device.csr"]].concat();
    beside(c, d, "process/sign", (&sign, "cfssl", &sign), "{\"cert\"");
    let gencert = [&["gencert"][..], &ca, &["device.json"]].concat();
    // cfssl prints {"cert", "csr", "key"}; certgate the same fields.
    beside(c, d, "process/gencert", (&gencert, "cfssl", &gencert), "{");
    let export = |out: &'static str| {
        [
            "pkcs12",
            "-export",
            "-inkey",
            "key.pem",
            "-in",
            "cert.pem",
            "-certfile",
            "ca.pem",
            "-passout",
            "pass:pw",
            "-out",
            out,
        ]
    };
    beside(
        c,
        d,
        "process/pkcs12-export",
        (&export("c.p12"), "openssl", &export("o.p12")),
        "",
    );
}

// criterion_group! makes an undocumented public function.
#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, processes);
}
use group::benches;
criterion_main!(benches);
