//! Client-certificate verification latency, certgate's `ClientVerifier` beside rustls'
//! `WebPkiClientVerifier` in the same run, for three chain shapes:
//!
//! - `verify/p256-leaf-root`: a P-256 leaf directly under a P-256 root;
//! - `verify/p256-leaf-int-root`: a P-256 leaf under a P-256 intermediate under the same
//!   P-256 root, the client presenting the intermediate;
//! - `verify/rsa2048-leaf-rsa4096-root`: an RSA-2048 leaf under an RSA-4096 root.
//!
//! Each with a CRL of the leaf's issuer listing 0, 1,000 and 100,000 other serials
//! (1,000,000 with `CERTGATE_BENCH_1M=1`: building it takes a while); `crl-0` means no
//! CRL at all, so neither verifier checks revocation. Both verifiers check the whole
//! chain, so the intermediate shape also loads a small CRL of the root, for both. webpki
//! checks each CRL's signature and searches it on every call; certgate checks them once
//! at load and looks serials up in a hash set.

use std::sync::Arc;

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CaCertificate, CertificateAuthority, CertificateRequest, Crl, KeySigner, KeySpec, PrivateKey,
    RevokedEntry, RootCaBuilder,
};
use certgate_verify::{ClientVerifier, RevocationPolicy, RevocationStore};
use criterion::{Criterion, criterion_group, criterion_main};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;
use time::{Duration, OffsetDateTime};

/// The signing profiles: a client leaf, and an intermediate that may issue leaves only.
const CONFIG: &[u8] = br#"{"signing": {"profiles": {
    "client": {"usages": ["digital signature", "client auth"], "expiry": "720h"},
    "intermediate": {"usages": ["cert sign", "crl sign"], "expiry": "8760h",
                     "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}}
}}}"#;

/// How many serials the root's own CRL lists in the intermediate shape.
const ROOT_CRL_ENTRIES: usize = 10;

/// One chain shape: what the client presents, what the server trusts, and who issues
/// the CRLs.
struct Shape<'a> {
    group: &'static str,
    root_der: CertificateDer<'static>,
    leaf_der: CertificateDer<'static>,
    /// What the client sends after its leaf.
    intermediates: Vec<CertificateDer<'static>>,
    /// The issuer of the leaf, which signs the CRL of N entries.
    leaf_issuer: &'a CertificateAuthority,
    leaf_issuer_der: CertificateDer<'static>,
    /// The root's CRL when the leaf's issuer is an intermediate (both verifiers check the
    /// whole chain and refuse a certificate whose issuer has no CRL).
    root_crl: Option<&'a Crl>,
}

fn root(spec: KeySpec, cn: &str) -> (CertificateAuthority, CertificateDer<'static>) {
    let json = format!(r#"{{"CN": "{cn}"}}"#);
    let csr = CsrJson::from_json(json.as_bytes(), "bench root").expect("root json");
    let key = PrivateKey::generate(spec).expect("root key");
    let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .build()
        .expect("root");
    let der = CertificateDer::from(made.certificate.der().to_vec());
    (made.ca, der)
}

fn intermediate(
    parent: &CertificateAuthority,
    config: &SigningConfig,
) -> (CertificateAuthority, CertificateDer<'static>) {
    let json = CsrJson::from_json(br#"{"CN": "Bench Intermediate"}"#, "bench intermediate")
        .expect("intermediate json");
    let (key, req) = CertificateRequest::generate(&json).expect("intermediate csr");
    let cert = parent
        .issue(
            &req,
            config
                .profile("intermediate")
                .expect("intermediate profile"),
        )
        .with_serial(&[0x7e, 1])
        .build()
        .expect("intermediate");
    let ca_cert =
        CaCertificate::from_der(cert.der(), "bench intermediate").expect("intermediate as CA");
    let ca =
        CertificateAuthority::new(ca_cert, Box::new(KeySigner::new(key))).expect("intermediate CA");
    (ca, CertificateDer::from(cert.der().to_vec()))
}

fn leaf(
    issuer: &CertificateAuthority,
    config: &SigningConfig,
    json: &[u8],
) -> CertificateDer<'static> {
    let json = CsrJson::from_json(json, "bench leaf").expect("leaf json");
    let (_, req) = CertificateRequest::generate(&json).expect("leaf csr");
    let cert = issuer
        .issue(&req, config.profile("client").expect("client profile"))
        .with_serial(&[0x7f, 1])
        .build()
        .expect("leaf");
    CertificateDer::from(cert.der().to_vec())
}

/// A CRL of `issuer` listing `size` serials, none of them the leaf's.
fn crl(issuer: &CertificateAuthority, size: usize) -> Crl {
    let t = OffsetDateTime::now_utc();
    issuer
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
        .expect("crl")
}

fn bench_shape(
    c: &mut Criterion,
    shape: &Shape<'_>,
    sizes: &[usize],
    provider: &Arc<CryptoProvider>,
) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(shape.root_der.clone()).expect("root");
    let roots = Arc::new(roots);
    let mut group = c.benchmark_group(shape.group);
    for &size in sizes {
        let mut webpki =
            WebPkiClientVerifier::builder_with_provider(Arc::clone(&roots), Arc::clone(provider));
        let mut ours = ClientVerifier::builder(vec![shape.root_der.clone()]);
        if size > 0 {
            // Built once per shape and size; dropped before the next size.
            let crl = crl(shape.leaf_issuer, size);
            let mut issuers = vec![shape.leaf_issuer_der.as_ref()];
            let mut crls = vec![crl.der()];
            if let Some(root_crl) = shape.root_crl {
                issuers.push(shape.root_der.as_ref());
                crls.push(root_crl.der());
            }
            let mut store = RevocationStore::builder(issuers).expect("issuers");
            for der in &crls {
                store = store.with_crls(der, "bench").expect("crl");
            }
            let store = store.build().expect("store");
            assert_eq!(store.issuer_count(), crls.len(), "one CRL per issuer");
            ours = ours.with_revocation(store, RevocationPolicy::default());
            webpki = webpki.with_crls(
                crls.iter()
                    .map(|der| CertificateRevocationListDer::from(der.to_vec())),
            );
        }
        let webpki = webpki.build().expect("webpki verifier");
        let ours = ours.build().expect("certgate verifier");

        let now = UnixTime::now();
        group.bench_function(format!("certgate/crl-{size}"), |b| {
            b.iter(|| {
                ours.verify_client_cert(&shape.leaf_der, &shape.intermediates, now)
                    .expect("certgate accepts")
            })
        });
        group.bench_function(format!("webpki/crl-{size}"), |b| {
            b.iter(|| {
                webpki
                    .verify_client_cert(&shape.leaf_der, &shape.intermediates, now)
                    .expect("webpki accepts")
            })
        });
    }
    group.finish();
}

fn verify(c: &mut Criterion) {
    let config = SigningConfig::from_json(CONFIG, "bench").expect("config");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut sizes = vec![0usize, 1_000, 100_000];
    if std::env::var_os("CERTGATE_BENCH_1M").is_some() {
        sizes.push(1_000_000);
    }
    let p256_leaf = br#"{"CN": "iphone"}"#;

    let (p256_root, p256_root_der) = root(KeySpec::EcdsaP256, "Bench Root");
    bench_shape(
        c,
        &Shape {
            group: "verify/p256-leaf-root",
            root_der: p256_root_der.clone(),
            leaf_der: leaf(&p256_root, &config, p256_leaf),
            intermediates: Vec::new(),
            leaf_issuer: &p256_root,
            leaf_issuer_der: p256_root_der.clone(),
            root_crl: None,
        },
        &sizes,
        &provider,
    );

    let (int, int_der) = intermediate(&p256_root, &config);
    let root_crl = crl(&p256_root, ROOT_CRL_ENTRIES);
    bench_shape(
        c,
        &Shape {
            group: "verify/p256-leaf-int-root",
            root_der: p256_root_der,
            leaf_der: leaf(&int, &config, p256_leaf),
            intermediates: vec![int_der.clone()],
            leaf_issuer: &int,
            leaf_issuer_der: int_der,
            root_crl: Some(&root_crl),
        },
        &sizes,
        &provider,
    );

    let (rsa_root, rsa_root_der) = root(KeySpec::Rsa(4096), "Bench RSA Root");
    bench_shape(
        c,
        &Shape {
            group: "verify/rsa2048-leaf-rsa4096-root",
            root_der: rsa_root_der.clone(),
            leaf_der: leaf(
                &rsa_root,
                &config,
                br#"{"CN": "iphone", "key": {"algo": "rsa", "size": 2048}}"#,
            ),
            intermediates: Vec::new(),
            leaf_issuer: &rsa_root,
            leaf_issuer_der: rsa_root_der,
            root_crl: None,
        },
        &sizes,
        &provider,
    );
}

// criterion_group! makes an undocumented public function.
#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, verify);
}
use group::benches;
criterion_main!(benches);
