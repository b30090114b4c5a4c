//! The OpenSSL agreement matrix for RFC 5280 path validation (issue 13): certificate
//! policies, name constraints across the path, self-issued certificates, name chaining,
//! the relying party's leniencies and negative controls. Each case builds its chain with
//! certgate-ca (a few with `openssl ca`, a few re-encoded and signed again), runs
//! `openssl verify` and `ChainVerifier::verify_chain` at the same fixed clock, and
//! asserts that both reach the expected verdict, or, for a documented difference, each
//! its own. A table (case, openssl, certgate) goes to stderr.

#![allow(clippy::unwrap_used)]

#[path = "openssl_matrix/case.rs"]
mod case;
#[path = "openssl_matrix/cases_lenient.rs"]
mod cases_lenient;
#[path = "openssl_matrix/cases_names.rs"]
mod cases_names;
#[path = "openssl_matrix/cases_policy.rs"]
mod cases_policy;
#[path = "openssl_matrix/cases_self_issued.rs"]
mod cases_self_issued;
#[path = "openssl_matrix/der_edit.rs"]
mod der_edit;
#[path = "openssl_matrix/lab.rs"]
mod lab;
#[path = "openssl_matrix/openssl_ca.rs"]
mod openssl_ca;

use std::path::Path;

use case::{Case, UsageKind};
use certgate_test_support::{require_tool, run};
use certgate_verify::{ChainVerifier, FailureReason, PolicyOptions, Rfc5280Rules, Usage};
use lab::NOW;
use rustls_pki_types::{CertificateDer, UnixTime};

fn at(t: time::OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(t.unix_timestamp()).unwrap(),
    ))
}

/// The verifier for `case`: its anchors, the fixed clock, its rules and its policy
/// options.
fn certgate_verifier(case: &Case) -> ChainVerifier {
    let anchors = case
        .anchors
        .iter()
        .map(|a| CertificateDer::from(a.clone()))
        .collect();
    let rules = if case.strict {
        Rfc5280Rules::Strict
    } else {
        Rfc5280Rules::RelyingParty
    };
    let mut options = PolicyOptions::default()
        .with_explicit_policy(case.policy.explicit)
        .with_policy_mapping_inhibited(case.policy.inhibit_mapping)
        .with_any_policy_inhibited(case.policy.inhibit_any);
    if !case.policy.initial_policies.is_empty() {
        options = options.with_initial_policy_set(case.policy.initial_policies.iter().copied());
    }
    ChainVerifier::builder(anchors)
        .with_check_time(at(NOW))
        .with_rfc5280_rules(rules)
        .with_policy_options(options)
        .build()
        .unwrap()
}

fn certgate_verdict(case: &Case) -> Result<(), FailureReason> {
    let usage = match case.usage {
        UsageKind::ClientAuth => Usage::client_auth(),
        UsageKind::Any => Usage::any(),
    };
    let intermediates: Vec<_> = case
        .intermediates
        .iter()
        .map(|i| CertificateDer::from(i.as_slice()))
        .collect();
    certgate_verifier(case)
        .verify_chain(
            &CertificateDer::from(case.leaf.as_slice()),
            &intermediates,
            &usage,
            None,
            at(NOW),
        )
        .map(|_| ())
}

/// `openssl verify` of the case in `dir`: accepted, and OpenSSL's error line if not.
fn openssl_verdict(case: &Case, dir: &Path) -> (bool, String) {
    let pem = |certs: &[Vec<u8>]| -> String {
        certs
            .iter()
            .map(|c| certgate_x509::pem::encode("CERTIFICATE", c))
            .collect()
    };
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("root.pem"), pem(&case.anchors)).unwrap();
    std::fs::write(dir.join("leaf.pem"), pem(std::slice::from_ref(&case.leaf))).unwrap();
    let attime = NOW.unix_timestamp().to_string();
    let mut args = vec!["verify", "-attime", attime.as_str(), "-CAfile", "root.pem"];
    if !case.intermediates.is_empty() {
        std::fs::write(dir.join("int.pem"), pem(&case.intermediates)).unwrap();
        args.extend(["-untrusted", "int.pem"]);
    }
    args.extend(case.openssl_args());
    args.push("leaf.pem");
    let out = run("openssl", &args, dir);
    let text = format!("{}{}", out.stdout, out.stderr);
    let error = text
        .lines()
        .find(|l| l.starts_with("error "))
        .unwrap_or_default()
        .to_owned();
    (out.success() && out.stdout.trim() == "leaf.pem: OK", error)
}

fn word(accepted: bool) -> &'static str {
    if accepted { "accept" } else { "refuse" }
}

/// Runs `case` on both sides: its row of the table, and what failed (if anything).
fn judge(case: &Case, dir: &Path) -> (String, Vec<String>) {
    let (openssl, error) = openssl_verdict(case, dir);
    let certgate = certgate_verdict(case);
    let (want_openssl, want_certgate) = case.expected();
    let note = match &certgate {
        Err(reason) => format!("{error} / {reason}"),
        Ok(()) => error.clone(),
    };
    let (expected, why) = match case.expect {
        case::Expect::Differs { why, .. } => ("differs", format!("[{why}] ")),
        _ => (word(want_openssl), String::new()),
    };
    let row = format!(
        "{:<44} {:<8} {:<8} {:<10} {why}{note}\n",
        case.name,
        word(openssl),
        word(certgate.is_ok()),
        expected,
    );
    let mut failures = Vec::new();
    if openssl != want_openssl {
        failures.push(format!(
            "{}: openssl {} (expected {}): {error}",
            case.name,
            word(openssl),
            word(want_openssl)
        ));
    }
    if certgate.is_ok() != want_certgate {
        failures.push(format!(
            "{}: certgate {} (expected {}): {certgate:?}",
            case.name,
            word(certgate.is_ok()),
            word(want_certgate)
        ));
    }
    (row, failures)
}

/// Every case, built in `dir`.
fn all_cases(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(cases_policy::cases());
    cases.extend(cases_names::cases(&dir.join("made-names")));
    cases.extend(cases_self_issued::cases());
    cases.extend(cases_lenient::cases(&dir.join("made-lenient")));
    cases
}

/// Runs `cases` (built in `dir`) on both sides, prints the table and fails with every
/// disagreement.
fn agree(cases: &[Case], dir: &Path) {
    let mut table = format!(
        "{:<44} {:<8} {:<8} {:<10} {}\n",
        "case", "openssl", "certgate", "expected", "openssl error / certgate reason"
    );
    let mut failures = Vec::new();
    for case in cases {
        let (row, failed) = judge(case, &dir.join(&case.name));
        table.push_str(&row);
        failures.extend(failed);
    }
    eprint!("{table}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn certificate_policies_agree() {
    if !require_tool("openssl") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    agree(&cases_policy::cases(), work.path());
}

#[test]
fn name_constraints_agree() {
    if !require_tool("openssl") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    agree(&cases_names::cases(&work.path().join("made")), work.path());
}

#[test]
fn self_issued_certificates_agree() {
    if !require_tool("openssl") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    agree(&cases_self_issued::cases(), work.path());
}

#[test]
fn name_chaining_leniencies_and_controls_agree() {
    if !require_tool("openssl") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    agree(
        &cases_lenient::cases(&work.path().join("made")),
        work.path(),
    );
}

#[test]
fn case_names_are_unique() {
    if !require_tool("openssl") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let cases = all_cases(work.path());
    for (i, case) in cases.iter().enumerate() {
        assert!(
            !cases[..i].iter().any(|c| c.name == case.name),
            "two cases named {}",
            case.name
        );
    }
}
