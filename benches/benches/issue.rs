//! Certificates issued per second from a device CSR: certgate's whole issuing path
//! (parse the CSR, check its signature, build, sign) beside plain rcgen doing the same
//! (`CertificateSigningRequestParams::from_der` + `signed_by`), with a P-256 CA and an
//! RSA-4096 CA. The ratio of the two is the figure to watch (target: at most 1.25).

use certgate_ca::cfssl::SigningConfig;
use certgate_ca::{CertificateRequest, KeySigner, KeySpec, PrivateKey, RootCaBuilder, SubjectName};
use criterion::{Criterion, criterion_group, criterion_main};
use rcgen::{CertificateSigningRequestParams, Issuer, KeyPair};
use rustls_pki_types::{CertificateDer, CertificateSigningRequestDer};

const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
    "client": {"usages": ["signing", "key encipherment", "client auth"], "expiry": "8760h"}}}}"#;

fn bench_ca(c: &mut Criterion, label: &str, ca_spec: KeySpec) {
    let profile = SigningConfig::from_json(CONFIG.as_bytes(), "bench")
        .and_then(|config| config.profile("client").cloned())
        .expect("bench config");
    let ca_key = PrivateKey::generate(ca_spec).expect("CA key");
    let ca_key_pem = ca_key.to_pkcs8_pem().expect("CA key PEM");
    let csr_json = certgate_ca::cfssl::CsrJson::from_json(
        format!(
            r#"{{"CN": "Bench CA", "key": {{"algo": "{}", "size": {}}}}}"#,
            ca_spec.algo(),
            ca_spec.size()
        )
        .as_bytes(),
        "bench",
    )
    .expect("CA CSR JSON");
    let root = RootCaBuilder::new(&csr_json, Box::new(KeySigner::new(ca_key)))
        .build()
        .expect("root CA");
    let ca = root.ca;

    let device = KeySigner::new(PrivateKey::generate(KeySpec::EcdsaP256).expect("device key"));
    let hosts = vec![certgate_ca::cfssl::SanEntry::Dns(
        "iphone.example.com".into(),
    )];
    let csr_der =
        CertificateRequest::create(&device, &SubjectName::with_common_name("iphone"), &hosts)
            .expect("device CSR")
            .der()
            .to_vec();

    let rcgen_key = KeyPair::from_pem(&ca_key_pem).expect("rcgen CA key");
    let ca_der = CertificateDer::from(root.certificate.der().to_vec());
    let issuer = Issuer::from_ca_cert_der(&ca_der, rcgen_key).expect("rcgen issuer");
    let rcgen_csr = CertificateSigningRequestDer::from(csr_der.clone());

    let mut group = c.benchmark_group(format!("issue/{label}"));
    group.bench_function("certgate", |b| {
        b.iter(|| {
            let csr = CertificateRequest::from_der(&csr_der, "bench").expect("parse");
            ca.sign_csr(&csr, &profile).expect("sign")
        });
    });
    group.bench_function("rcgen", |b| {
        b.iter(|| {
            let params = CertificateSigningRequestParams::from_der(&rcgen_csr).expect("parse");
            params.signed_by(&issuer).expect("sign")
        });
    });
    group.finish();
}

fn issue(c: &mut Criterion) {
    bench_ca(c, "p256-ca", KeySpec::EcdsaP256);
    bench_ca(c, "rsa4096-ca", KeySpec::Rsa(4096));
}

// criterion_group! makes an undocumented public function.
#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, issue);
}
use group::benches;
criterion_main!(benches);
