//! The cost of loading a big CRL (P-256 issuer): 1,000,000 entries with
//! `CERTGATE_BENCH_1M=1`, 100,000 otherwise, so a build or a quick run stays cheap.
//!
//! - Load time, with criterion: certgate's `RevocationStore` (parse, check the signature
//!   once, fill the hash set) beside rustls' `WebPkiClientVerifier` built with the same
//!   CRL (`with_crls` + `build`, which parses it into webpki's owned form).
//! - Memory, which criterion cannot measure: a counting global allocator (`peak_alloc`) records the
//!   bytes allocated and not yet freed, and their high-water mark, around one build of
//!   each. "Held" is what the built value keeps once the input CRL bytes are dropped;
//!   "peak" is the most allocated at once while building, the input included. Printed
//!   to stderr before the timings.

use std::sync::Arc;

use certgate_ca::cfssl::CsrJson;
use certgate_ca::{KeySigner, KeySpec, PrivateKey, RevokedEntry, RootCaBuilder};
use certgate_verify::RevocationStore;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use peak_alloc::PeakAlloc;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer};
use rustls::server::WebPkiClientVerifier;
use time::{Duration, OffsetDateTime};

/// The system allocator, counting bytes in use and their high-water mark.
#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// What building one value cost in memory, in bytes.
struct Footprint {
    held: usize,
    peak: usize,
}

/// Runs `build` and reports what it allocated: kept by its result, and at most.
/// A 16-octet serial that looks random (splitmix64 of the index, twice), top bit clear.
fn random_serial(i: u64) -> Vec<u8> {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut out = mix(i).to_be_bytes().to_vec();
    out.extend(mix(i ^ 0x5555_5555_5555_5555).to_be_bytes());
    out[0] &= 0x7f;
    out[0] |= 0x01;
    out
}

fn measure<T>(build: impl FnOnce() -> T) -> (T, Footprint) {
    let base = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let value = build();
    let footprint = Footprint {
        held: ALLOCATOR.current_usage().saturating_sub(base),
        peak: ALLOCATOR.peak_usage().saturating_sub(base),
    };
    (value, footprint)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn crl_load(c: &mut Criterion) {
    let size: usize = if std::env::var_os("CERTGATE_BENCH_1M").is_some() {
        1_000_000
    } else {
        100_000
    };
    eprintln!("crl_load: a CRL of {size} entries (CERTGATE_BENCH_1M=1 for 1,000,000)");

    let csr = CsrJson::from_json(br#"{"CN": "Bench Root"}"#, "bench").expect("root json");
    let key = PrivateKey::generate(KeySpec::EcdsaP256).expect("root key");
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .build()
        .expect("root");
    let root_der = CertificateDer::from(root.certificate.der().to_vec());
    let t = OffsetDateTime::now_utc();
    let crl = root
        .ca
        .crl(1, t - Duration::minutes(1), t + Duration::days(1))
        .with_entries((0..size).map(|i| {
            RevokedEntry {
                // Random-looking 16-octet serials, as CAs issue them (and in no order):
                // the store's sort gets no help from the input.
                serial: random_serial(u64::try_from(i).expect("size")),
                revoked_at: t,
                reason: None,
            }
        }))
        .build()
        .expect("crl");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root_der.clone()).expect("root");
    let roots = Arc::new(roots);

    let build_certgate = |der: &[u8]| {
        RevocationStore::builder([root_der.as_ref()])
            .expect("issuer")
            .with_crls(der, "bench")
            .expect("crl")
            .build()
            .expect("store")
    };
    let build_webpki = |der: CertificateRevocationListDer<'static>| {
        WebPkiClientVerifier::builder_with_provider(Arc::clone(&roots), Arc::clone(&provider))
            .with_crls([der])
            .build()
            .expect("webpki verifier")
    };

    // Memory first, before criterion allocates anything of its own. Each input is a
    // fresh copy of the CRL, as if just read from a file, allocated inside the
    // measurement and dropped before "held" is read.
    let (store, certgate) = measure(|| {
        let der = crl.der().to_vec();
        let store = build_certgate(&der);
        drop(der);
        store
    });
    drop(store);
    let (verifier, webpki) = measure(|| {
        // Moved into the builder; the verifier keeps its own parsed copy.
        build_webpki(CertificateRevocationListDer::from(crl.der().to_vec()))
    });
    drop(verifier);
    eprintln!(
        "\nmemory after loading a CRL of {size} entries ({:.1} MiB of DER):",
        mib(crl.der().len())
    );
    eprintln!("| | MiB held | MiB peak |");
    eprintln!("|---|---|---|");
    for (name, footprint) in [("certgate", certgate), ("webpki", webpki)] {
        eprintln!(
            "| {name} | {:.1} | {:.1} |",
            mib(footprint.held),
            mib(footprint.peak)
        );
    }
    eprintln!();

    let mut group = c.benchmark_group("crl_load/p256-issuer");
    group.sample_size(10);
    group.bench_function(format!("certgate/crl-{size}"), |b| {
        b.iter_batched(
            || (),
            |()| build_certgate(crl.der()),
            BatchSize::PerIteration,
        )
    });
    group.bench_function(format!("webpki/crl-{size}"), |b| {
        b.iter_batched(
            || CertificateRevocationListDer::from(crl.der().to_vec()),
            build_webpki,
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

// criterion_group! makes an undocumented public function.
#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, crl_load);
}
use group::benches;
criterion_main!(benches);
