//! PKCS#12 export and import at OpenSSL's iteration count (2048), like with like:
//! `certgate pkcs12` against `openssl pkcs12` as whole processes, and the library call
//! on its own beside p12-keystore (the other Rust implementation) in the same process.
//!
//! The process group needs `target/release/certgate`
//! (`cargo build --release -p certgate-examples`) and `openssl` on PATH.

use std::path::Path;
use std::process::{Command, Stdio};

use certgate_benches::certgate_binary;
use certgate_ca::cfssl::CsrJson;
use certgate_ca::{KeySigner, KeySpec, PrivateKey, RootCaBuilder};
use certgate_pkcs12::{Pkcs12Builder, Pkcs12Bundle, Pkcs12Profile};
use criterion::{Criterion, criterion_group, criterion_main};
use p12_keystore::{
    EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, Pkcs12ImportPolicy, PrivateKeyChain,
};

struct Material {
    key: Vec<u8>,
    cert: Vec<u8>,
    ca: Vec<u8>,
}

fn material(dir: &Path) -> Material {
    let csr = CsrJson::from_json(br#"{"CN": "Bench CA"}"#, "bench").expect("json");
    let ca_key = PrivateKey::generate(KeySpec::EcdsaP256).expect("key");
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(ca_key)))
        .build()
        .expect("root");
    let device = CsrJson::from_json(
        br#"{"CN": "iphone", "key": {"algo": "rsa", "size": 2048}}"#,
        "device",
    )
    .expect("json");
    let (key, request) = certgate_ca::CertificateRequest::generate(&device).expect("csr");
    let config = certgate_ca::cfssl::SigningConfig::default();
    let cert = root
        .ca
        .sign_csr(&request, config.default_profile())
        .expect("cert");
    std::fs::write(
        dir.join("key.pem"),
        key.to_pkcs8_pem().expect("pem").as_bytes(),
    )
    .expect("write");
    std::fs::write(dir.join("cert.pem"), cert.to_pem()).expect("write");
    std::fs::write(dir.join("ca.pem"), root.certificate.to_pem()).expect("write");
    Material {
        key: key.to_pkcs8_der().expect("der").to_vec(),
        cert: cert.der().to_vec(),
        ca: root.certificate.der().to_vec(),
    }
}

fn run(program: &Path, args: &[&str], dir: &Path) {
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("start");
    assert!(status.success(), "{} {args:?}", program.display());
}

fn library(c: &mut Criterion, m: &Material) {
    let mut group = c.benchmark_group("pkcs12-library");
    for (label, profile) in [
        ("modern", Pkcs12Profile::Modern),
        ("legacy", Pkcs12Profile::Legacy),
    ] {
        let export = || {
            Pkcs12Builder::new(&m.key, &m.cert, "pw")
                .with_chain([m.ca.as_slice()])
                .with_profile(profile)
                .build()
                .expect("export")
        };
        group.bench_function(format!("export-{label}/certgate"), |b| b.iter(export));
        let der = export();
        group.bench_function(format!("import-{label}/certgate"), |b| {
            b.iter(|| Pkcs12Bundle::parse(&der, "pw").expect("import"))
        });
    }
    let (encryption, mac) = (
        EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
        MacAlgorithm::HmacSha256,
    );
    let write = || {
        let chain = PrivateKeyChain::new(
            b"id".to_vec(),
            p12_keystore::PrivateKey::from_der(&m.key).expect("key"),
            [
                p12_keystore::Certificate::from_der(&m.cert).expect("cert"),
                p12_keystore::Certificate::from_der(&m.ca).expect("ca"),
            ],
        );
        let mut store = KeyStore::new();
        store.add_entry("device", KeyStoreEntry::PrivateKeyChain(chain));
        store
            .writer("pw")
            .encryption_algorithm(encryption)
            .encryption_iterations(2048)
            .mac_algorithm(mac)
            .mac_iterations(2048)
            .write()
            .expect("write")
    };
    group.bench_function("export-modern/p12-keystore", |b| b.iter(write));
    let der = write();
    group.bench_function("import-modern/p12-keystore", |b| {
        b.iter(|| KeyStore::from_pkcs12(&der, "pw", Pkcs12ImportPolicy::Strict).expect("read"))
    });
    group.finish();
}

fn processes(c: &mut Criterion, dir: &Path) {
    let Some(certgate) = certgate_binary() else {
        eprintln!(
            "skipping processes: build certgate with `cargo build --release -p certgate-examples`"
        );
        return;
    };
    let openssl = Path::new("openssl");
    let export = [
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
    ];
    let mut group = c.benchmark_group("pkcs12-process");
    group.sample_size(30);
    group.bench_function("export/certgate", |b| {
        b.iter(|| run(&certgate, &[&export[..], &["c.p12"]].concat(), dir))
    });
    group.bench_function("export/openssl", |b| {
        b.iter(|| run(openssl, &[&export[..], &["o.p12"]].concat(), dir))
    });
    // Each tool reads the other's bundle, so both parse the same kind of input.
    let info = |file: &'static str| {
        [
            "pkcs12", "-info", "-nodes", "-passin", "pass:pw", "-in", file,
        ]
    };
    group.bench_function("import/certgate", |b| {
        b.iter(|| run(&certgate, &info("o.p12"), dir))
    });
    group.bench_function("import/openssl", |b| {
        b.iter(|| run(openssl, &info("c.p12"), dir))
    });
    group.finish();
}

fn pkcs12(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let m = material(dir.path());
    library(c, &m);
    processes(c, dir.path());
}

// criterion_group! makes an undocumented public function.
#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, pkcs12);
}
use group::benches;
criterion_main!(benches);
