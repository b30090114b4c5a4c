//! x509-limbo conformance: `certgate limbo` over the shared core suite, every result
//! compared with the expected one; each difference must be listed, with its reason, in
//! `limbo-exceptions.txt`, and each listed case must still differ.
//!
//! The full suite (9,780 cases) is one command:
//! `xz -dc ../shared/conformance/limbo-full.json.xz > /tmp/limbo-full.json &&
//!  CERTGATE_LIMBO_FULL=/tmp/limbo-full.json cargo test -p certgate-examples --test limbo`.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use common::CERTGATE;
use serde_json::Value;

/// The targets: core without wrong accepts and with at most 5 wrong rejects, full at
/// least 9,703 passes and no wrong accepts.
const SKIPPED_FEATURES: usize = 22;

struct Tally {
    pass: usize,
    wrong_accepts: Vec<String>,
    wrong_rejects: Vec<String>,
    skipped: usize,
}

fn run_suite(file: &Path) -> Tally {
    let suite: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let expected: HashMap<&str, &str> = suite["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap(),
                t["expected_result"].as_str().unwrap(),
            )
        })
        .collect();
    let out =
        certgate_test_support::run(CERTGATE, &["limbo", file.to_str().unwrap()], Path::new("."));
    assert!(out.success(), "certgate limbo failed: {}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).expect("stdout is only JSON");
    assert_eq!(report["version"], 1);
    assert_eq!(report["harness"], "certgate");
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), expected.len(), "one result per case");

    let exceptions: BTreeMap<String, String> = include_str!("limbo-exceptions.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let id = parts.next().unwrap().to_owned();
            let actual = parts.next().unwrap().to_owned();
            assert!(
                parts.next().is_some_and(|r| !r.is_empty()),
                "{id}: no reason"
            );
            (id, actual)
        })
        .collect();

    let mut tally = Tally {
        pass: 0,
        wrong_accepts: Vec::new(),
        wrong_rejects: Vec::new(),
        skipped: 0,
    };
    let mut unlisted = Vec::new();
    let mut seen_exceptions = 0;
    for r in results {
        let id = r["id"].as_str().unwrap();
        let actual = r["actual_result"].as_str().unwrap();
        let want = expected[id];
        assert!(r["context"].is_string(), "{id}: context");
        match actual {
            "SKIPPED" => {
                tally.skipped += 1;
                continue;
            }
            a if a == want => {
                tally.pass += 1;
                assert!(
                    !exceptions.contains_key(id),
                    "{id} is listed as an exception but now passes: remove it"
                );
                continue;
            }
            "SUCCESS" => tally.wrong_accepts.push(id.to_owned()),
            _ => tally.wrong_rejects.push(id.to_owned()),
        }
        match exceptions.get(id) {
            Some(listed) if listed == actual => seen_exceptions += 1,
            _ => unlisted.push(format!(
                "{id}: expected {want}, got {actual}: {}",
                r["context"]
            )),
        }
    }
    assert!(
        unlisted.is_empty(),
        "differences not in limbo-exceptions.txt:\n{}",
        unlisted.join("\n")
    );
    if results.len() < 1000 {
        assert_eq!(
            seen_exceptions,
            exceptions.len(),
            "every exception is a case of this suite"
        );
    }
    tally
}

#[test]
fn core_suite_matches_expectations_and_exceptions() {
    let Some(shared) = certgate_test_support::shared_dir() else {
        return;
    };
    let tally = run_suite(&shared.join("conformance/limbo-core.json"));
    eprintln!(
        "limbo core: {} pass, {} wrong accepts, {} wrong rejects, {} skipped",
        tally.pass,
        tally.wrong_accepts.len(),
        tally.wrong_rejects.len(),
        tally.skipped
    );
    assert_eq!(
        tally.skipped, SKIPPED_FEATURES,
        "skipped only for the listed features"
    );
    assert!(tally.pass >= 182, "core passes fell to {}", tally.pass);
    assert!(tally.wrong_rejects.len() <= 5, "{:?}", tally.wrong_rejects);
    assert!(
        tally.wrong_accepts.is_empty(),
        "wrong accepts: {:?}",
        tally.wrong_accepts
    );
}

#[test]
fn full_suite_on_request() {
    let Some(file) = std::env::var_os("CERTGATE_LIMBO_FULL") else {
        eprintln!(
            "full limbo suite skipped: set CERTGATE_LIMBO_FULL to an uncompressed limbo-full.json"
        );
        return;
    };
    let tally = run_suite(Path::new(&file));
    eprintln!(
        "limbo full: {} pass, {} wrong accepts, {} wrong rejects, {} skipped",
        tally.pass,
        tally.wrong_accepts.len(),
        tally.wrong_rejects.len(),
        tally.skipped
    );
    assert!(tally.pass >= 9_703, "full passes {}", tally.pass);
    assert!(
        tally.wrong_accepts.is_empty(),
        "wrong accepts: {:?}",
        tally.wrong_accepts
    );
}

#[test]
fn bad_input_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), b"{\"testcases\": 3}").unwrap();
    let out = certgate_test_support::run(CERTGATE, &["limbo", "bad.json"], dir.path());
    assert_ne!(out.status, 0);
    assert!(
        out.stderr.contains("bad.json: not an x509-limbo file"),
        "{}",
        out.stderr
    );
    let out = certgate_test_support::run(CERTGATE, &["limbo", "missing.json"], dir.path());
    assert_ne!(out.status, 0);
    assert!(out.stderr.contains("missing.json"), "{}", out.stderr);
}
