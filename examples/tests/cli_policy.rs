//! `certgate policy check` (exit 0 clean, 1 warnings, 2 errors) and `certgate policy
//! explain` (exit 0 let in, 1 kept out, 2 errors) with certificates, addresses,
//! identities and service tokens.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// The issue's example, in Cloudflare Access API JSON.
const ACCESS_JSON: &str = r#"[{"name": "money", "domain": "money.example.com", "session_duration": "0s",
  "policies": [
    {"name": "laptop", "decision": "non_identity", "precedence": 1,
     "include": [{"common_name": {"common_name": "my-laptop"}}]},
    {"name": "robots", "decision": "non_identity", "precedence": 2,
     "include": [{"any_valid_service_token": {}}]},
    {"name": "staff", "decision": "allow", "precedence": 3,
     "include": [{"email_domain": {"domain": "example.com"}}],
     "require": [{"certificate": {}}], "exclude": [{"ip": {"ip": "198.51.100.0/24"}}]}]}]"#;

const TOML: &str = r#"
[[service_tokens]]
name = "robot"
client_id = "robot.access"
client_secret = "s3cret"

[[applications]]
name = "money"
domains = ["money.example.com"]
session_duration = "0s"

[[applications.policies]]
name = "robots"
decision = "non_identity"
include = [{ service_token = "robot" }]

[[applications.policies]]
name = "laptop"
decision = "non_identity"
include = [{ common_name = "my-laptop" }]
"#;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn check_exits_0_clean_1_with_warnings_2_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "access.json", ACCESS_JSON);
    write(d, "policies.toml", TOML);
    for file in ["access.json", "policies.toml"] {
        let out = certgate_ok(d, &["policy", "check", file]);
        assert!(
            out.stdout.contains(&format!("{file}: 1 applications")),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("0 warnings"), "{}", out.stdout);
    }

    write(
        d,
        "open.toml",
        "[[applications]]\nname = \"open\"\ndomains = [\"open.example.com\"]\n\
         [[applications.policies]]\nname = \"everyone\"\ndecision = \"allow\"\ninclude = [{ everyone = true }]\n",
    );
    let out = certgate(d, &["policy", "check", "open.toml"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("warning[allow-everyone]: application `open`, policy `everyone`"),
        "{}",
        out.stdout
    );
    assert_eq!(out.stderr, "certgate: open.toml: 1 warnings\n");

    write(
        d,
        "geo.json",
        r#"{"result": [{"name": "a", "domain": "a.example.com", "policies": [
            {"name": "us", "decision": "allow", "include": [{"geo": {"country_code": "US"}}]}]}]}"#,
    );
    let out = certgate(d, &["policy", "check", "geo.json"]);
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr,
        "certgate: geo.json: $.result[0].policies[0].include[0]: selector `geo` is not supported: \
         certgate has no IP geolocation; use `ip` ranges\n"
    );
    write(
        d,
        "bad.json",
        r#"[{"name": "a", "domain": "a.example.com", "policies": [
        {"name": "p", "decision": "allow", "include": [{"sorcery": {}}]}]}]"#,
    );
    let out = certgate(d, &["policy", "check", "bad.json"]);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .contains("$[0].policies[0].include[0]: unknown selector `sorcery`"),
        "{}",
        out.stderr
    );
    let out = certgate(d, &["policy", "check", "missing.toml"]);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .starts_with("certgate: missing.toml: cannot read"),
        "{}",
        out.stderr
    );
}

/// A CA and a client certificate for CN my-laptop in `dir`.
fn laptop_cert(dir: &Path) {
    small_ca(dir);
    write(dir, "laptop.json", r#"{"CN": "my-laptop"}"#);
    certgate_ok(
        dir,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=client",
            "-bare",
            "my-laptop",
            "laptop.json",
        ],
    );
}

fn explain_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec![
        "policy",
        "explain",
        "access.json",
        "--host",
        "money.example.com",
        "--path",
        "/",
        "--json",
    ];
    all.extend_from_slice(args);
    explained(dir, &all)
}

/// Runs `certgate policy explain ... --json`, checks that the exit status answers as
/// `openssl verify` does (0 let in, 1 kept out) and returns the JSON.
fn explained(dir: &Path, args: &[&str]) -> Value {
    let out = certgate(dir, args);
    let json: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}{}", out.stdout, out.stderr));
    let expected = match json["outcome"].as_str() {
        Some("allow" | "bypass") => 0,
        Some("deny") => 1,
        other => panic!("outcome {other:?}"),
    };
    assert_eq!(out.status, expected, "{args:?}: {}", out.stderr);
    if expected == 1 {
        assert_eq!(
            out.stderr,
            format!("certgate: kept out: {}\n", json["reason"].as_str().unwrap())
        );
    } else {
        assert_eq!(out.stderr, "");
    }
    json
}

#[test]
fn explain_the_issue_example() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "access.json", ACCESS_JSON);
    laptop_cert(d);

    // Verified: service auth by common name.
    let json = explain_json(d, &["--cert", "my-laptop.pem", "--chain-verified"]);
    assert_eq!(json["outcome"], "allow");
    assert_eq!(json["application"], "money");
    assert_eq!(json["policy"], "laptop");
    assert_eq!(json["decision"], "non_identity");
    assert_eq!(json["rule"], "include[0] common_name \"my-laptop\"");
    assert_eq!(json["reason"], "a policy matched");
    assert_eq!(json["trace"][0]["include"][0]["matched"], true);

    // Presented but not verified: denied, and the trace says the fields would match.
    let json = explain_json(d, &["--cert", "my-laptop.pem"]);
    assert_eq!(json["outcome"], "deny");
    assert_eq!(json["policy"], Value::Null);
    assert_eq!(json["reason_id"], "certificate-not-accepted");
    assert_eq!(
        json["trace"][0]["include"][0]["note"],
        "the client certificate was presented but not verified; its fields would match"
    );
    let json = explain_json(d, &["--cert", "my-laptop.pem", "--cert-error", "revoked"]);
    assert_eq!(json["outcome"], "deny");
    assert_eq!(json["certificate"], "revoked");

    // Staff: an email of the domain and a valid certificate, not from the excluded range.
    let staff = [
        "--cert",
        "my-laptop.pem",
        "--chain-verified",
        "--email",
        "bob@example.com",
    ];
    let mut from = staff.to_vec();
    from.extend(["--ip", "203.0.113.5"]);
    // The laptop policy comes first for this certificate.
    assert_eq!(explain_json(d, &from)["policy"], "laptop");
    let json = explain_json(d, &["--email", "bob@example.com", "--ip", "198.51.100.7"]);
    assert_eq!(json["outcome"], "deny");
    assert_eq!(json["trace"][2]["exclude"][0]["matched"], true);

    // Text output: the decision, then the trace.
    let out = certgate_ok(
        d,
        &[
            "policy",
            "explain",
            "access.json",
            "--host",
            "money.example.com",
            "--path",
            "/x",
            "--cert",
            "my-laptop.pem",
            "--chain-verified",
        ],
    );
    assert!(
        out.stdout.starts_with("allow by application `money`, policy `laptop` (non_identity), include[0] common_name \"my-laptop\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("policy `laptop` (non_identity): matched"),
        "{}",
        out.stdout
    );
}

#[test]
fn explain_service_tokens_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "policies.toml", TOML);
    write(d, "access.json", ACCESS_JSON);
    let run = |token: &str| {
        explained(
            d,
            &[
                "policy",
                "explain",
                "policies.toml",
                "--host",
                "money.example.com",
                "--path",
                "/",
                "--service-token",
                token,
                "--json",
            ],
        )
    };
    let json = run("robot.access:s3cret");
    assert_eq!(
        (json["outcome"].as_str(), json["policy"].as_str()),
        (Some("allow"), Some("robots"))
    );
    let json = run("robot.access:guess");
    assert_eq!(json["outcome"], "deny");
    assert_eq!(
        json["trace"][0]["include"][0]["note"],
        "service token unknown or secret wrong"
    );

    // Unknown host: deny, no application.
    let json = explain_json(d, &[]);
    assert_eq!(json["outcome"], "deny");
    let json = explained(
        d,
        &[
            "policy",
            "explain",
            "access.json",
            "--host",
            "other.example.com",
            "--path",
            "/",
            "--json",
        ],
    );
    assert_eq!(
        (json["application"].clone(), json["reason_id"].clone()),
        (Value::Null, "no-application".into())
    );

    let err = explain_err(
        d,
        &[
            "policy",
            "explain",
            "policies.toml",
            "--host",
            "h",
            "--path",
            "/",
            "--service-token",
            "nocolon",
        ],
    );
    assert!(
        err.contains("--service-token nocolon: expected ID:SECRET"),
        "{err}"
    );
    laptop_cert(d);
    let err = explain_err(
        d,
        &[
            "policy",
            "explain",
            "policies.toml",
            "--host",
            "h",
            "--path",
            "/",
            "--cert",
            "my-laptop.pem",
            "--cert-error",
            "sad",
        ],
    );
    assert!(
        err.contains("--cert-error sad: expected revoked, expired"),
        "{err}"
    );
    // --chain-verified needs --cert; it and --cert-error exclude each other (clap: exit 2).
    let out = certgate(
        d,
        &[
            "policy",
            "explain",
            "policies.toml",
            "--host",
            "h",
            "--chain-verified",
        ],
    );
    assert_eq!(out.status, 2, "{}", out.stderr);
    let out = certgate(
        d,
        &[
            "policy",
            "explain",
            "policies.toml",
            "--host",
            "h",
            "--cert",
            "my-laptop.pem",
            "--chain-verified",
            "--cert-error",
            "revoked",
        ],
    );
    assert_eq!(out.status, 2, "{}", out.stderr);
    let err = explain_err(d, &["policy", "explain", "nope.toml", "--host", "h"]);
    assert!(err.contains("nope.toml: cannot read"), "{err}");
    let err = explain_err(
        d,
        &[
            "policy",
            "explain",
            "policies.toml",
            "--host",
            "h",
            "--cert",
            "none.pem",
        ],
    );
    assert!(err.contains("none.pem"), "{err}");
}

/// `policy explain` that fails: exit 2 (1 means kept out), one line on stderr.
fn explain_err(dir: &Path, args: &[&str]) -> String {
    let out = certgate(dir, args);
    assert_eq!(out.status, 2, "{args:?}: {}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("certgate: "), "{}", out.stderr);
    out.stderr
}

#[test]
fn explain_exits_0_let_in_1_kept_out_2_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "policies.toml", TOML);
    let explain = |extra: &[&str]| {
        let mut args = vec![
            "policy",
            "explain",
            "policies.toml",
            "--host",
            "money.example.com",
        ];
        args.extend_from_slice(extra);
        certgate(d, &args)
    };
    // Let in: exit 0, the decision on stdout, nothing on stderr.
    let out = explain(&["--service-token", "robot.access:s3cret"]);
    assert_eq!((out.status, out.stderr.as_str()), (0, ""));
    assert!(
        out.stdout.starts_with("allow by application `money`"),
        "{}",
        out.stdout
    );
    // Kept out: exit 1 (as `openssl verify` refuses), the decision still printed in full.
    let out = explain(&[]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("deny by application `money`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("policy `robots` (non_identity): no match"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.starts_with("certgate: kept out: "),
        "{}",
        out.stderr
    );
    // Errors: exit 2, never mistaken for a denial.
    assert_eq!(explain(&["--service-token", "nocolon"]).status, 2);
    assert_eq!(explain(&["--ip", "not-an-ip"]).status, 2);
    write(d, "broken.toml", "[[applications]]\nname = 3\n");
    let out = certgate(d, &["policy", "explain", "broken.toml", "--host", "h"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    // --help says so.
    let help = certgate(d, &["policy", "explain", "--help"]);
    assert!(
        help.stdout
            .contains("Exit status: 0 let in (allow or bypass), 1 kept out (deny), 2 errors."),
        "{}",
        help.stdout
    );
}

#[test]
fn check_warns_of_two_applications_with_one_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let second = "\n[[applications]]\nname = \"money\"\ndomains = [\"money.example.net\"]\n\
                  [[applications.policies]]\nname = \"laptop\"\ndecision = \"non_identity\"\n\
                  include = [{ common_name = \"my-laptop\" }]\n";
    write(d, "twice.toml", &format!("{TOML}{second}"));
    let out = certgate(d, &["policy", "check", "twice.toml"]);
    assert_eq!(out.status, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        "warning[duplicate-application]: application `money`: another application has the \
         same name: decisions, explain traces and logs name the application, so they cannot \
         tell the two apart\ntwice.toml: 2 applications, 3 policies, 1 warnings\n"
    );
    assert_eq!(out.stderr, "certgate: twice.toml: 1 warnings\n");
}

#[test]
fn the_example_policy_files_are_clean() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    for file in ["money.toml", "access-api.json"] {
        let out = certgate_ok(&examples, &["policy", "check", file]);
        assert!(out.stdout.ends_with("0 warnings\n"), "{}", out.stdout);
    }
    let out = certgate_ok(
        &examples,
        &[
            "policy",
            "explain",
            "money.toml",
            "--host",
            "money.example.com",
            "--path",
            "/public/receipts",
            "--json",
        ],
    );
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        (json["outcome"].as_str(), json["application"].as_str()),
        (Some("bypass"), Some("money-public"))
    );
    let out = certgate_ok(
        &examples,
        &[
            "policy",
            "explain",
            "money.toml",
            "--host",
            "money.example.com",
            "--path",
            "/",
            "--service-token",
            "backup-robot.access:change-me",
            "--json",
        ],
    );
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        (json["outcome"].as_str(), json["policy"].as_str()),
        (Some("allow"), Some("backups"))
    );
}
