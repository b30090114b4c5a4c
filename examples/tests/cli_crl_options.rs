//! `certgate gencrl` with the CRL options beyond cfssl (`--config crl.json` and its
//! flags): issuingDistributionPoint, delta CRLs with removeFromCRL, freshestCRL,
//! indirect entries and a dedicated CRL signer, each read back with `openssl crl -text`
//! and used by `openssl verify`; and bad input refused by name with nothing written.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use certgate_test_support::require_tool;
use common::*;
use serde_json::Value;

/// A signing configuration with the seed's client profile (with a CRL distribution
/// point) and a CRL-signer profile.
const CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
    "client": {"usages": ["signing", "key encipherment", "client auth"], "expiry": "8760h",
               "crl_url": "http://crl.example.com/users.crl"},
    "crl_signer": {"usages": ["crl sign"], "expiry": "8760h"}}}}"#;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// The decimal serial of a certificate, as `certgate certinfo` prints it.
fn serial_of(dir: &Path, cert: &str) -> String {
    let out = certgate_ok(dir, &["certinfo", "-cert", cert]);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    json["serial_number"].as_str().unwrap().to_owned()
}

/// `ca.pem`, `ca-key.pem`, `config.json`, and devices `a.pem`, `b.pem`, `c.pem` with their
/// serials in `a.txt`, `b.txt`, `c.txt`.
fn lab(dir: &Path) {
    small_ca(dir);
    write(dir, "config.json", CONFIG);
    for name in ["a", "b", "c"] {
        write(
            dir,
            &format!("{name}.json"),
            &format!(r#"{{"CN": "device {name}", "key": {{"algo": "ecdsa", "size": 256}}}}"#),
        );
        issue(dir, "ca", name, "client");
        let serial = serial_of(dir, &format!("{name}.pem"));
        write(dir, &format!("{name}.txt"), &format!("{serial}\n"));
    }
}

/// `certgate gencert -ca CA.pem -profile PROFILE NAME.json | certgate json -bare NAME`.
fn issue(dir: &Path, ca: &str, name: &str, profile: &str) {
    pipe(
        dir,
        &[
            "gencert",
            &format!("-ca={ca}.pem"),
            &format!("-ca-key={ca}-key.pem"),
            "-config=config.json",
            &format!("-profile={profile}"),
            &format!("{name}.json"),
        ],
        &["json", "-bare", name],
    );
}

fn crl_text(dir: &Path, file: &str) -> String {
    let out = openssl(dir, &["crl", "-noout", "-text", "-in", file]);
    assert!(out.success(), "{}", out.stderr);
    out.stdout
}

fn assert_has(text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(e), "{e:?} missing:\n{text}");
    }
}

/// `openssl verify -crl_check -CAfile ca.pem -CRLfile crls.pem EXTRA LEAF`.
fn verify(dir: &Path, leaf: &str, extra: &[&str]) -> (bool, String) {
    let mut args = vec!["verify", "-crl_check", "-CAfile", "ca.pem"];
    args.extend_from_slice(&["-CRLfile", "crls.pem"]);
    args.extend_from_slice(extra);
    args.push(leaf);
    let out = openssl(dir, &args);
    (out.success(), format!("{}{}", out.stdout, out.stderr))
}

#[test]
fn a_configuration_sets_the_scope_and_freshest_crl() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    lab(d);
    write(
        d,
        "crl.json",
        r#"{"expiry": "48h", "number": 41,
            "issuing_distribution_point": {"urls": ["http://crl.example.com/users.crl",
                "http://mirror.example.com/users.crl"], "only_user_certs": true,
                "only_some_reasons": ["key_compromise", "superseded"]},
            "freshest_crl": "http://crl.example.com/delta.crl"}"#,
    );
    certgate_ok(
        d,
        &[
            "gencrl",
            "a.txt",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-config",
            "crl.json",
            "-out",
            "crl.pem",
        ],
    );
    let text = crl_text(d, "crl.pem");
    assert_has(
        &text,
        &[
            "X509v3 CRL Number: \n                41",
            "X509v3 Issuing Distribution Point: critical",
            "URI:http://crl.example.com/users.crl",
            "URI:http://mirror.example.com/users.crl",
            "Only User Certificates",
            "Only Some Reasons:",
            "Key Compromise, Superseded",
            "X509v3 Freshest CRL:",
            "URI:http://crl.example.com/delta.crl",
        ],
    );
    // expiry "48h": nextUpdate two days after lastUpdate.
    let dates = openssl(
        d,
        &[
            "crl",
            "-noout",
            "-lastupdate",
            "-nextupdate",
            "-in",
            "crl.pem",
        ],
    );
    let days: Vec<&str> = dates
        .stdout
        .lines()
        .map(|l| l.split('=').nth(1).unwrap())
        .collect();
    assert_ne!(days[0], days[1], "{}", dates.stdout);
    // OpenSSL honours the scope: with extended CRL support the leaf it lists is
    // revoked, and one it does not is left without a CRL for the other reasons.
    std::fs::copy(d.join("crl.pem"), d.join("crls.pem")).unwrap();
    let (ok, out) = verify(d, "a.pem", &["-extended_crl"]);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = verify(d, "b.pem", &["-extended_crl"]);
    assert!(
        !ok && out.contains("unable to get certificate CRL"),
        "{out}"
    );
}

#[test]
fn flags_set_the_scope_and_override_the_configuration() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    lab(d);
    // The cfssl positional form with the flags, single-dash as cfssl spells flags.
    write(
        d,
        "crl.json",
        r#"{"number": 7, "freshest_crl": "http://x.example/d.crl"}"#,
    );
    certgate_ok(
        d,
        &[
            "gencrl",
            "a.txt",
            "ca.pem",
            "ca-key.pem",
            "-config",
            "crl.json",
            "-number",
            "8",
            "-idp-url",
            "http://crl.example.com/ca.crl",
            "-only-ca-certs",
            "-only-some-reasons",
            "cACompromise,affiliation_changed",
            "-freshest-crl",
            "http://crl.example.com/ca-delta.crl",
            "-out",
            "crl.pem",
        ],
    );
    let text = crl_text(d, "crl.pem");
    assert_has(
        &text,
        &[
            "X509v3 CRL Number: \n                8",
            "URI:http://crl.example.com/ca.crl",
            "Only CA Certificates",
            "CA Compromise, Affiliation Changed",
            "URI:http://crl.example.com/ca-delta.crl",
        ],
    );
    assert!(!text.contains("x.example"), "{text}");
    // A CRL only for CA certificates is not used for a leaf.
    std::fs::copy(d.join("crl.pem"), d.join("crls.pem")).unwrap();
    let (ok, out) = verify(d, "a.pem", &[]);
    assert!(!ok && !out.contains("certificate revoked"), "{out}");

    // --indirect alone: an indirect CRL with no other issuer yet.
    certgate_ok(
        d,
        &[
            "gencrl",
            "--ca",
            "ca.pem",
            "--ca-key",
            "ca-key.pem",
            "--indirect",
            "--der",
            "--out",
            "ind.der",
        ],
    );
    let out = openssl(
        d,
        &["crl", "-inform", "DER", "-noout", "-text", "-in", "ind.der"],
    );
    assert_has(&out.stdout, &["Indirect CRL", "No Revoked Certificates."]);
}

#[test]
fn a_delta_crl_is_applied_to_its_base_by_openssl() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    lab(d);
    // Base 10 revokes A and B; the delta 11 revokes C and takes B off (removeFromCRL).
    let both = format!(
        "{}{}",
        std::fs::read_to_string(d.join("a.txt")).unwrap(),
        std::fs::read_to_string(d.join("b.txt")).unwrap()
    );
    write(d, "ab.txt", &both);
    write(
        d,
        "base.json",
        r#"{"number": 10, "freshest_crl": "http://crl.example.com/delta.crl"}"#,
    );
    write(
        d,
        "delta.json",
        r#"{"number": 11, "delta_of": 10, "remove_from_crl": "b.txt", "expiry": "24h"}"#,
    );
    certgate_ok(
        d,
        &[
            "gencrl",
            "ab.txt",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "--config",
            "base.json",
            "-out",
            "base.pem",
        ],
    );
    certgate_ok(
        d,
        &[
            "gencrl",
            "c.txt",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "--config",
            "delta.json",
            "-out",
            "delta.pem",
        ],
    );
    let text = crl_text(d, "delta.pem");
    assert_has(
        &text,
        &[
            "X509v3 Delta CRL Indicator: critical\n                10",
            "Remove From CRL",
        ],
    );
    let crls = format!(
        "{}{}",
        std::fs::read_to_string(d.join("base.pem")).unwrap(),
        std::fs::read_to_string(d.join("delta.pem")).unwrap()
    );
    write(d, "crls.pem", &crls);
    let deltas = ["-extended_crl", "-use_deltas"];
    for (leaf, revoked) in [("a.pem", true), ("b.pem", false), ("c.pem", true)] {
        let (ok, out) = verify(d, leaf, &deltas);
        assert_eq!(ok, !revoked, "{leaf}: {out}");
        if revoked {
            assert!(out.contains("certificate revoked"), "{leaf}: {out}");
        }
    }
    // The control: without -use_deltas only the base counts: B revoked, C not.
    let (ok, out) = verify(d, "b.pem", &["-extended_crl"]);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = verify(d, "c.pem", &["-extended_crl"]);
    assert!(ok, "{out}");

    // A scoped base takes only a delta of the same scope (RFC 5280 5.2.4): OpenSSL
    // ignores one without it and uses one with it.
    let scope = [
        "-idp-url",
        "http://crl.example.com/users.crl",
        "-only-user-certs",
    ];
    for (scoped, c_revoked) in [(false, false), (true, true)] {
        let mut base = vec!["gencrl", "a.txt", "-ca", "ca.pem", "-ca-key", "ca-key.pem"];
        base.extend_from_slice(&["-number", "20", "-out", "sbase.pem"]);
        // OpenSSL looks for deltas only when the base (or the leaf) has freshestCRL.
        base.extend_from_slice(&["-freshest-crl", "http://crl.example.com/delta.crl"]);
        base.extend_from_slice(&scope);
        certgate_ok(d, &base);
        let mut delta = vec!["gencrl", "c.txt", "-ca", "ca.pem", "-ca-key", "ca-key.pem"];
        delta.extend_from_slice(&["-number", "21", "-delta-of", "20", "-out", "sdelta.pem"]);
        if scoped {
            delta.extend_from_slice(&scope);
        }
        certgate_ok(d, &delta);
        let crls = format!(
            "{}{}",
            std::fs::read_to_string(d.join("sbase.pem")).unwrap(),
            std::fs::read_to_string(d.join("sdelta.pem")).unwrap()
        );
        write(d, "crls.pem", &crls);
        let (ok, out) = verify(d, "c.pem", &deltas);
        assert_eq!(ok, !c_revoked, "scoped delta {scoped}: {out}");
    }

    // The same delta from flags alone.
    certgate_ok(
        d,
        &[
            "gencrl",
            "c.txt",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-number",
            "12",
            "-delta-of",
            "10",
            "-remove-from-crl",
            "b.txt",
            "-out",
            "delta2.pem",
        ],
    );
    assert_has(
        &crl_text(d, "delta2.pem"),
        &[
            "Delta CRL Indicator: critical\n                10",
            "Remove From CRL",
        ],
    );
}

#[test]
fn an_indirect_crl_lists_another_cas_entries() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    lab(d);
    std::fs::create_dir(d.join("other")).unwrap();
    let other = d.join("other");
    write(
        &other,
        "ca-csr.json",
        r#"{"CN": "Other CA", "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    certgate_ok(&other, &["genkey", "-initca", "-bare", "ca", "ca-csr.json"]);
    write(&other, "revoked.txt", "4660\n");
    // Files in the configuration are read from its directory.
    write(
        &other,
        "crl.json",
        r#"{"issuing_distribution_point": {"indirect": true},
            "entries_of_issuers": [{"issuer_cert": "ca.pem", "serials": "revoked.txt",
                                    "reason": "keyCompromise"}]}"#,
    );
    certgate_ok(
        d,
        &[
            "gencrl",
            "a.txt",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-config",
            "other/crl.json",
            "-out",
            "crl.pem",
        ],
    );
    let text = crl_text(d, "crl.pem");
    assert_has(
        &text,
        &[
            "Indirect CRL",
            "Serial Number: 1234",
            "X509v3 Certificate Issuer: critical",
            "DirName:/CN=Other CA",
            "Key Compromise",
        ],
    );
    // OpenSSL reads the CA's own entry as the CA's: A is revoked, B is not.
    std::fs::copy(d.join("crl.pem"), d.join("crls.pem")).unwrap();
    let (ok, out) = verify(d, "a.pem", &["-extended_crl"]);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = verify(d, "b.pem", &["-extended_crl"]);
    assert!(ok, "{out}");
}

#[test]
fn a_dedicated_crl_signer_signs_without_the_ca_key() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    lab(d);
    // The signer: the CA's name, its own key, keyUsage cRLSign only.
    write(
        d,
        "signer.json",
        r#"{"CN": "Test CA", "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    issue(d, "ca", "signer", "crl_signer");
    assert_has(
        &openssl(d, &["x509", "-noout", "-text", "-in", "signer.pem"]).stdout,
        &["X509v3 Key Usage: critical\n                CRL Sign\n"],
    );
    certgate_ok(
        d,
        &[
            "gencrl",
            "a.txt",
            "-ca",
            "ca.pem",
            "-crl-signer",
            "signer.pem",
            "-crl-signer-key",
            "signer-key.pem",
            "-out",
            "crls.pem",
        ],
    );
    // Signed by the signer's key: its AKI is the signer's SKI, not the CA's.
    let ski = openssl(
        d,
        &[
            "x509",
            "-noout",
            "-ext",
            "subjectKeyIdentifier",
            "-in",
            "signer.pem",
        ],
    );
    let ski = ski.stdout.lines().nth(1).unwrap().trim().to_owned();
    assert_has(&crl_text(d, "crls.pem"), &[&ski]);
    let with_signer = ["-extended_crl", "-untrusted", "signer.pem"];
    let (ok, out) = verify(d, "a.pem", &with_signer);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = verify(d, "c.pem", &with_signer);
    assert!(ok, "{out}");
    // The control: without the signer's certificate the CRL cannot be checked.
    let (ok, out) = verify(d, "c.pem", &["-extended_crl"]);
    assert!(!ok, "{out}");

    // The same signer from the configuration, in the --db-less flag form.
    write(
        d,
        "crl.json",
        r#"{"crl_signer": {"cert": "signer.pem", "key": "signer-key.pem"}}"#,
    );
    certgate_ok(
        d,
        &[
            "gencrl", "b.txt", "-ca", "ca.pem", "-config", "crl.json", "-out", "crls.pem",
        ],
    );
    let (ok, out) = verify(d, "b.pem", &with_signer);
    assert!(!ok && out.contains("certificate revoked"), "{out}");

    // A device certificate is no CRL signer, and the CA key is not taken beside one.
    let err = certgate_err(
        d,
        &[
            "gencrl",
            "a.txt",
            "-ca",
            "ca.pem",
            "-crl-signer",
            "c.pem",
            "-crl-signer-key",
            "c-key.pem",
            "-out",
            "bad.pem",
        ],
    );
    assert!(err.contains("c.pem") && err.contains("cRLSign"), "{err}");
    let err = certgate_err(
        d,
        &[
            "gencrl",
            "a.txt",
            "ca.pem",
            "ca-key.pem",
            "-crl-signer",
            "signer.pem",
            "-crl-signer-key",
            "signer-key.pem",
            "-out",
            "bad.pem",
        ],
    );
    assert!(err.contains("CA key is not used"), "{err}");
    assert!(!d.join("bad.pem").exists());
}

/// Runs a gencrl that must fail, checks that `crl.pem` (written before) is untouched,
/// and returns the message.
fn refused(d: &Path, args: &[&str]) -> String {
    let mut line = vec!["gencrl", "a.txt", "-ca", "ca.pem", "-ca-key", "ca-key.pem"];
    line.extend_from_slice(args);
    line.extend_from_slice(&["-out", "crl.pem"]);
    let err = certgate_err(d, &line);
    assert_eq!(
        std::fs::read_to_string(d.join("crl.pem")).unwrap(),
        "before",
        "{err}"
    );
    err
}

#[test]
fn bad_input_is_refused_by_name_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    lab(d);
    write(d, "crl.pem", "before");
    let cases: &[(&str, &str, &[&str])] = &[
        (
            r#"{"expiry": "1h", "delta": 3}"#,
            "unknown field `delta`",
            &[],
        ),
        (
            r#"{"issuing_distribution_point": {"only_some_reasons": ["stolen"]}}"#,
            "issuing_distribution_point.only_some_reasons[0]: unknown revocation reason \"stolen\"",
            &[],
        ),
        (
            r#"{"delta_of": null}"#,
            "delta_of: null is not a CRL number",
            &[],
        ),
        (
            r#"{"delta_of": "41"}"#,
            "delta_of: \"41\" is not a CRL number",
            &[],
        ),
        (
            r#"{"issuing_distribution_point": {"only_user_certs": true, "only_ca_certs": true}}"#,
            "issuing_distribution_point.only_ca_certs: cannot be used with only_user_certs",
            &[],
        ),
        (
            r#"{"remove_from_crl": "b.txt"}"#,
            "remove_from_crl: needs delta_of",
            &[],
        ),
        (
            r#"{"issuing_distribution_point": {"indirect": true},
                "entries_of_issuers": [{"issuer_cert": "none.pem", "serials": "b.txt"}]}"#,
            "entries_of_issuers[0].issuer_cert: ",
            &[],
        ),
        (
            r#"{"issuing_distribution_point": {"indirect": true},
                "entries_of_issuers": [{"issuer_cert": "ca.pem", "serials": "none.txt"}]}"#,
            "entries_of_issuers[0].serials: ",
            &[],
        ),
        // Flags over a good configuration.
        (
            "{}",
            "--only-some-reasons: unknown revocation reason \"stolen\"",
            &["-only-some-reasons", "keyCompromise,stolen"],
        ),
        (
            "{}",
            "cannot both be given",
            &["-only-user-certs", "-only-ca-certs"],
        ),
        (
            r#"{"issuing_distribution_point": {"only_user_certs": true}}"#,
            "cannot both be given",
            &["-only-ca-certs"],
        ),
        (
            "{}",
            "--remove-from-crl: ",
            &["-remove-from-crl", "none.txt", "-delta-of", "1"],
        ),
        (
            "{}",
            "removeFromCRL is only allowed in a delta CRL",
            &["-remove-from-crl", "b.txt"],
        ),
        (
            "{}",
            "a delta CRL may not carry freshestCRL",
            &[
                "-delta-of",
                "1",
                "-number",
                "2",
                "-freshest-crl",
                "http://x.example/d.crl",
            ],
        ),
        (
            "{}",
            "base CRL number (5) must be below its own (5)",
            &["-delta-of", "5", "-number", "5"],
        ),
    ];
    for (json, expected, flags) in cases {
        write(d, "crl.json", json);
        let mut args = vec!["-config", "crl.json"];
        args.extend_from_slice(flags);
        let err = refused(d, &args);
        assert!(err.contains(expected), "{json} {flags:?}: {err}");
        if flags.is_empty() {
            assert!(err.contains("crl.json"), "{json}: {err}");
        }
    }
    // A missing configuration names the file.
    let err = refused(d, &["-config", "none.json"]);
    assert!(err.contains("none.json"), "{err}");
    // A bad line in a serials file names the file and the line.
    write(d, "bad.txt", "12\n0x1f\n");
    write(
        d,
        "crl.json",
        r#"{"issuing_distribution_point": {"indirect": true},
            "entries_of_issuers": [{"issuer_cert": "ca.pem", "serials": "bad.txt"}]}"#,
    );
    let err = refused(d, &["-config", "crl.json"]);
    assert!(
        err.contains("entries_of_issuers[0].serials: ") && err.contains("bad.txt:2"),
        "{err}"
    );
    // --delta-of with no number, or not a number: clap refuses it (exit 2), by name.
    for flags in [&["-delta-of"][..], &["-delta-of", "x"]] {
        let mut line = vec!["gencrl", "a.txt", "-ca", "ca.pem", "-ca-key", "ca-key.pem"];
        line.extend_from_slice(&["-out", "crl.pem"]);
        line.extend_from_slice(flags);
        let out = certgate(d, &line);
        assert_eq!(out.status, 2, "{}", out.stderr);
        assert!(out.stderr.contains("--delta-of"), "{}", out.stderr);
    }
    assert_eq!(
        std::fs::read_to_string(d.join("crl.pem")).unwrap(),
        "before"
    );
}

#[test]
fn gencrl_from_the_database_takes_the_same_options() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    lab(d);
    write(
        d,
        "signer.json",
        r#"{"CN": "Test CA", "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    issue(d, "ca", "signer", "crl_signer");
    let db = "sqlite://certs.db";
    certgate_ok(d, &["db", "migrate", "--db", db]);
    pipe(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=config.json",
            "-profile=client",
            "-db",
            db,
            "a.json",
        ],
        &["json", "-bare", "dev"],
    );
    let info: Value =
        serde_json::from_str(&certgate_ok(d, &["certinfo", "-cert", "dev.pem"]).stdout).unwrap();
    certgate_ok(
        d,
        &[
            "revoke",
            "-db",
            db,
            "-decimal",
            "-serial",
            info["serial_number"].as_str().unwrap(),
            "-aki",
            info["authority_key_id"].as_str().unwrap(),
            "-reason",
            "keyCompromise",
        ],
    );
    certgate_ok(
        d,
        &[
            "gencrl",
            "--db",
            db,
            "-ca",
            "ca.pem",
            "-crl-signer",
            "signer.pem",
            "-crl-signer-key",
            "signer-key.pem",
            "-idp-url",
            "http://crl.example.com/users.crl",
            "-only-user-certs",
            "-out",
            "crls.pem",
        ],
    );
    assert_has(
        &crl_text(d, "crls.pem"),
        &[
            "URI:http://crl.example.com/users.crl",
            "Only User Certificates",
            "Key Compromise",
        ],
    );
    let with_signer = ["-extended_crl", "-untrusted", "signer.pem"];
    let (ok, out) = verify(d, "dev.pem", &with_signer);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = verify(d, "c.pem", &with_signer);
    assert!(ok, "{out}");
    // The database numbers the CRLs.
    let err = certgate_err(
        d,
        &[
            "gencrl",
            "--db",
            db,
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-number",
            "3",
        ],
    );
    assert!(err.contains("numbers its CRLs from the database"), "{err}");
}
