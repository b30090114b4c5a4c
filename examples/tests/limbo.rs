//! x509-limbo conformance: `certgate limbo` over the shared core suite, every result
//! compared with the expected one; each difference must be listed, with its reason, in
//! `limbo-exceptions.txt`, and each listed case must still differ.
//!
//! Cases that test what a CA must do (a `pedantic-*` feature, or a `STRICT` line of the
//! exceptions file) run with the strict RFC 5280 rules; the rest with the verifier's
//! defaults. The core suite also runs once with the defaults only: there, the `STRICT`
//! cases (and no other) are wrongly accepted, so each `STRICT` line stays needed.
//!
//! The full suite (9,780 cases, about 30 s in a debug build) runs too: the test
//! decompresses `conformance/limbo-full.json.xz` of the shared data with `xz` into a
//! temporary directory. Without the data or `xz` it skips through certgate-test-support
//! (counted by `scripts/test`; a failure under `CI`).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::CERTGATE;
use serde_json::Value;

/// Cases skipped for a feature certgate does not implement (the Public Suffix List).
const SKIPPED_FEATURES: usize = 3;

/// The `STRICT` lines mark a run mode, not a difference.
const STRICT: &str = "STRICT";

/// The exceptions file: case id → `SUCCESS`, `FAILURE` (a known difference) or `STRICT`.
fn exceptions() -> BTreeMap<String, String> {
    include_str!("limbo-exceptions.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let id = parts.next().unwrap().to_owned();
            let actual = parts.next().unwrap().to_owned();
            assert!(
                ["SUCCESS", "FAILURE", STRICT].contains(&actual.as_str()),
                "{id}: {actual}"
            );
            assert!(
                parts.next().is_some_and(|r| !r.is_empty()),
                "{id}: no reason"
            );
            (id, actual)
        })
        .collect()
}

fn strict_cases() -> Vec<String> {
    exceptions()
        .into_iter()
        .filter(|(_, actual)| actual == STRICT)
        .map(|(id, _)| id)
        .collect()
}

struct Tally {
    pass: usize,
    wrong_accepts: Vec<String>,
    wrong_rejects: Vec<String>,
    skipped: usize,
    /// Differences not listed in the exceptions file, with their context.
    unlisted: Vec<String>,
    /// Listed differences seen.
    seen_exceptions: usize,
}

/// Runs `certgate limbo` over `file`, with the `strict` cases in strict mode.
fn run_suite(file: &Path, strict: &[String]) -> Tally {
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
    let mut args = vec!["limbo", file.to_str().unwrap()];
    for id in strict {
        args.extend(["--strict-case", id]);
    }
    let out = certgate_test_support::run(CERTGATE, &args, Path::new("."));
    assert!(out.success(), "certgate limbo failed: {}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).expect("stdout is only JSON");
    assert_eq!(report["version"], 1);
    assert_eq!(report["harness"], "certgate");
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), expected.len(), "one result per case");

    let exceptions = exceptions();
    let mut tally = Tally {
        pass: 0,
        wrong_accepts: Vec::new(),
        wrong_rejects: Vec::new(),
        skipped: 0,
        unlisted: Vec::new(),
        seen_exceptions: 0,
    };
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
                    exceptions.get(id).is_none_or(|e| e == STRICT),
                    "{id} is listed as an exception but now passes: remove it"
                );
                continue;
            }
            "SUCCESS" => tally.wrong_accepts.push(id.to_owned()),
            _ => tally.wrong_rejects.push(id.to_owned()),
        }
        match exceptions.get(id) {
            Some(listed) if listed == actual => tally.seen_exceptions += 1,
            _ => tally.unlisted.push(format!(
                "{id}: expected {want}, got {actual}: {}",
                r["context"]
            )),
        }
    }
    tally
}

fn report(name: &str, tally: &Tally) {
    eprintln!(
        "limbo {name}: {} pass, {} wrong accepts, {} wrong rejects, {} skipped",
        tally.pass,
        tally.wrong_accepts.len(),
        tally.wrong_rejects.len(),
        tally.skipped
    );
}

#[test]
fn core_suite_matches_expectations_and_exceptions() {
    let Some(shared) = certgate_test_support::shared_dir() else {
        return;
    };
    let file = shared.join("conformance/limbo-core.json");
    let strict = strict_cases();
    let tally = run_suite(&file, &strict);
    report("core", &tally);
    assert!(
        tally.unlisted.is_empty(),
        "differences not in limbo-exceptions.txt:\n{}",
        tally.unlisted.join("\n")
    );
    let differences = exceptions().len() - strict.len();
    assert_eq!(
        tally.seen_exceptions, differences,
        "every exception is a case of this suite"
    );
    assert_eq!(
        tally.skipped, SKIPPED_FEATURES,
        "skipped only for the listed features"
    );
    assert!(tally.pass >= 203, "core passes fell to {}", tally.pass);
    assert!(tally.wrong_rejects.len() <= 2, "{:?}", tally.wrong_rejects);
    assert!(
        tally.wrong_accepts.is_empty(),
        "wrong accepts: {:?}",
        tally.wrong_accepts
    );

    // With the defaults everywhere (pedantic cases aside), exactly the STRICT cases are
    // accepted: each tests a duty of the CA that a relying party leaves to it.
    let defaults = run_suite(&file, &[]);
    report("core, defaults only", &defaults);
    let accepted: BTreeSet<&String> = defaults.wrong_accepts.iter().collect();
    let listed: BTreeSet<&String> = strict.iter().collect();
    assert_eq!(
        accepted, listed,
        "STRICT lines must be exactly the cases the defaults accept"
    );
    assert_eq!(defaults.wrong_rejects, tally.wrong_rejects);
}

/// The least the full suite passes: 9,780 cases, less the 3 Public Suffix List cases and
/// the 2 listed differences (webpki passes 9,703 of them).
const FULL_PASSES: usize = 9_775;

/// The full suite, decompressed from the shared data into `dir` (`None` after a skip).
fn full_suite_file(dir: &Path) -> Option<PathBuf> {
    let xz_file = certgate_test_support::shared_dir()?.join("conformance/limbo-full.json.xz");
    if !xz_file.is_file() {
        certgate_test_support::skip(&format!("{} is missing", xz_file.display()));
        return None;
    }
    if !certgate_test_support::require_tool("xz") {
        return None;
    }
    let file = dir.join("limbo-full.json");
    let status = Command::new("xz")
        .arg("-dc")
        .arg(&xz_file)
        .stdout(std::fs::File::create(&file).unwrap())
        .status()
        .unwrap();
    assert!(status.success(), "xz -dc {} failed", xz_file.display());
    Some(file)
}

#[test]
fn full_suite_matches_expectations_and_exceptions() {
    let dir = tempfile::tempdir().unwrap();
    let Some(file) = full_suite_file(dir.path()) else {
        return;
    };
    let tally = run_suite(&file, &strict_cases());
    report("full", &tally);
    assert!(
        tally.unlisted.is_empty(),
        "differences not in limbo-exceptions.txt:\n{}",
        tally.unlisted.join("\n")
    );
    assert!(
        tally.pass >= FULL_PASSES,
        "full passes fell to {}",
        tally.pass
    );
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
