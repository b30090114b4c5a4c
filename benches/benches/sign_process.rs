//! `certgate sign` beside `cfssl sign`, each as a whole process, signing the same device
//! CSR with the same P-256 CA and the same profile: what a shell pipeline pays per
//! certificate.
//!
//! Needs `target/release/certgate` (`cargo build --release -p certgate-examples`) and
//! `cfssl` on PATH; a missing one is reported and its half of the group left out.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use certgate_ca::cfssl::CsrJson;
use certgate_ca::{CertificateRequest, KeySigner, PrivateKey, RootCaBuilder};
use criterion::{Criterion, criterion_group, criterion_main};

const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
    "client": {"usages": ["signing", "key encipherment", "client auth"], "expiry": "8760h"}}}}"#;

fn certgate_binary() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/certgate");
    path.is_file().then_some(path)
}

fn on_path(tool: &str) -> bool {
    Command::new(tool)
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn run(program: &Path, args: &[&str], dir: &Path) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("start");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.starts_with(b"{\"cert\""),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn sign_process(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let csr = CsrJson::from_json(
        br#"{"CN": "Bench CA", "key": {"algo": "ecdsa", "size": 256}}"#,
        "bench",
    )
    .expect("CA JSON");
    let key = PrivateKey::generate(csr.key_spec().expect("spec")).expect("key");
    std::fs::write(
        d.join("ca-key.pem"),
        key.to_pkcs8_pem().expect("pem").as_bytes(),
    )
    .expect("write");
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .build()
        .expect("root");
    std::fs::write(d.join("ca.pem"), root.certificate.to_pem()).expect("write");
    std::fs::write(d.join("ca-config.json"), CONFIG).expect("write");
    let device = CsrJson::from_json(
        br#"{"CN": "iphone", "hosts": ["iphone.example.com"]}"#,
        "device",
    )
    .expect("JSON");
    let (_, request) = CertificateRequest::generate(&device).expect("CSR");
    std::fs::write(d.join("device.csr"), request.to_pem()).expect("write");
    let args = [
        "sign",
        "-ca=ca.pem",
        "-ca-key=ca-key.pem",
        "-config=ca-config.json",
        "-profile=client",
        "device.csr",
    ];

    let mut group = c.benchmark_group("sign-process/p256-ca");
    group.sample_size(30);
    match certgate_binary() {
        Some(bin) => {
            group.bench_function("certgate", |b| b.iter(|| run(&bin, &args, d)));
        }
        None => eprintln!(
            "skipping certgate: build it with `cargo build --release -p certgate-examples`"
        ),
    }
    if on_path("cfssl") {
        group.bench_function("cfssl", |b| b.iter(|| run(Path::new("cfssl"), &args, d)));
    } else {
        eprintln!("skipping cfssl: not installed (apt package golang-cfssl)");
    }
    group.finish();
}

// criterion_group! makes an undocumented public function.
#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, sign_process);
}
use group::benches;
criterion_main!(benches);
