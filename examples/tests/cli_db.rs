//! The inventory through the CLI: `--db`/`-db-config` on the issuing commands, `revoke`,
//! `gencrl`, `list`, `expiring`, `db migrate`, `db import-cfssl`; each against SQLite and
//! PostgreSQL (a PostgreSQL server is required under CI).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use certgate_test_support::require_tool;
use common::*;
use serde_json::Value;

/// The databases a test runs against: a SQLite file in `dir`, and a fresh PostgreSQL
/// database when a server is configured.
fn databases(dir: &Path, test: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![(
        "sqlite",
        format!("sqlite://{}", dir.join(format!("{test}.db")).display()),
    )];
    if let Some(url) = certgate_test_support::postgres_database(test) {
        out.push(("postgres", url));
    }
    out
}

/// Parses `certgate list` output.
fn rows(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn aki_of(dir: &Path, cert: &str) -> String {
    let out = certgate_ok(dir, &["certinfo", "-cert", cert]);
    let info: Value = serde_json::from_str(&out.stdout).unwrap();
    info["authority_key_id"]
        .as_str()
        .unwrap()
        .replace(':', "")
        .to_ascii_lowercase()
}

fn serial_of(dir: &Path, cert: &str) -> String {
    let out = openssl(dir, &["x509", "-in", cert, "-noout", "-serial"]);
    out.stdout
        .trim()
        .trim_start_matches("serial=")
        .to_ascii_lowercase()
}

/// The CRL Number of a PEM CRL, as openssl prints it.
fn crl_number(dir: &Path, crl: &str) -> u64 {
    let out = openssl(dir, &["crl", "-in", crl, "-noout", "-crlnumber"]);
    let hex = out.stdout.trim().trim_start_matches("crlNumber=0x");
    u64::from_str_radix(hex, 16).unwrap()
}

#[test]
fn issue_list_revoke_and_publish_a_crl_on_each_backend() {
    if !require_tool("openssl") {
        return;
    }
    let base = tempfile::tempdir().unwrap();
    for (backend, url) in databases(base.path(), "cli_flow") {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        small_ca(dir);
        std::fs::write(
            dir.join("dev.json"),
            r#"{"CN": "phone-1", "key": {"algo": "ecdsa", "size": 256}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("dev2.json"),
            r#"{"CN": "laptop-2", "key": {"algo": "ecdsa", "size": 256}}"#,
        )
        .unwrap();
        certgate_ok(dir, &["db", "migrate", "--db", &url]);
        certgate_ok(dir, &["db", "migrate", "--db", &url]); // idempotent
        let issue = |json: &str, bare: &str| {
            certgate_ok(
                dir,
                &[
                    "gencert",
                    "-ca",
                    "ca.pem",
                    "-ca-key",
                    "ca-key.pem",
                    "-config",
                    "ca-config.json",
                    "-profile",
                    "client",
                    "-db",
                    &url,
                    json,
                    "-bare",
                    bare,
                ],
            );
        };
        issue("dev.json", "phone");
        issue("dev2.json", "laptop");
        // sign records too: a CSR made by genkey.
        certgate_ok(dir, &["genkey", "dev.json", "-bare", "dev"]);
        certgate_ok(
            dir,
            &[
                "sign",
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "-db",
                &url,
                "dev.csr",
                "-bare",
                "signed",
            ],
        );
        let all = rows(&certgate_ok(dir, &["list", "--db", &url]).stdout);
        assert_eq!(all.len(), 3, "{backend}");
        assert_eq!(all[0]["status"], "good");
        let aki = aki_of(dir, "phone.pem");
        assert!(all.iter().all(|r| r["aki"] == aki.as_str()));
        let phone = rows(&certgate_ok(dir, &["list", "--db", &url, "--subject", "PHONE"]).stdout);
        assert_eq!(phone.len(), 2, "{backend}: gencert and sign of dev.json");
        let soon = certgate_ok(dir, &["expiring", "--db", &url, "--within", "400d"]).stdout;
        assert_eq!(rows(&soon).len(), 3);
        assert!(
            certgate_ok(dir, &["expiring", "--db", &url, "--within", "30d"])
                .stdout
                .is_empty()
        );

        // Revoke by colon hex, twice; the second says so and succeeds.
        let serial = serial_of(dir, "phone.pem");
        let colons: Vec<String> = serial
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        let first = certgate_ok(
            dir,
            &[
                "revoke",
                "-db",
                &url,
                "-serial",
                &colons.join(":"),
                "-aki",
                &aki,
                "-reason",
                "keyCompromise",
            ],
        );
        assert!(first.stderr.contains("revoked serial"), "{}", first.stderr);
        let again = certgate_ok(
            dir,
            &[
                "revoke",
                "-db",
                &url,
                "-serial",
                &serial,
                "-aki",
                &aki,
                "-reason",
                "superseded",
            ],
        );
        assert!(again.stderr.contains("already revoked"), "{}", again.stderr);
        let revoked =
            rows(&certgate_ok(dir, &["list", "--db", &url, "--status", "revoked"]).stdout);
        assert_eq!(revoked.len(), 1);
        assert_eq!(revoked[0]["reason"], "keyCompromise");

        // The CRL: only this issuer's entries, a growing number, verified by OpenSSL and
        // by certgate verify.
        certgate_ok(
            dir,
            &[
                "gencrl",
                "--db",
                &url,
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "--expiry",
                "168h",
                "-out",
                "crl.pem",
            ],
        );
        certgate_ok(
            dir,
            &[
                "gencrl",
                "--db",
                &url,
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "--der",
                "-out",
                "crl.der",
            ],
        );
        assert_eq!(crl_number(dir, "crl.pem"), 1, "{backend}");
        let der = openssl(
            dir,
            &[
                "crl",
                "-inform",
                "DER",
                "-in",
                "crl.der",
                "-noout",
                "-crlnumber",
            ],
        );
        assert_eq!(der.stdout.trim(), "crlNumber=0x02");
        let check = openssl(
            dir,
            &[
                "crl", "-in", "crl.pem", "-CAfile", "ca.pem", "-noout", "-text",
            ],
        );
        assert!(
            check.success() && check.stderr.contains("verify OK"),
            "{}",
            check.stderr
        );
        assert!(check.stdout.contains("Key Compromise"), "{}", check.stdout);
        assert_eq!(check.stdout.matches("Serial Number:").count(), 1);
        let refused = openssl(
            dir,
            &[
                "verify",
                "-crl_check",
                "-CAfile",
                "ca.pem",
                "-CRLfile",
                "crl.pem",
                "phone.pem",
            ],
        );
        assert!(
            !refused.success() && refused.stdout.contains("revoked")
                || refused.stderr.contains("revoked"),
            "{}{}",
            refused.stdout,
            refused.stderr
        );
        let accepted = openssl(
            dir,
            &[
                "verify",
                "-crl_check",
                "-CAfile",
                "ca.pem",
                "-CRLfile",
                "crl.pem",
                "laptop.pem",
            ],
        );
        assert!(accepted.success(), "{}", accepted.stderr);
        let ours = certgate(
            dir,
            &[
                "verify",
                "-CAfile",
                "ca.pem",
                "-CRLfile",
                "crl.pem",
                "phone.pem",
            ],
        );
        let verdict: Value = serde_json::from_str(&ours.stdout).unwrap();
        assert_eq!(verdict["revoked"], true, "{backend}");
        let ours = certgate(
            dir,
            &[
                "verify",
                "-CAfile",
                "ca.pem",
                "-CRLfile",
                "crl.pem",
                "laptop.pem",
            ],
        );
        let verdict: Value = serde_json::from_str(&ours.stdout).unwrap();
        assert_eq!(verdict["revoked"], false);
        assert!(ours.success(), "{}", ours.stderr);
    }
}

#[test]
fn another_issuers_revocations_stay_out_of_the_crl() {
    if !require_tool("openssl") {
        return;
    }
    let base = tempfile::tempdir().unwrap();
    for (backend, url) in databases(base.path(), "cli_issuers") {
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        certgate_ok(one.path(), &["db", "migrate", "--db", &url]);
        for dir in [one.path(), two.path()] {
            small_ca(dir);
            std::fs::write(
                dir.join("d.json"),
                r#"{"CN": "d", "key": {"algo": "ecdsa", "size": 256}}"#,
            )
            .unwrap();
            certgate_ok(
                dir,
                &[
                    "gencert",
                    "-ca",
                    "ca.pem",
                    "-ca-key",
                    "ca-key.pem",
                    "-db",
                    &url,
                    "d.json",
                    "-bare",
                    "d",
                ],
            );
            let (serial, aki) = (serial_of(dir, "d.pem"), aki_of(dir, "d.pem"));
            certgate_ok(
                dir,
                &[
                    "revoke", "-db", &url, "-serial", &serial, "-aki", &aki, "-reason", "1",
                ],
            );
        }
        certgate_ok(
            one.path(),
            &[
                "gencrl",
                "--db",
                &url,
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "-out",
                "crl.pem",
            ],
        );
        let text = openssl(one.path(), &["crl", "-in", "crl.pem", "-noout", "-text"]).stdout;
        assert_eq!(
            text.matches("Serial Number:").count(),
            1,
            "{backend}: {text}"
        );
        assert!(text.contains(&serial_of(one.path(), "d.pem").to_ascii_uppercase()));
    }
}

#[test]
fn bad_input_gets_clear_errors_and_writes_nothing() {
    let base = tempfile::tempdir().unwrap();
    for (backend, url) in databases(base.path(), "cli_bad") {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        small_ca(dir);
        std::fs::write(
            dir.join("d.json"),
            r#"{"CN": "d", "key": {"algo": "ecdsa", "size": 256}}"#,
        )
        .unwrap();
        let gencert = [
            "gencert",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-db",
            &url,
            "d.json",
            "-bare",
            "d",
        ];
        // No schema yet: refused, no certificate written.
        let err = certgate_err(dir, &gencert);
        assert!(err.contains("certgate db migrate"), "{backend}: {err}");
        assert!(!dir.join("d.pem").exists() && !dir.join("d-key.pem").exists());
        certgate_ok(dir, &["db", "migrate", "--db", &url]);
        certgate_ok(dir, &gencert);
        let aki = aki_of(dir, "d.pem");
        let err = certgate_err(
            dir,
            &[
                "revoke",
                "-db",
                &url,
                "-serial",
                "0badc0de",
                "-aki",
                &aki,
                "-reason",
                "keycompromise",
            ],
        );
        assert!(err.contains("no certificate with serial 0badc0de"), "{err}");
        let serial = serial_of(dir, "d.pem");
        let err = certgate_err(
            dir,
            &[
                "revoke", "-db", &url, "-serial", &serial, "-aki", &aki, "-reason", "stolen",
            ],
        );
        assert!(
            err.contains("unknown revocation reason \"stolen\""),
            "{err}"
        );
        let err = certgate_err(
            dir,
            &["revoke", "-db", &url, "-serial", "12:3g", "-aki", &aki],
        );
        assert!(err.contains("-serial"), "{err}");
        let err = certgate_err(
            dir,
            &[
                "revoke", "-db", &url, "-serial", "12ab", "-decimal", "-aki", &aki,
            ],
        );
        assert!(err.contains("-serial"), "{err}");
        let listed = rows(&certgate_ok(dir, &["list", "--db", &url, "--status", "revoked"]).stdout);
        assert!(listed.is_empty(), "{backend}: nothing revoked");
        // A database from a newer certgate.
        let sql = "INSERT INTO schema_version (version, applied_at) VALUES (99, 0)";
        if backend == "sqlite" {
            python_sqlite(dir, url.trim_start_matches("sqlite://"), &[sql]);
        } else {
            let out = certgate_test_support::run("psql", &[&url, "-c", sql], dir);
            assert!(out.success(), "{}", out.stderr);
        }
        let err = certgate_err(
            dir,
            &[
                "gencert",
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "-db",
                &url,
                "d.json",
                "-bare",
                "e",
            ],
        );
        assert!(err.contains("newer than this build"), "{err}");
        assert!(!dir.join("e.pem").exists());
        let err = certgate_err(dir, &["db", "migrate", "--db", &url]);
        assert!(err.contains("newer than this build"), "{err}");
    }
}

/// Runs statements on a SQLite file with Python's sqlite3 module.
fn python_sqlite(dir: &Path, path: &str, statements: &[&str]) {
    let script = format!(
        "import sqlite3, sys\nc = sqlite3.connect({path:?})\nfor s in sys.argv[1:]:\n    c.execute(s)\nc.commit()\n"
    );
    let mut args = vec!["-c", script.as_str()];
    args.extend_from_slice(statements);
    let out = certgate_test_support::run("python3", &args, dir);
    assert!(out.success(), "{}", out.stderr);
}

#[test]
fn a_locked_sqlite_database_or_a_server_that_is_down_is_refused() {
    if !require_tool("python3") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_ca(dir);
    std::fs::write(
        dir.join("d.json"),
        r#"{"CN": "d", "key": {"algo": "ecdsa", "size": 256}}"#,
    )
    .unwrap();
    let url = format!("sqlite://{}", dir.join("certs.db").display());
    certgate_ok(dir, &["db", "migrate", "--db", &url]);
    // Another connection holds the write lock until we close its standard input.
    let mut holder = std::process::Command::new("python3")
        .args(["-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\nsys.stdin.read()\n"])
        .arg(dir.join("certs.db"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    let err = certgate_err(
        dir,
        &[
            "gencert",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-db",
            &url,
            "d.json",
            "-bare",
            "d",
        ],
    );
    assert!(err.contains("locked"), "{err}");
    assert!(!dir.join("d.pem").exists());
    drop(holder.stdin.take());
    holder.wait().unwrap();
    certgate_ok(
        dir,
        &[
            "gencert",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-db",
            &url,
            "d.json",
            "-bare",
            "d",
        ],
    );

    // PostgreSQL down: a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = format!("postgres://certgate:pw@127.0.0.1:{port}/certgate");
    let err = certgate_err(
        dir,
        &[
            "gencert",
            "-ca",
            "ca.pem",
            "-ca-key",
            "ca-key.pem",
            "-db",
            &down,
            "d.json",
            "-bare",
            "p",
        ],
    );
    assert!(
        err.contains("cannot be reached") && !err.contains(":pw@"),
        "{err}"
    );
    assert!(!dir.join("p.pem").exists());
    let err = certgate_err(dir, &["list", "--db", "mysql://x"]);
    assert!(err.contains("scheme"), "{err}");
}

#[test]
fn cfssl_gencrl_form_prints_base64_der() {
    if !require_tool("openssl") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_ca(dir);
    std::fs::write(
        dir.join("serials.txt"),
        "123\n\n456789012345678901234567890\n",
    )
    .unwrap();
    let out = certgate_ok(
        dir,
        &["gencrl", "serials.txt", "ca.pem", "ca-key.pem", "3600"],
    );
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(out.stdout.trim())
        .unwrap();
    std::fs::write(dir.join("crl.der"), der).unwrap();
    let text = openssl(
        dir,
        &[
            "crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "ca.pem", "-noout", "-text",
        ],
    );
    assert!(text.stderr.contains("verify OK"), "{}", text.stderr);
    assert!(text.stdout.contains("Serial Number: 7B"), "{}", text.stdout);
    assert_eq!(text.stdout.matches("Serial Number:").count(), 2);
    std::fs::write(dir.join("bad.txt"), "123\n0x7b\n").unwrap();
    let err = certgate_err(dir, &["gencrl", "bad.txt", "ca.pem", "ca-key.pem"]);
    assert!(err.contains("bad.txt:2"), "{err}");
}

#[test]
fn two_processes_issuing_at_once_reuse_no_serial_and_lose_no_record() {
    // Debug builds sign a few thousand a second; 5,000 per process as the issue asks.
    const EACH: usize = 5_000;
    let base = tempfile::tempdir().unwrap();
    for (backend, url) in databases(base.path(), "cli_concurrent") {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        small_ca(dir);
        std::fs::write(
            dir.join("d.json"),
            r#"{"CN": "d", "key": {"algo": "ecdsa", "size": 256}}"#,
        )
        .unwrap();
        certgate_ok(dir, &["genkey", "d.json", "-bare", "d"]);
        certgate_ok(dir, &["db", "migrate", "--db", &url]);
        let spawn = || {
            let mut cmd = std::process::Command::new(CERTGATE);
            cmd.args([
                "sign",
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "-db",
                &url,
            ])
            .args(std::iter::repeat_n("d.csr", EACH))
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
            cmd.spawn().unwrap()
        };
        let (a, b) = (spawn(), spawn());
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{backend}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let listed = rows(&certgate_ok(dir, &["list", "--db", &url]).stdout);
        assert_eq!(listed.len(), 2 * EACH, "{backend}");
        let mut serials: Vec<&str> = listed
            .iter()
            .map(|r| r["serial"].as_str().unwrap())
            .collect();
        serials.sort_unstable();
        serials.dedup();
        assert_eq!(serials.len(), 2 * EACH, "{backend}");
    }
}

#[test]
fn concurrent_gencrl_runs_never_share_a_crl_number() {
    let base = tempfile::tempdir().unwrap();
    for (backend, url) in databases(base.path(), "cli_crlnum") {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        small_ca(dir);
        certgate_ok(dir, &["db", "migrate", "--db", &url]);
        let children: Vec<_> = (0..6)
            .map(|i| {
                std::process::Command::new(CERTGATE)
                    .args([
                        "gencrl",
                        "--db",
                        &url,
                        "-ca",
                        "ca.pem",
                        "-ca-key",
                        "ca-key.pem",
                        "-out",
                    ])
                    .arg(format!("crl{i}.pem"))
                    .current_dir(dir)
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success(), "{backend}");
        }
        if !require_tool("openssl") {
            return;
        }
        let mut numbers: Vec<u64> = (0..6)
            .map(|i| crl_number(dir, &format!("crl{i}.pem")))
            .collect();
        numbers.sort_unstable();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6], "{backend}");
    }
}

#[test]
fn cfssl_db_config_files_work_like_db_urls() {
    let base = tempfile::tempdir().unwrap();
    for (backend, url) in databases(base.path(), "cli_dbconfig") {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        small_ca(dir);
        let config = if backend == "sqlite" {
            // cfssl's form: a path relative to the working directory.
            r#"{"driver":"sqlite3","data_source":"certs.db"}"#.to_owned()
        } else {
            format!(r#"{{"driver":"postgres","data_source":"{url}"}}"#)
        };
        std::fs::write(dir.join("db.json"), config).unwrap();
        std::fs::write(
            dir.join("d.json"),
            r#"{"CN": "d", "key": {"algo": "ecdsa", "size": 256}}"#,
        )
        .unwrap();
        certgate_ok(dir, &["db", "migrate", "-db-config", "db.json"]);
        certgate_ok(
            dir,
            &[
                "gencert",
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "-db-config",
                "db.json",
                "d.json",
                "-bare",
                "d",
            ],
        );
        if backend == "sqlite" {
            assert_eq!(mode(&dir.join("certs.db")), 0o600);
        }
        // cfssl's own spelling: a decimal serial.
        let listed = rows(&certgate_ok(dir, &["list", "-db-config", "db.json"]).stdout);
        assert_eq!(listed.len(), 1, "{backend}");
        let decimal = listed[0]["serial_decimal"].as_str().unwrap();
        let aki = listed[0]["aki"].as_str().unwrap();
        certgate_ok(
            dir,
            &[
                "revoke",
                "-db-config",
                "db.json",
                "-serial",
                decimal,
                "-decimal",
                "-aki",
                aki,
                "-reason",
                "cessationofoperation",
            ],
        );
        let revoked = rows(
            &certgate_ok(
                dir,
                &["list", "-db-config", "db.json", "-status", "revoked"],
            )
            .stdout,
        );
        assert_eq!(revoked[0]["reason"], "cessationOfOperation");
        std::fs::write(
            dir.join("bad.json"),
            r#"{"driver":"mysql","data_source":"x"}"#,
        )
        .unwrap();
        let err = certgate_err(dir, &["list", "-db-config", "bad.json"]);
        assert!(
            err.contains("bad.json") && err.contains("sqlite3 or postgres"),
            "{err}"
        );
    }
}

#[test]
fn a_root_made_with_a_database_is_recorded_and_an_encrypted_ca_key_signs_crls() {
    if !require_tool("openssl") {
        return;
    }
    let base = tempfile::tempdir().unwrap();
    for (backend, url) in databases(base.path(), "cli_root") {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(
            dir.join("ca-csr.json"),
            r#"{"CN": "Recorded Root", "key": {"algo": "ecdsa", "size": 256}}"#,
        )
        .unwrap();
        certgate_ok(dir, &["db", "migrate", "--db", &url]);
        // genkey -initca with an encrypted key, recorded in the inventory.
        certgate_ok(
            dir,
            &[
                "genkey",
                "-initca",
                "-key-pass",
                "pass:s3cret",
                "-db",
                &url,
                "-bare",
                "ca",
                "ca-csr.json",
            ],
        );
        let listed = rows(&certgate_ok(dir, &["list", "--db", &url]).stdout);
        assert_eq!(listed.len(), 1, "{backend}: {listed:?}");
        assert_eq!(listed[0]["profile"], "root", "{backend}");
        // A CSR is no certificate: genkey without -initca records nothing, and says so.
        let err = certgate_err(dir, &["genkey", "-db", &url, "ca-csr.json"]);
        assert!(err.contains("-initca"), "{backend}: {err}");
        // gencrl --db opens the encrypted CA key with -ca-key-pass, and only with it.
        let err = certgate_err(
            dir,
            &[
                "gencrl",
                "--db",
                &url,
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
            ],
        );
        assert!(err.contains("ca-key.pem"), "{backend}: {err}");
        assert!(!dir.join("crl.pem").exists());
        certgate_ok(
            dir,
            &[
                "gencrl",
                "--db",
                &url,
                "-ca",
                "ca.pem",
                "-ca-key",
                "ca-key.pem",
                "-ca-key-pass",
                "pass:s3cret",
                "-out",
                "crl.pem",
            ],
        );
        let verified = openssl(
            dir,
            &["crl", "-in", "crl.pem", "-CAfile", "ca.pem", "-noout"],
        );
        assert!(
            verified.stderr.contains("verify OK"),
            "{backend}: {}",
            verified.stderr
        );
    }
}
