//! Bad input: exit 1, one line on stderr that names the file and the reason, no files.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use certgate_test_support::{require_tool, run_with_stdin};
use common::*;

/// Runs a failing `gencert -bare out` and checks no `out*` file appeared.
fn gencert_fails(dir: &Path, extra: &[&str], csr: &str) -> String {
    let mut args = vec![
        "gencert",
        "-ca=ca.pem",
        "-ca-key=ca-key.pem",
        "-config=ca-config.json",
        "-bare",
        "out",
    ];
    args.extend_from_slice(extra);
    args.push(csr);
    let err = certgate_err(dir, &args);
    assert!(
        files(dir)
            .iter()
            .all(|f| !f.starts_with("out") && !f.contains(".tmp")),
        "{:?}",
        files(dir)
    );
    err
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    small_ca(dir.path());
    std::fs::write(
        dir.path().join("dev.json"),
        r#"{"CN": "dev", "key": {"algo": "ecdsa", "size": 256}}"#,
    )
    .unwrap();
    dir
}

#[test]
fn malformed_json() {
    let dir = setup();
    std::fs::write(dir.path().join("bad.json"), "{\"CN\": \"x\",\n\"key\": }").unwrap();
    let err = gencert_fails(dir.path(), &["-profile=client"], "bad.json");
    assert!(err.contains("bad.json: invalid JSON at line 2"), "{err}");
}

#[test]
fn unknown_profile_lists_the_known_ones() {
    let dir = setup();
    let err = gencert_fails(dir.path(), &["-profile=clinet"], "dev.json");
    assert!(
        err.contains("ca-config.json: unknown signing profile \"clinet\"")
            && err.contains("client, server"),
        "{err}"
    );
    // Without -config there are no named profiles at all.
    let err = certgate_err(
        dir.path(),
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-profile=client",
            "dev.json",
        ],
    );
    assert!(
        err.contains("-profile client") && err.contains("no -config"),
        "{err}"
    );
}

#[test]
fn csr_json_errors_name_the_file() {
    let dir = setup();
    let d = dir.path();
    std::fs::write(
        d.join("weak.json"),
        r#"{"CN": "dev", "key": {"algo": "rsa", "size": 1024}}"#,
    )
    .unwrap();
    let err = gencert_fails(d, &["-profile=client"], "weak.json");
    assert!(
        err.contains("weak.json: unsupported key \"rsa\" of size 1024"),
        "{err}"
    );
    std::fs::write(
        d.join("host.json"),
        r#"{"CN": "dev", "hosts": ["ok.example", "a b"]}"#,
    )
    .unwrap();
    let err = gencert_fails(d, &["-profile=client"], "host.json");
    assert!(
        err.contains("host.json: hosts[1]: \"a b\" contains white space"),
        "{err}"
    );
    let err = gencert_fails(
        d,
        &["-profile=client", "-hostname=ok.example,a b"],
        "dev.json",
    );
    assert!(err.contains("-hostname: entry 2"), "{err}");
    // The -initca path reads the same file the same way.
    let err = certgate_err(d, &["genkey", "-initca", "-bare", "out", "weak.json"]);
    assert!(err.contains("weak.json: unsupported key"), "{err}");
    assert!(!d.join("out.pem").exists());
}

#[test]
fn a_failing_pipeline_writes_nothing() {
    let dir = setup();
    let d = dir.path();
    std::fs::write(d.join("bad.json"), "{").unwrap();
    let (one, two) = pipe_raw(
        d,
        &["gencert", "-ca=ca.pem", "-ca-key=ca-key.pem", "bad.json"],
        &["json", "-bare", "out"],
    );
    assert_eq!((one.status, two.status), (1, 1));
    assert_eq!(one.stdout, "");
    assert!(
        one.stderr.contains("bad.json: invalid JSON"),
        "{}",
        one.stderr
    );
    assert!(two.stderr.contains("no JSON given"), "{}", two.stderr);
    assert_eq!(two.stderr.lines().count(), 1, "{}", two.stderr);
    assert!(
        files(d).iter().all(|f| !f.starts_with("out")),
        "{:?}",
        files(d)
    );
}

#[test]
fn unknown_usage_and_bad_duration() {
    let dir = setup();
    std::fs::write(
        dir.path().join("ca-config.json"),
        r#"{"signing": {"profiles": {"client": {"usages": ["client-auth"]}}}}"#,
    )
    .unwrap();
    let err = gencert_fails(dir.path(), &["-profile=client"], "dev.json");
    assert!(
        err.contains(
            "ca-config.json: signing.profiles.client.usages: unknown usage \"client-auth\""
        ),
        "{err}"
    );
    std::fs::write(
        dir.path().join("ca-config.json"),
        r#"{"signing": {"profiles": {"client": {"usages": ["client auth"], "expiry": "1 year"}}}}"#,
    )
    .unwrap();
    let err = gencert_fails(dir.path(), &["-profile=client"], "dev.json");
    assert!(
        err.contains("signing.profiles.client.expiry: invalid duration \"1 year\""),
        "{err}"
    );
}

#[test]
fn missing_unreadable_and_mismatched_ca_keys() {
    let dir = setup();
    let d = dir.path();
    std::fs::rename(d.join("ca-key.pem"), d.join("kept-key.pem")).unwrap();
    let err = gencert_fails(d, &["-profile=client"], "dev.json");
    assert!(err.contains("ca-key.pem: No such file"), "{err}");

    std::fs::write(d.join("ca-key.pem"), "not a key").unwrap();
    let err = gencert_fails(d, &["-profile=client"], "dev.json");
    assert!(err.contains("ca-key.pem: no PEM block found"), "{err}");

    // A key of another CA.
    std::fs::create_dir(d.join("other")).unwrap();
    small_ca(&d.join("other"));
    std::fs::copy(d.join("other/ca-key.pem"), d.join("ca-key.pem")).unwrap();
    let err = gencert_fails(d, &["-profile=client"], "dev.json");
    assert!(
        err.contains(
            "the CA key ca-key.pem does not match the public key of the CA certificate ca.pem"
        ),
        "{err}"
    );
}

#[test]
fn a_csr_with_a_bad_signature() {
    if !require_tool("openssl") {
        return;
    }
    let dir = setup();
    let d = dir.path();
    let out = openssl(
        d,
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "k.pem",
            "-subj",
            "/CN=dev",
            "-outform",
            "DER",
            "-out",
            "dev.der",
        ],
    );
    assert!(out.success(), "{}", out.stderr);
    let mut der = std::fs::read(d.join("dev.der")).unwrap();
    let n = der.len();
    der[n - 5] ^= 0x40;
    std::fs::write(d.join("bad.der"), &der).unwrap();
    let out = openssl(
        d,
        &["req", "-inform", "DER", "-in", "bad.der", "-out", "bad.csr"],
    );
    assert!(out.success(), "{}", out.stderr);
    let err = certgate_err(
        d,
        &[
            "sign",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-bare",
            "out",
            "bad.csr",
        ],
    );
    assert!(
        err.contains("bad.csr: certificate request signature does not verify"),
        "{err}"
    );
    assert!(!d.join("out.pem").exists());
    // Among several requests, one bad one stops them all before anything is printed.
    let out = openssl(
        d,
        &[
            "req", "-inform", "DER", "-in", "dev.der", "-out", "good.csr",
        ],
    );
    assert!(out.success(), "{}", out.stderr);
    let out = certgate(
        d,
        &[
            "sign",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "good.csr",
            "bad.csr",
        ],
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("bad.csr: certificate request signature"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_non_ca_certificate_as_ca() {
    let dir = setup();
    let d = dir.path();
    certgate_ok(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-config=ca-config.json",
            "-profile=client",
            "-bare",
            "leaf",
            "dev.json",
        ],
    );
    let err = certgate_err(
        d,
        &[
            "gencert",
            "-ca=leaf.pem",
            "-ca-key=leaf-key.pem",
            "-bare",
            "out",
            "dev.json",
        ],
    );
    assert_eq!(
        err.trim_end(),
        "certgate: leaf.pem: not usable as a CA: basicConstraints does not say cA=TRUE"
    );
}

#[test]
fn bad_commands() {
    let dir = setup();
    let d = dir.path();
    let err = certgate_err(d, &["print-defaults", "nope"]);
    assert!(err.contains("valid kinds: csr, config"), "{err}");
    let err = certgate_err(d, &["gencert", "dev.json"]);
    assert!(err.contains("gencert needs -ca and -ca-key"), "{err}");
    let err = certgate_err(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=missing-key.pem",
            "dev.json",
        ],
    );
    assert!(
        err.contains("-ca-key: missing-key.pem: No such file"),
        "{err}"
    );
    let err = certgate_err(
        d,
        &[
            "gencert",
            "-ca=missing.pem",
            "-ca-key=ca-key.pem",
            "dev.json",
        ],
    );
    assert!(err.contains("-ca: missing.pem: No such file"), "{err}");
    let out = run_with_stdin(CERTGATE, &["json", "-bare", "x"], d, b"{\"cert\": ");
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("<stdin>: invalid JSON"),
        "{}",
        out.stderr
    );
    std::fs::write(d.join("bad-out.json"), "{\"cert\": 5}").unwrap();
    let err = certgate_err(d, &["json", "-f", "bad-out.json", "-bare", "x"]);
    assert!(err.contains("bad-out.json: invalid JSON"), "{err}");
    let err = certgate_err(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-ca-key-pass",
            "env:CERTGATE_TEST_UNSET_VARIABLE",
            "dev.json",
        ],
    );
    assert!(
        err.contains("-ca-key-pass: password source \"env:CERTGATE_TEST_UNSET_VARIABLE\""),
        "{err}"
    );
    let err = certgate_err(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-ca-key-pass",
            "file:nope.txt",
            "dev.json",
        ],
    );
    assert!(
        err.contains("-ca-key-pass: nope.txt: No such file"),
        "{err}"
    );
    let out = run_with_stdin(CERTGATE, &["json", "-bare", "x"], d, b"");
    assert!(out.stderr.contains("no JSON given"), "{}", out.stderr);
    assert!(!d.join("x.pem").exists());
    let err = certgate_err(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "missing.json",
        ],
    );
    assert!(err.contains("missing.json: No such file"), "{err}");
    let err = certgate_err(
        d,
        &[
            "gencert",
            "-ca=ca.pem",
            "-ca-key=ca-key.pem",
            "-ca-key-pass",
            "hunter2",
            "dev.json",
        ],
    );
    assert!(
        err.contains("-ca-key-pass") && !err.contains("hunter2"),
        "{err}"
    );
    // A usage error from clap: exit 2.
    let out = certgate(d, &["gencert", "--no-such-flag"]);
    assert_eq!(out.status, 2);
}

#[test]
fn json_bare_writes_all_files_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let json = br#"{"cert": "CERT\n", "key": "KEY\n", "csr": "CSR\n"}"#;
    // NAME-key.pem cannot be written: it is a directory.
    std::fs::create_dir(d.join("out-key.pem")).unwrap();
    let out = run_with_stdin(CERTGATE, &["json", "-bare", "out"], d, json);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("out-key.pem"), "{}", out.stderr);
    assert_eq!(
        files(d),
        ["out-key.pem"],
        "no out.pem, no out.csr, no temporary file"
    );

    // A NAME.pem that was there keeps its contents.
    std::fs::write(d.join("out.pem"), "OLD\n").unwrap();
    let out = run_with_stdin(CERTGATE, &["json", "-bare", "out"], d, json);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(d.join("out.pem")).unwrap(), "OLD\n");
    assert_eq!(files(d), ["out-key.pem", "out.pem"]);

    // Once the way is clear, all three are written.
    std::fs::remove_dir(d.join("out-key.pem")).unwrap();
    let out = run_with_stdin(CERTGATE, &["json", "-bare", "out"], d, json);
    assert!(out.success(), "{}", out.stderr);
    assert_eq!(files(d), ["out-key.pem", "out.csr", "out.pem"]);
    assert_eq!(
        std::fs::read_to_string(d.join("out.pem")).unwrap(),
        "CERT\n"
    );
    assert_eq!(mode(&d.join("out-key.pem")), 0o600);
}

/// Runs a failing `gencert -ca CA.pem -ca-key CA-key.pem -profile client -bare out`
/// and checks no `out*` file appeared.
fn gencert_with(dir: &Path, ca: &str, csr: &str) -> String {
    let ca_flag = format!("-ca={ca}.pem");
    let key_flag = format!("-ca-key={ca}-key.pem");
    let args = [
        "gencert",
        &ca_flag,
        &key_flag,
        "-config=ca-config.json",
        "-profile=client",
        "-bare",
        "out",
        csr,
    ];
    let err = certgate_err(dir, &args);
    assert!(
        files(dir).iter().all(|f| !f.starts_with("out")),
        "{:?}",
        files(dir)
    );
    err
}

#[test]
fn an_expired_ca_and_a_certificate_outliving_its_ca() {
    use certgate_ca::cfssl::CsrJson;
    use certgate_ca::{KeySigner, KeySpec, PrivateKey, RootCaBuilder};
    let dir = setup();
    let d = dir.path();

    // A CA that ended in 2025 (made with the library at a fixed clock).
    let csr = CsrJson::from_json(br#"{"CN": "Old CA"}"#, "old").unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let key_pem = key.to_pkcs8_pem().unwrap();
    let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .with_now(time::macros::datetime!(2020-01-01 00:00:00 UTC))
        .build()
        .unwrap();
    std::fs::write(d.join("old.pem"), made.certificate.to_pem()).unwrap();
    std::fs::write(d.join("old-key.pem"), key_pem.as_bytes()).unwrap();
    let err = gencert_with(d, "old", "dev.json");
    assert!(
        err.contains("old.pem: the CA certificate has expired at ")
            && err.contains("(valid from 2019-12-31T23:55:00Z to 2024-12-29T23:55:00Z)"),
        "{err}"
    );

    // A CA for 48 hours, and a profile for 8760: refused, or clamped on request.
    std::fs::write(
        d.join("short-csr.json"),
        r#"{"CN": "Short CA", "ca": {"expiry": "48h"}}"#,
    )
    .unwrap();
    certgate_ok(
        d,
        &["genkey", "-initca", "-bare", "short", "short-csr.json"],
    );
    let err = gencert_with(d, "short", "dev.json");
    assert!(
        err.contains("short.pem: the certificate would end at ")
            && err.contains("after its CA")
            && err.contains("-clamp-to-ca"),
        "{err}"
    );
    let not_after = |file: &str| -> String {
        let info = certgate_ok(d, &["certinfo", "-cert", file]);
        let json: serde_json::Value = serde_json::from_str(&info.stdout).unwrap();
        json["not_after"].as_str().unwrap().to_owned()
    };
    certgate_ok(
        d,
        &[
            "gencert",
            "-ca=short.pem",
            "-ca-key=short-key.pem",
            "-config=ca-config.json",
            "-profile=client",
            "-clamp-to-ca",
            "-bare",
            "dev",
            "dev.json",
        ],
    );
    assert_eq!(not_after("dev.pem"), not_after("short.pem"));
    // `sign` takes the flag too.
    certgate_ok(
        d,
        &[
            "sign",
            "-ca=short.pem",
            "-ca-key=short-key.pem",
            "--clamp-to-ca",
            "-bare",
            "signed",
            "dev.csr",
        ],
    );
    assert_eq!(not_after("signed.pem"), not_after("short.pem"));
}
