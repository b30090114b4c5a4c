//! `certgate db import-cfssl` with a certdb that Debian's cfssl wrote (SQLite and
//! PostgreSQL), a revocation made by `cfssl revoke`, and that revocation in our next CRL.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use certgate_test_support::{require_tool, run};
use common::*;
use serde_json::Value;

/// cfssl's certdb schema for SQLite (its migration 001; cfssl 1.2 creates no tables).
const CFSSL_SQLITE_SCHEMA: &str = "CREATE TABLE certificates (
  serial_number blob NOT NULL, authority_key_identifier blob NOT NULL, ca_label blob,
  status blob NOT NULL, reason int, created_at timestamp, expiry timestamp,
  revoked_at timestamp, pem blob NOT NULL,
  PRIMARY KEY(serial_number, authority_key_identifier));";

/// cfssl's certdb schema for PostgreSQL (its migration 001).
const CFSSL_PG_SCHEMA: &str = "CREATE TABLE certificates (
  serial_number bytea NOT NULL, authority_key_identifier bytea NOT NULL, ca_label bytea,
  status bytea NOT NULL, reason int, created_at timestamptz, expiry timestamptz,
  revoked_at timestamptz, pem bytea NOT NULL,
  PRIMARY KEY(serial_number, authority_key_identifier));";

/// A cfssl certdb of each kind: (kind, db-config JSON, URL for `--from`).
fn cfssl_certdbs(dir: &Path) -> Vec<(&'static str, String, String)> {
    let path = dir.join("cfssl.db");
    let script = format!(
        "import sqlite3\nc = sqlite3.connect({:?})\nc.executescript({CFSSL_SQLITE_SCHEMA:?})\nc.commit()\n",
        path.display().to_string()
    );
    let out = run("python3", &["-c", &script], dir);
    assert!(out.success(), "{}", out.stderr);
    let mut out = vec![(
        "sqlite",
        format!(
            r#"{{"driver":"sqlite3","data_source":"{}"}}"#,
            path.display()
        ),
        format!("sqlite://{}", path.display()),
    )];
    if let Some(url) = certgate_test_support::postgres_database("cfssl_src") {
        let made = run("psql", &[&url, "-q", "-c", CFSSL_PG_SCHEMA], dir);
        assert!(made.success(), "{}", made.stderr);
        // cfssl's lib/pq asks for TLS unless told otherwise.
        let cfssl_url = format!("{url}?sslmode=disable");
        out.push((
            "postgres",
            format!(r#"{{"driver":"postgres","data_source":"{cfssl_url}"}}"#),
            url,
        ));
    }
    out
}

/// cfssl's rows as (decimal serial, aki), read from the certdb directly.
fn cfssl_rows(dir: &Path, kind: &str, url: &str) -> Vec<(String, String)> {
    let out = if kind == "sqlite" {
        let script = format!(
            "import sqlite3\nfor s, a in sqlite3.connect({:?}).execute('SELECT CAST(serial_number AS TEXT), CAST(authority_key_identifier AS TEXT) FROM certificates ORDER BY 1'):\n    print(s, a)\n",
            url.trim_start_matches("sqlite://")
        );
        run("python3", &["-c", &script], dir)
    } else {
        run(
            "psql",
            &[
                url,
                "-tA",
                "-F",
                " ",
                "-c",
                "SELECT convert_from(serial_number, 'UTF8'), convert_from(authority_key_identifier, 'UTF8') FROM certificates ORDER BY 1",
            ],
            dir,
        )
    };
    assert!(out.success(), "{}", out.stderr);
    out.stdout
        .lines()
        .map(|l| {
            let (s, a) = l.split_once(' ').unwrap();
            (s.to_owned(), a.to_owned())
        })
        .collect()
}

#[test]
fn a_cfssl_certdb_imports_and_its_revocations_reach_our_crl() {
    if !require_tool("cfssl") || !require_tool("openssl") || !require_tool("python3") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_ca(dir);
    std::fs::write(
        dir.join("d.json"),
        r#"{"CN": "cfssl-device", "key": {"algo": "ecdsa", "size": 256}}"#,
    )
    .unwrap();
    certgate_ok(dir, &["genkey", "d.json", "-bare", "d"]);
    for (kind, db_config, from) in cfssl_certdbs(dir) {
        std::fs::write(dir.join("cfssl-db.json"), &db_config).unwrap();
        for _ in 0..2 {
            let signed = run(
                "cfssl",
                &[
                    "sign",
                    "-ca",
                    "ca.pem",
                    "-ca-key",
                    "ca-key.pem",
                    "-db-config",
                    "cfssl-db.json",
                    "d.csr",
                ],
                dir,
            );
            assert!(signed.success(), "{kind}: {}", signed.stderr);
        }
        // Debian's cfssl 1.2 records an empty authority_key_identifier, and then its own
        // `revoke` cannot name the row (it requires -aki): fill the column in as later
        // cfssl releases write it (lower-case hex), so that `cfssl revoke` does the
        // revoking. The import itself reads the issuer from the PEM, not this column.
        let ca_info: Value =
            serde_json::from_str(&certgate_ok(dir, &["certinfo", "-cert", "ca.pem"]).stdout)
                .unwrap();
        let ca_ski = ca_info["subject_key_id"]
            .as_str()
            .unwrap()
            .replace(':', "")
            .to_ascii_lowercase();
        let fill = if kind == "sqlite" {
            format!("UPDATE certificates SET authority_key_identifier = '{ca_ski}'")
        } else {
            // bytea: the text's UTF-8 octets, as lib/pq stores cfssl's strings.
            format!(
                "UPDATE certificates SET authority_key_identifier = convert_to('{ca_ski}', 'UTF8')"
            )
        };
        sql(dir, kind, &from, &fill);
        let rows = cfssl_rows(dir, kind, &from);
        assert_eq!(rows.len(), 2, "{kind}");
        let (serial, aki) = &rows[0];
        assert_eq!(aki, &ca_ski);
        assert!(
            serial.bytes().all(|b| b.is_ascii_digit()),
            "cfssl writes decimal: {serial}"
        );
        let revoked = run(
            "cfssl",
            &[
                "revoke",
                "-db-config",
                "cfssl-db.json",
                "-serial",
                serial,
                "-aki",
                aki,
                "-reason",
                "keycompromise",
            ],
            dir,
        );
        assert!(revoked.success(), "{kind}: {}", revoked.stderr);

        let base = tempfile::tempdir().unwrap();
        for (backend, url) in crate_databases(base.path(), kind) {
            certgate_ok(dir, &["db", "migrate", "--db", &url]);
            let imported = certgate_ok(dir, &["db", "import-cfssl", "--db", &url, "--from", &from]);
            assert!(
                imported
                    .stderr
                    .contains("imported 2 certificates (1 revoked)"),
                "{kind} -> {backend}: {}",
                imported.stderr
            );
            let again = certgate_ok(dir, &["db", "import-cfssl", "--db", &url, "--from", &from]);
            assert!(
                again.stderr.contains("2 already present"),
                "{}",
                again.stderr
            );
            let listed: Vec<Value> =
                certgate_ok(dir, &["list", "--db", &url, "--status", "revoked"])
                    .stdout
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
            assert_eq!(listed.len(), 1, "{kind} -> {backend}");
            assert_eq!(listed[0]["serial_decimal"], serial.as_str());
            assert_eq!(listed[0]["aki"], aki.as_str());
            assert_eq!(listed[0]["reason"], "keyCompromise");
            assert_eq!(listed[0]["subject"], "CN=cfssl-device");

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
                    "-out",
                    "crl.pem",
                ],
            );
            let text = openssl(
                dir,
                &[
                    "crl", "-in", "crl.pem", "-CAfile", "ca.pem", "-noout", "-text",
                ],
            );
            assert!(text.stderr.contains("verify OK"), "{}", text.stderr);
            assert_eq!(
                text.stdout.matches("Serial Number:").count(),
                1,
                "{}",
                text.stdout
            );
            assert!(text.stdout.contains("Key Compromise"), "{}", text.stdout);
            let hex = listed[0]["serial"].as_str().unwrap().to_ascii_uppercase();
            assert!(
                text.stdout.contains(&format!("Serial Number: {hex}")),
                "{}",
                text.stdout
            );
        }
        std::fs::remove_file(dir.join("cfssl-db.json")).unwrap();
    }
}

/// Runs one statement on a cfssl certdb.
fn sql(dir: &Path, kind: &str, url: &str, statement: &str) {
    let out = if kind == "sqlite" {
        let script = format!(
            "import sqlite3, sys\nc = sqlite3.connect({:?})\nc.execute(sys.argv[1])\nc.commit()\n",
            url.trim_start_matches("sqlite://")
        );
        run("python3", &["-c", &script, statement], dir)
    } else {
        run("psql", &[url, "-q", "-c", statement], dir)
    };
    assert!(out.success(), "{}", out.stderr);
}

/// Our databases for one source kind (names kept apart per kind).
fn crate_databases(dir: &Path, kind: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![(
        "sqlite",
        format!("sqlite://{}", dir.join(format!("ours-{kind}.db")).display()),
    )];
    if let Some(url) = certgate_test_support::postgres_database(&format!("ours_{kind}")) {
        out.push(("postgres", url));
    }
    out
}
