//! Client-certificate verification latency, certgate's `ClientVerifier` beside rustls'
//! `WebPkiClientVerifier` in the same run: a P-256 leaf under a P-256 root, with CRLs of
//! 0, 1,000 and 100,000 entries (1,000,000 with `CERTGATE_BENCH_1M=1`: building it
//! takes a while). webpki checks the CRL's signature and searches it on every call;
//! certgate checks it once at load and looks serials up in a hash set.

use std::sync::Arc;

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CertificateRequest, KeySigner, KeySpec, PrivateKey, RevokedEntry, RootCaBuilder,
};
use certgate_verify::{ClientVerifier, RevocationPolicy, RevocationStore};
use criterion::{Criterion, criterion_group, criterion_main};
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;
use time::{Duration, OffsetDateTime};

fn verify(c: &mut Criterion) {
    let csr = CsrJson::from_json(br#"{"CN": "Bench Root"}"#, "bench").expect("json");
    let root = RootCaBuilder::new(
        &csr,
        Box::new(KeySigner::new(
            PrivateKey::generate(KeySpec::EcdsaP256).expect("key"),
        )),
    )
    .build()
    .expect("root");
    let root_der = CertificateDer::from(root.certificate.der().to_vec());
    let config = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"client": {"usages": ["digital signature", "client auth"], "expiry": "720h"}}}}"#,
        "bench",
    )
    .expect("config");
    let leaf_json = CsrJson::from_json(br#"{"CN": "iphone"}"#, "leaf").expect("json");
    let (_, req) = CertificateRequest::generate(&leaf_json).expect("csr");
    let leaf = root
        .ca
        .issue(&req, config.profile("client").expect("profile"))
        .with_serial(&[0x7f, 1])
        .build()
        .expect("leaf");
    let leaf_der = CertificateDer::from(leaf.der().to_vec());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root_der.clone()).expect("root");
    let roots = Arc::new(roots);

    let mut sizes = vec![0usize, 1_000, 100_000];
    if std::env::var_os("CERTGATE_BENCH_1M").is_some() {
        sizes.push(1_000_000);
    }
    let mut group = c.benchmark_group("verify/p256-leaf-root");
    for size in sizes {
        let t = OffsetDateTime::now_utc();
        let crl = root
            .ca
            .crl(1, t - Duration::minutes(1), t + Duration::days(1))
            .with_entries((0..size).map(|i| {
                RevokedEntry {
                    serial: (u64::try_from(i).expect("size") + 0x1_0000_0000)
                        .to_be_bytes()
                        .to_vec(),
                    revoked_at: t,
                    reason: None,
                }
            }))
            .build()
            .expect("crl");
        let crl_der = CertificateRevocationListDer::from(crl.der().to_vec());

        let mut webpki =
            WebPkiClientVerifier::builder_with_provider(Arc::clone(&roots), Arc::clone(&provider));
        if size > 0 {
            webpki = webpki.with_crls([crl_der.clone()]);
        }
        let webpki = webpki.build().expect("webpki verifier");

        let mut ours = ClientVerifier::builder(vec![root_der.clone()]);
        if size > 0 {
            let store = RevocationStore::builder([root_der.as_ref()])
                .expect("issuers")
                .with_crls(crl.der(), "bench")
                .expect("crl")
                .build()
                .expect("store");
            ours = ours.with_revocation(store, RevocationPolicy::default());
        }
        let ours = ours.build().expect("certgate verifier");

        let now = UnixTime::now();
        group.bench_function(format!("crl-{size}/certgate"), |b| {
            b.iter(|| {
                ours.verify_client_cert(&leaf_der, &[], now)
                    .expect("certgate accepts")
            })
        });
        group.bench_function(format!("crl-{size}/webpki"), |b| {
            b.iter(|| {
                webpki
                    .verify_client_cert(&leaf_der, &[], now)
                    .expect("webpki accepts")
            })
        });
    }
    group.finish();
}

// criterion_group! makes an undocumented public function.
#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, verify);
}
use group::benches;
criterion_main!(benches);
