//! Differential fuzzing of path validation: real chains made by certgate-ca (see
//! `chain_differential/lab.rs`), one certificate mutated and signed again by its true
//! issuer (`chain_differential/mutate.rs`), the presented intermediates dropped or
//! repeated; then certgate-verify's `ChainVerifier` and rustls-webpki verify the same
//! chain, with the same anchor, intermediates, time and clientAuth usage.
//!
//! - Both accept, or both refuse: fine.
//! - webpki accepts, certgate refuses: allowed (certgate is stricter on purpose in many
//!   places); counted in the debug log only.
//! - certgate accepts, webpki refuses: the chain must fall in one of the categories of
//!   `chain_differential/classify.rs` (policies, DN/URI constraints, name-comparison
//!   leniency, self-issued, relying-party leniency); anything else panics with the
//!   chain and both verdicts: a finding.
//!
//! `CHAIN_DIFFERENTIAL_LOG=1` prints the counts of each outcome every 2^14 inputs (and
//! at 1, 2, 4, ...); `=2` also prints every certgate-only refusal's reasons.
#![no_main]

#[path = "chain_differential/classify.rs"]
mod classify;
#[path = "chain_differential/der_tree.rs"]
mod der_tree;
#[path = "chain_differential/lab.rs"]
mod lab;
#[path = "chain_differential/mutate.rs"]
mod mutate;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use certgate_verify::Usage;
use certgate_x509::CertView;
use libfuzzer_sys::fuzz_target;
use rustls_pki_types::CertificateDer;
use webpki::{EndEntityCert, KeyUsage};

use crate::classify::{Category, classify};
use crate::lab::Chain;
use crate::mutate::{Input, edits_certificate, mutate, presented, read_ops};

/// The lab, made once, and every certificate in it (the donors of transplanted
/// extensions).
struct Lab {
    chains: Vec<Chain>,
    donors: Vec<Vec<u8>>,
}

fn lab() -> &'static Lab {
    static LAB: OnceLock<Lab> = OnceLock::new();
    LAB.get_or_init(|| {
        let chains = lab::chains();
        for chain in &chains {
            check_baseline(chain);
        }
        let donors = chains
            .iter()
            .flat_map(|c| c.certs.iter().cloned().chain([c.anchor.to_vec()]))
            .collect();
        Lab { chains, donors }
    })
}

/// The unmutated chains verify as expected, or the lab is broken: webpki accepts the
/// chains with nothing beyond it and refuses each other one for the category it was
/// made for; certgate accepts every one of them (the log says how each side judges each
/// chain).
fn check_baseline(chain: &Chain) {
    let ints = chain.certs[1..].to_vec();
    let (cg, wp) = verdicts(chain, &chain.certs[0], &ints);
    if log_level() > 0 {
        eprintln!(
            "chain_differential: lab chain {}: certgate {cg:?}, webpki {wp:?}",
            chain.name
        );
    }
    let expected = match chain.name {
        "DnUri" => Some(Category::DnUriConstraints),
        "Rollover" => Some(Category::SelfIssued),
        "Policy" => Some(Category::Policy),
        _ => None,
    };
    assert!(
        cg.is_ok(),
        "lab chain {}: certgate refuses it: {cg:?}",
        chain.name
    );
    match (expected, &wp) {
        (None, Ok(())) => {}
        (Some(category), Err(_)) => {
            let found = categories(chain, &chain.certs[0], &ints);
            assert!(
                found.contains(&category),
                "lab chain {}: {found:?}",
                chain.name
            );
        }
        _ => panic!("lab chain {}: webpki says {wp:?}", chain.name),
    }
}

/// certgate's and webpki's verdicts on `leaf` with `intermediates`.
fn verdicts(
    chain: &Chain,
    leaf: &[u8],
    intermediates: &[Vec<u8>],
) -> (
    Result<(), certgate_verify::FailureReason>,
    Result<(), webpki::Error>,
) {
    let leaf = CertificateDer::from(leaf);
    let ints: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let now = lab::verify_time();
    let cg = chain
        .verifier
        .verify_chain(&leaf, &ints, &Usage::client_auth(), None, now)
        .map(|_| ());
    let wp = EndEntityCert::try_from(&leaf).and_then(|ee| {
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            std::slice::from_ref(&chain.trust_anchor),
            &ints,
            now,
            KeyUsage::client_auth(),
            None,
            None,
        )
        .map(|_| ())
    });
    (cg, wp)
}

/// The categories of the chain: the leaf, the intermediates that parse, the anchor.
fn categories(chain: &Chain, leaf: &[u8], intermediates: &[Vec<u8>]) -> Vec<Category> {
    let views: Vec<CertView<'_>> = std::iter::once(leaf)
        .chain(intermediates.iter().map(Vec::as_slice))
        .chain([chain.anchor.as_ref()])
        .filter_map(|der| CertView::parse(der).ok())
        .collect();
    classify(&views)
}

/// Outcome counters for the debug log.
static RUNS: AtomicU64 = AtomicU64::new(0);
static BOTH_ACCEPT: AtomicU64 = AtomicU64::new(0);
static BOTH_REFUSE: AtomicU64 = AtomicU64::new(0);
static WEBPKI_ONLY: AtomicU64 = AtomicU64::new(0);
static CERTGATE_ONLY: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];

fn log_level() -> u8 {
    static LEVEL: OnceLock<u8> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        std::env::var("CHAIN_DIFFERENTIAL_LOG")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    })
}

fn log_counts(runs: u64) {
    if log_level() == 0 || !(runs.is_power_of_two() || runs % (1 << 14) == 0) {
        return;
    }
    let c = |a: &AtomicU64| a.load(Ordering::Relaxed);
    eprintln!(
        "chain_differential: {runs} runs, both accept {}, both refuse {}, webpki only {}, \
         certgate only: policy {}, dn/uri {}, names {}, self-issued {}, relying party {}",
        c(&BOTH_ACCEPT),
        c(&BOTH_REFUSE),
        c(&WEBPKI_ONLY),
        c(&CERTGATE_ONLY[0]),
        c(&CERTGATE_ONLY[1]),
        c(&CERTGATE_ONLY[2]),
        c(&CERTGATE_ONLY[3]),
        c(&CERTGATE_ONLY[4]),
    );
}

fuzz_target!(|data: &[u8]| {
    let lab = lab();
    let mut input = Input(data);
    let chain = &lab.chains[usize::from(input.byte()) % lab.chains.len()];
    let target = usize::from(input.byte()) % chain.certs.len();
    let ops = read_ops(&mut input);
    let mut certs = chain.certs.clone();
    if edits_certificate(&ops) {
        let Some(mutated) = mutate(&certs[target], &ops, &chain.signers[target], &lab.donors)
        else {
            return;
        };
        certs[target] = mutated;
    }
    let leaf = certs.remove(0);
    let intermediates = presented(certs, &ops);
    let (cg, wp) = verdicts(chain, &leaf, &intermediates);
    let runs = RUNS.fetch_add(1, Ordering::Relaxed) + 1;
    match (&cg, &wp) {
        (Ok(()), Ok(())) => BOTH_ACCEPT.fetch_add(1, Ordering::Relaxed),
        (Err(_), Err(_)) => BOTH_REFUSE.fetch_add(1, Ordering::Relaxed),
        (Err(reason), Ok(())) => {
            if log_level() >= 2 {
                eprintln!("chain_differential: webpki only, certgate says {reason:?}: {ops:?}");
            }
            WEBPKI_ONLY.fetch_add(1, Ordering::Relaxed)
        }
        (Ok(()), Err(webpki_error)) => {
            let found = categories(chain, &leaf, &intermediates);
            let Some(first) = found.first() else {
                finding(chain, target, &ops, &leaf, &intermediates, webpki_error);
            };
            CERTGATE_ONLY[*first as usize].fetch_add(1, Ordering::Relaxed)
        }
    };
    log_counts(runs);
});

/// certgate accepted what webpki refused, for no known reason.
fn finding(
    chain: &Chain,
    target: usize,
    ops: &[mutate::Op],
    leaf: &[u8],
    intermediates: &[Vec<u8>],
    webpki_error: &webpki::Error,
) -> ! {
    let hex = certgate_x509::hex::lower;
    let ints: Vec<String> = intermediates.iter().map(|c| hex(c)).collect();
    panic!(
        "certgate accepts, webpki refuses ({webpki_error:?}), in no known category:\n\
         chain {} (certificate {target} mutated: {ops:?})\nleaf {}\nintermediates {ints:?}\n\
         anchor {}",
        chain.name,
        hex(leaf),
        hex(&chain.anchor),
    );
}
