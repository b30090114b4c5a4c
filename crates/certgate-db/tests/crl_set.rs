//! The CRL's set (`revoked_for_issuer`, read from the revocation log since schema 3) is
//! the certificates table's revoked set, whichever path revoked them: `revoke`,
//! `revoke_batch`, a cfssl import, and a database migrated from schema 2. On both
//! backends.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use certgate_db::{CertStatus, CertStore, DbError, DbUrl, ListFilter};
use certgate_x509::{KeyId, ReasonCode, Serial, SerialRef};
use common::*;
use sqlx::Connection;

/// (serial hex, reason code, revocation time) of one revoked certificate.
type Entry = (String, u8, i64);

fn serial(bytes: &[u8]) -> SerialRef<'_> {
    SerialRef::from_der_content(bytes).unwrap()
}

/// `n` certificates of `ca`, serials 02 0001 to 02 nnnn.
fn many(ca: &certgate_ca::CertificateAuthority, n: u16) -> Vec<certgate_db::NewCertificate> {
    let req = request("crl-set");
    (1..=n)
        .map(|i| {
            let [hi, lo] = i.to_be_bytes();
            record_of(&issue(ca, &req, &[0x02, hi, lo]))
        })
        .collect()
}

fn owned(c: &certgate_db::NewCertificate) -> Serial {
    Serial::parse(c.serial_hex(), false).unwrap()
}

/// The CRL's entries, each once (a repeat fails the test).
async fn crl_set(store: &CertStore, aki: &[u8]) -> BTreeSet<Entry> {
    let rows = store.revoked_for_issuer(KeyId(aki)).await.unwrap();
    let set: BTreeSet<Entry> = rows
        .iter()
        .map(|r| {
            (
                r.serial.as_ref().to_hex(),
                r.reason.code(),
                r.revoked_at.unix_seconds(),
            )
        })
        .collect();
    assert_eq!(set.len(), rows.len(), "a serial twice in the CRL");
    set
}

/// The issuer's revoked certificates as the certificates table has them.
async fn table_set(store: &CertStore, aki: &[u8]) -> BTreeSet<Entry> {
    let filter = || {
        ListFilter::new()
            .with_issuer(KeyId(aki))
            .with_status(CertStatus::Revoked)
            .with_limit(1_000)
    };
    let mut out = BTreeSet::new();
    let mut page = store.list(&filter()).await.unwrap();
    loop {
        for r in &page.rows {
            out.insert((
                r.serial.as_ref().to_hex(),
                r.reason.unwrap().code(),
                r.revoked_at.unwrap().unix_seconds(),
            ));
        }
        match page.next {
            Some(c) => page = store.list(&filter().after(c)).await.unwrap(),
            None => return out,
        }
    }
}

/// Asserts the CRL's set is the table's, with pages of every size that matters.
async fn assert_same(db: &TestDb, store: &CertStore, aki: &[u8], expected: usize) {
    let table = table_set(store, aki).await;
    assert_eq!(table.len(), expected, "{}", db.name);
    assert_eq!(crl_set(store, aki).await, table, "{}", db.name);
    for page in [1, 3] {
        let options = certgate_db::OpenOptions::default().with_revoked_page_rows(page);
        let paged = CertStore::open_with(&db.url, &options, false)
            .await
            .unwrap();
        assert_eq!(
            crl_set(&paged, aki).await,
            table,
            "{}: pages of {page}",
            db.name
        );
        paged.close().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_crl_set_is_the_revoked_set_after_revoke_and_revoke_batch() {
    let ca = root("Set Root");
    let other = root("Other Set Root");
    let aki = ca.certificate().key_id().to_vec();
    let certs = many(&ca, 12);
    let foreign = record_of(&issue(&other, &request("x"), &[0x02, 0, 1]));
    for db in backends("crl_set_revoke") {
        let store = store(&db).await;
        store.record_batch(&certs).await.unwrap();
        store.record(&foreign).await.unwrap();
        assert_same(&db, &store, &aki, 0).await;
        // One by one, twice for the same serial: the second changes nothing.
        for _ in 0..2 {
            store
                .revoke(
                    KeyId(&aki),
                    serial(&[0x02, 0, 1]),
                    ReasonCode::KeyCompromise,
                    ts(NOW),
                )
                .await
                .unwrap();
        }
        store
            .revoke(
                KeyId(other.certificate().key_id()),
                serial(&[0x02, 0, 1]),
                ReasonCode::Superseded,
                ts(NOW),
            )
            .await
            .unwrap();
        // A batch that repeats a serial, and one revoked already, then the same again.
        let serials: Vec<Serial> = certs[..6].iter().map(owned).collect();
        let mut refs: Vec<SerialRef<'_>> = serials.iter().map(Serial::as_ref).collect();
        refs.push(refs[2]);
        let later = certgate_x509::Timestamp::from_unix_seconds(ts(NOW).unix_seconds() + 60);
        for _ in 0..2 {
            store
                .revoke_batch(KeyId(&aki), &refs, ReasonCode::CessationOfOperation, later)
                .await
                .unwrap();
        }
        assert_same(&db, &store, &aki, 6).await;
        let first = crl_set(&store, &aki).await;
        assert!(
            first.contains(&("020001".to_owned(), 1, ts(NOW).unix_seconds())),
            "the first reason and time stay: {first:?}"
        );
    }
}

/// Two issuers revoking in turn leave their events interleaved in the log: each CRL
/// set is still whole with pages of 1, 3 and 5 log ids, and a run of the other issuer's
/// events longer than a page (a page of this issuer's ids with none of its rows) is
/// skipped, not taken for the end.
#[tokio::test(flavor = "multi_thread")]
async fn pages_of_log_ids_skip_other_issuers_events() {
    let (ca, other) = (root("Turn Root"), root("Other Turn Root"));
    let (aki, other_aki) = (
        ca.certificate().key_id().to_vec(),
        other.certificate().key_id().to_vec(),
    );
    let (mine, theirs) = (many(&ca, 8), many(&other, 14));
    for db in backends("crl_set_turns") {
        let store = store(&db).await;
        store.record_batch(&mine).await.unwrap();
        store.record_batch(&theirs).await.unwrap();
        // Mine and theirs in turn, then a run of 6 of theirs, then mine again.
        let revoke = |who: &[u8], c: &certgate_db::NewCertificate| {
            let (who, s) = (who.to_vec(), owned(c));
            let store = &store;
            async move {
                store
                    .revoke(KeyId(&who), s.as_ref(), ReasonCode::Superseded, ts(NOW))
                    .await
                    .unwrap();
            }
        };
        for i in 0..4 {
            revoke(&aki, &mine[i]).await;
            revoke(&other_aki, &theirs[i]).await;
        }
        for c in &theirs[4..10] {
            revoke(&other_aki, c).await;
        }
        for c in &mine[4..7] {
            revoke(&aki, c).await;
        }
        let (table, other_table) = (
            table_set(&store, &aki).await,
            table_set(&store, &other_aki).await,
        );
        assert_eq!((table.len(), other_table.len()), (7, 10), "{}", db.name);
        for page in [1, 3, 5] {
            let options = certgate_db::OpenOptions::default().with_revoked_page_rows(page);
            let paged = CertStore::open_with(&db.url, &options, false)
                .await
                .unwrap();
            assert_eq!(crl_set(&paged, &aki).await, table, "{}: {page}", db.name);
            assert_eq!(
                crl_set(&paged, &other_aki).await,
                other_table,
                "{}: {page}",
                db.name
            );
            paged.close().await;
        }
    }
}

/// cfssl's certdb schema for SQLite (its migration 001).
const CFSSL_SQLITE_SCHEMA: &str = "CREATE TABLE certificates (
  serial_number blob NOT NULL, authority_key_identifier blob NOT NULL, ca_label blob,
  status blob NOT NULL, reason int, created_at timestamp, expiry timestamp,
  revoked_at timestamp, pem blob NOT NULL,
  PRIMARY KEY(serial_number, authority_key_identifier));";

#[tokio::test(flavor = "multi_thread")]
async fn the_crl_set_is_the_revoked_set_after_a_cfssl_import() {
    let ca = root("Import Set Root");
    let aki = ca.certificate().key_id().to_vec();
    let req = request("imported");
    let issued: Vec<_> = (1..=5u8).map(|i| issue(&ca, &req, &[0x03, i])).collect();
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("cfssl.db");
    {
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", source.display()))
                .await
                .unwrap();
        sqlx::raw_sql(CFSSL_SQLITE_SCHEMA)
            .execute(&mut c)
            .await
            .unwrap();
        for (i, cert) in issued.iter().enumerate() {
            // Rows 0, 2 and 4 revoked, as `cfssl revoke` leaves them.
            let revoked = i % 2 == 0;
            let der = cert.der();
            let info = certgate_x509::CertificateInfo::from_der(der).unwrap();
            sqlx::query(
                "INSERT INTO certificates (serial_number, authority_key_identifier, status, \
                 reason, revoked_at, pem) VALUES (CAST($1 AS BLOB), CAST($2 AS BLOB), \
                 CAST($3 AS BLOB), $4, $5, CAST($6 AS BLOB))",
            )
            .bind(info.serial().to_decimal())
            .bind(certgate_x509::hex::lower(&aki))
            .bind(if revoked { "revoked" } else { "good" })
            .bind(if revoked { 4 } else { 0 })
            .bind(revoked.then_some("2026-06-01 12:00:00+00:00"))
            .bind(certgate_x509::pem::encode("CERTIFICATE", der))
            .execute(&mut c)
            .await
            .unwrap();
        }
        c.close().await.unwrap();
    }
    let from = DbUrl::Sqlite(source);
    for db in backends("crl_set_import") {
        let store = store(&db).await;
        // Imported twice: the second finds every row present and logs nothing more.
        for _ in 0..2 {
            store.import_cfssl(&from, |_, _| {}).await.unwrap();
        }
        assert_same(&db, &store, &aki, 3).await;
        let set = crl_set(&store, &aki).await;
        assert!(
            set.iter()
                .all(|(_, reason, at)| *reason == 4 && *at == ts(NOW).unix_seconds())
        );
    }
}

/// Runs statements on the database directly.
async fn raw(url: &DbUrl, sql: &str) {
    match url {
        DbUrl::Sqlite(path) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
        }
        DbUrl::Postgres(u) => {
            let mut c = sqlx::PgConnection::connect(u).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
        }
    }
}

/// Schema 2 as it was: the partial index of revoked certificates, no index on the log.
const BACK_TO_SCHEMA_2: &str = "DROP INDEX revocation_events_issuer; \
    CREATE INDEX certificates_revoked ON certificates \
    (authority_key_identifier, serial_number, reason, revoked_at, status) WHERE status = 'revoked'; \
    DELETE FROM schema_version WHERE version = 3";

#[tokio::test(flavor = "multi_thread")]
async fn a_schema_2_database_migrates_and_its_crl_keeps_every_revoked_certificate() {
    let ca = root("Schema Two Root");
    let aki = ca.certificate().key_id().to_vec();
    let certs = many(&ca, 10);
    let serials: Vec<Serial> = certs.iter().map(owned).collect();
    for db in backends("crl_set_migrate") {
        let store = store(&db).await;
        store.record_batch(&certs).await.unwrap();
        // Four revoked through the store (so logged) ...
        let refs: Vec<_> = serials[..4].iter().map(Serial::as_ref).collect();
        store
            .revoke_batch(KeyId(&aki), &refs, ReasonCode::Superseded, ts(NOW))
            .await
            .unwrap();
        store.close().await;
        raw(&db.url, BACK_TO_SCHEMA_2).await;
        // ... and three by another writer, with no log rows (one of them at a later
        // time), as a database written outside certgate-db could hold.
        raw(
            &db.url,
            &format!(
                "UPDATE certificates SET status = 'revoked', reason = 1, revoked_at = 100 \
                 WHERE serial_number IN ('{}', '{}'); \
                 UPDATE certificates SET status = 'revoked', reason = 5, revoked_at = 50 \
                 WHERE serial_number = '{}'",
                certs[4].serial_hex(),
                certs[5].serial_hex(),
                certs[6].serial_hex()
            ),
        )
        .await;
        match CertStore::open(&db.url).await {
            Err(DbError::NeedsMigration {
                found: 2,
                supported: 3,
            }) => {}
            other => panic!("{}: {other:?}", db.name),
        }
        let store = self::store(&db).await;
        assert_eq!(store.schema_version().await.unwrap(), 3);
        assert_same(&db, &store, &aki, 7).await;
        // And after the migration, the paths go on logging.
        store
            .revoke(
                KeyId(&aki),
                serials[7].as_ref(),
                ReasonCode::KeyCompromise,
                ts(NOW),
            )
            .await
            .unwrap();
        assert_same(&db, &store, &aki, 8).await;
        assert!(store.migrate().await.unwrap().is_empty(), "{}", db.name);
        store.close().await;
    }
}
