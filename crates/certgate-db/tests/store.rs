//! CertStore against SQLite and PostgreSQL: each test runs on both.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_db::{
    CertStatus, CertStore, DbError, DbUrl, ListFilter, OpenOptions, RevocationCursor,
    RevokeOutcome, parse_reason,
};
use certgate_x509::{KeyId, ReasonCode, SerialRef, Timestamp};
use common::*;

fn serial(bytes: &[u8]) -> SerialRef<'_> {
    SerialRef::from_der_content(bytes).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn record_list_and_filter() {
    let ca = root("Store Root");
    let aki = ca.certificate().key_id().to_vec();
    let certs: Vec<_> = (1u8..=5)
        .map(|i| issue(&ca, &request(&format!("device-{i}")), &[i]))
        .collect();
    for db in backends("record_list") {
        let store = store(&db).await;
        store
            .record_batch(&certs.iter().map(record_of).collect::<Vec<_>>())
            .await
            .unwrap();
        let page = store.list(&ListFilter::new()).await.unwrap();
        assert_eq!(page.rows.len(), 5, "{}", db.name);
        assert!(page.next.is_none());
        let row = &page.rows[0];
        assert_eq!(row.issuer, aki);
        assert_eq!(row.serial.as_ref().as_bytes(), [1]);
        assert_eq!(row.common_name.as_deref(), Some("device-1"));
        assert_eq!(row.status, CertStatus::Good);
        assert_eq!(row.profile.as_deref(), Some("client"));
        assert!(row.not_before <= ts(NOW) && row.not_after > ts(NOW));
        assert!(row.pem.starts_with("-----BEGIN CERTIFICATE-----"));

        // Paging: two at a time, in order, nothing lost.
        let mut seen = Vec::new();
        let mut filter = ListFilter::new().with_limit(2);
        loop {
            let page = store.list(&filter).await.unwrap();
            seen.extend(page.rows.iter().map(|r| r.serial.clone()));
            match page.next {
                Some(c) => filter = ListFilter::new().with_limit(2).after(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), 5, "{}", db.name);

        let by_subject = ListFilter::new().with_subject_containing("DEVICE-3");
        assert_eq!(store.list(&by_subject).await.unwrap().rows.len(), 1);
        // LIKE wildcards match themselves only.
        let wildcard = ListFilter::new().with_subject_containing("device_%");
        assert!(store.list(&wildcard).await.unwrap().rows.is_empty());
        let other_issuer = ListFilter::new().with_issuer(KeyId(&[0xaa; 20]));
        assert!(store.list(&other_issuer).await.unwrap().rows.is_empty());
        let soon = ListFilter::new().with_expiring_before(ts(NOW + time::Duration::days(400)));
        assert_eq!(store.list(&soon).await.unwrap().rows.len(), 5);
        let later = ListFilter::new().with_expiring_before(ts(NOW + time::Duration::days(30)));
        assert!(store.list(&later).await.unwrap().rows.is_empty());
        assert!(matches!(
            store.list(&ListFilter::new().with_limit(1_000_000)).await,
            Err(DbError::LimitExceeded { .. })
        ));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_serial_in_a_batch_writes_nothing() {
    let ca = root("Dup Root");
    let a = issue(&ca, &request("a"), &[7]);
    let b = issue(&ca, &request("b"), &[8]);
    let again = issue(&ca, &request("a-again"), &[7]);
    for db in backends("duplicate") {
        let store = store(&db).await;
        let batch = [record_of(&a), record_of(&b), record_of(&again)];
        match store.record_batch(&batch).await {
            Err(DbError::DuplicateSerial { serial, .. }) => assert_eq!(serial, "07"),
            other => panic!("{}: {other:?}", db.name),
        }
        assert!(
            store
                .list(&ListFilter::new())
                .await
                .unwrap()
                .rows
                .is_empty()
        );
        store.record(&record_of(&a)).await.unwrap();
        assert!(matches!(
            store.record(&record_of(&again)).await,
            Err(DbError::DuplicateSerial { .. })
        ));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_is_idempotent_and_unknown_serials_are_errors() {
    let ca = root("Revoke Root");
    let aki = ca.certificate().key_id().to_vec();
    // Serial 0xff is the INTEGER 00 ff (255); the INTEGER ff is -1, another serial.
    let cert = issue(&ca, &request("phone"), &[0xff]);
    for db in backends("revoke") {
        let store = store(&db).await;
        store.record(&record_of(&cert)).await.unwrap();
        let at = ts(NOW + time::Duration::hours(1));
        let first = store
            .revoke(
                KeyId(&aki),
                serial(&[0x00, 0xff]),
                ReasonCode::KeyCompromise,
                at,
            )
            .await
            .unwrap();
        assert_eq!(first, RevokeOutcome::Revoked);
        let second = store
            .revoke(
                KeyId(&aki),
                serial(&[0x00, 0xff]),
                ReasonCode::Superseded,
                Timestamp::now(),
            )
            .await
            .unwrap();
        assert_eq!(
            second,
            RevokeOutcome::AlreadyRevoked {
                reason: ReasonCode::KeyCompromise,
                at
            },
            "{}",
            db.name
        );
        assert!(matches!(
            store
                .revoke(KeyId(&aki), serial(&[0xff]), ReasonCode::KeyCompromise, at)
                .await,
            Err(DbError::UnknownCertificate { .. })
        ));
        assert!(matches!(
            store
                .revoke(
                    KeyId(&[1, 2, 3]),
                    serial(&[0x00, 0xff]),
                    ReasonCode::KeyCompromise,
                    at
                )
                .await,
            Err(DbError::UnknownCertificate { .. })
        ));
        let revoked = store.revoked_for_issuer(KeyId(&aki)).await.unwrap();
        assert_eq!(revoked.len(), 1);
        assert_eq!(revoked[0].reason, ReasonCode::KeyCompromise);
        assert_eq!(revoked[0].revoked_at, at);
        let (events, cursor) = store
            .revocations_since(RevocationCursor::START)
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "{}: one event, not two", db.name);
        let (none, same) = store.revocations_since(cursor).await.unwrap();
        assert!(none.is_empty());
        assert_eq!(same, cursor);
    }
}

#[test]
fn reasons_parse_by_rfc_name_cfssl_name_and_number() {
    assert_eq!(
        parse_reason("keyCompromise").unwrap(),
        ReasonCode::KeyCompromise
    );
    assert_eq!(
        parse_reason("keycompromise").unwrap(),
        ReasonCode::KeyCompromise
    );
    assert_eq!(
        parse_reason("cACompromise").unwrap(),
        ReasonCode::CaCompromise
    );
    assert_eq!(
        parse_reason("aacompromise").unwrap(),
        ReasonCode::AaCompromise
    );
    assert_eq!(
        parse_reason("removeFromCRL").unwrap(),
        ReasonCode::RemoveFromCrl
    );
    assert_eq!(parse_reason("4").unwrap(), ReasonCode::Superseded);
    for bad in ["7", "11", "stolen", ""] {
        assert!(
            matches!(parse_reason(bad), Err(DbError::UnknownReason { .. })),
            "{bad}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn revoked_for_issuer_lists_only_that_issuer() {
    let one = root("Issuer One");
    let two = root("Issuer Two");
    let a = issue(&one, &request("a"), &[1]);
    let b = issue(&two, &request("b"), &[1]);
    for db in backends("per_issuer") {
        let store = store(&db).await;
        store
            .record_batch(&[record_of(&a), record_of(&b)])
            .await
            .unwrap();
        let at = ts(NOW);
        for ca in [&one, &two] {
            let aki = ca.certificate().key_id();
            store
                .revoke(KeyId(aki), serial(&[1]), ReasonCode::Superseded, at)
                .await
                .unwrap();
        }
        let other = issue(&one, &request("c"), &[2]);
        store.record(&record_of(&other)).await.unwrap();
        let listed = store
            .revoked_for_issuer(KeyId(one.certificate().key_id()))
            .await
            .unwrap();
        assert_eq!(listed.len(), 1, "{}", db.name);
        let revoked = ListFilter::new()
            .with_issuer(KeyId(one.certificate().key_id()))
            .with_status(CertStatus::Revoked);
        assert_eq!(store.list(&revoked).await.unwrap().rows.len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_crl_numbers_are_unique_and_grow() {
    let aki = [0x42u8; 20];
    for db in backends("crl_number") {
        let first = store(&db).await;
        let second = CertStore::open(&db.url).await.unwrap();
        let run = |s: CertStore| {
            tokio::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..50 {
                    got.push(
                        s.next_crl_number(KeyId(&aki), Timestamp::now())
                            .await
                            .unwrap(),
                    );
                }
                got
            })
        };
        let (a, b) = (run(first.clone()), run(second));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        let mut all: Vec<u64> = a.into_iter().chain(b).collect();
        all.sort_unstable();
        assert_eq!(all, (1..=100).collect::<Vec<u64>>(), "{}", db.name);
        // Another issuer has its own sequence.
        assert_eq!(
            first
                .next_crl_number(KeyId(&[1]), Timestamp::now())
                .await
                .unwrap(),
            1
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_stores_recording_at_once_lose_nothing() {
    const EACH: u16 = 300;
    let ca = root("Concurrent Root");
    let req = request("device");
    let make = |range: std::ops::Range<u16>| {
        range
            .map(|i| record_of(&issue(&ca, &req, &i.to_be_bytes())))
            .collect::<Vec<_>>()
    };
    let (left, right) = (make(1..EACH + 1), make(EACH + 1..2 * EACH + 1));
    for db in backends("concurrent_record") {
        let (a, b) = (store(&db).await, CertStore::open(&db.url).await.unwrap());
        let run = |s: CertStore, recs: Vec<_>| {
            tokio::spawn(async move {
                for chunk in recs.chunks(25) {
                    s.record_batch(chunk).await.unwrap();
                }
            })
        };
        let (x, y) = (run(a.clone(), left.clone()), run(b, right.clone()));
        x.await.unwrap();
        y.await.unwrap();
        let mut count = 0;
        let mut filter = ListFilter::new().with_limit(250);
        loop {
            let page = a.list(&filter).await.unwrap();
            count += page.rows.len();
            match page.next {
                Some(c) => filter = ListFilter::new().with_limit(250).after(c),
                None => break,
            }
        }
        assert_eq!(count, usize::from(2 * EACH), "{}", db.name);
    }
}

/// Eight processes' worth of first opens of one new SQLite file at once, ten times: the
/// one that switches it to WAL makes the others' connections busy at once, and they
/// must wait rather than fail (before: `Locked` in about one run in twenty under load).
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_first_opens_of_a_new_sqlite_file_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..10 {
        let url = DbUrl::Sqlite(dir.path().join(format!("new-{round}.db")));
        let opens = (0..8).map(|_| CertStore::open_and_migrate(&url));
        for opened in futures_util::future::join_all(opens).await {
            let store = opened.unwrap();
            assert_eq!(
                store.schema_version().await.unwrap(),
                certgate_db::SCHEMA_VERSION
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_versions_are_checked() {
    for db in backends("schema") {
        match CertStore::open(&db.url).await {
            Err(DbError::NeedsMigration {
                found: 0,
                supported,
            }) => {
                assert_eq!(supported, certgate_db::SCHEMA_VERSION);
            }
            other => panic!("{}: {other:?}", db.name),
        }
        // Two migrations at once: each version applied once.
        let (a, b) = tokio::join!(
            CertStore::open_and_migrate(&db.url),
            CertStore::open_and_migrate(&db.url)
        );
        let (a, _b) = (a.unwrap(), b.unwrap());
        assert!(a.migrate().await.unwrap().is_empty(), "idempotent");
        assert_eq!(
            a.schema_version().await.unwrap(),
            certgate_db::SCHEMA_VERSION
        );
        CertStore::open(&db.url).await.unwrap();
        // A newer build wrote this database.
        raw(
            &db.url,
            "INSERT INTO schema_version (version, applied_at) VALUES (99, 0)",
        )
        .await;
        match CertStore::open(&db.url).await {
            Err(DbError::SchemaTooNew { found: 99, .. }) => {}
            other => panic!("{}: {other:?}", db.name),
        }
        assert!(matches!(
            CertStore::open_and_migrate(&db.url).await,
            Err(DbError::SchemaTooNew { .. })
        ));
    }
}

/// Runs one statement on the database directly.
async fn raw(url: &DbUrl, sql: &str) {
    match url {
        DbUrl::Sqlite(path) => {
            let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
                "sqlite://{}",
                path.display()
            ))
            .await
            .unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
        }
        DbUrl::Postgres(u) => {
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(u)
                .await
                .unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_sqlite_database_is_a_clear_error_and_nothing_is_written() {
    use sqlx::Connection;
    let ca = root("Locked Root");
    let cert = issue(&ca, &request("d"), &[1]);
    let dir = tempfile::tempdir().unwrap();
    let url = DbUrl::Sqlite(dir.path().join("certs.db"));
    let options = OpenOptions::default().with_busy_timeout(std::time::Duration::from_millis(200));
    let store = CertStore::open_with(&url, &options, true).await.unwrap();
    let mut holder = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        dir.path().join("certs.db").display()
    ))
    .await
    .unwrap();
    sqlx::raw_sql("BEGIN EXCLUSIVE")
        .execute(&mut holder)
        .await
        .unwrap();
    match store.record(&record_of(&cert)).await {
        Err(DbError::Locked { waited_ms: 200 }) => {}
        other => panic!("{other:?}"),
    }
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut holder)
        .await
        .unwrap();
    assert!(
        store
            .list(&ListFilter::new())
            .await
            .unwrap()
            .rows
            .is_empty()
    );
    store.record(&record_of(&cert)).await.unwrap();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_new_sqlite_file_is_private_and_in_wal_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certs.db");
    let store = CertStore::open_and_migrate(&DbUrl::Sqlite(path.clone()))
        .await
        .unwrap();
    store.close().await;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // WAL is recorded in the file: another connection sees it.
    let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        path.display()
    ))
    .await
    .unwrap();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_databases_are_clear_errors() {
    // A port nothing listens on: bind one, then close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = DbUrl::parse(&format!("postgres://u:secret@127.0.0.1:{port}/db")).unwrap();
    let options = OpenOptions::default().with_connect_timeout(std::time::Duration::from_secs(2));
    match CertStore::open_with(&url, &options, false).await {
        Err(e @ DbError::Unreachable { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains(&port.to_string()) && !text.contains("secret"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
    let url = DbUrl::Sqlite("/nonexistent-dir/certs.db".into());
    assert!(matches!(
        CertStore::open_and_migrate(&url).await,
        Err(DbError::Unreachable { .. })
    ));
    // Opening without migrating creates nothing.
    let dir = tempfile::tempdir().unwrap();
    let url = DbUrl::Sqlite(dir.path().join("typo.db"));
    assert!(matches!(
        CertStore::open(&url).await,
        Err(DbError::NeedsMigration { found: 0, .. })
    ));
    assert!(!dir.path().join("typo.db").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_pushes_revocations_to_listeners() {
    let ca = root("Listen Root");
    let aki = ca.certificate().key_id().to_vec();
    let cert = issue(&ca, &request("l"), &[9]);
    for db in backends("listen") {
        let store = store(&db).await;
        store.record(&record_of(&cert)).await.unwrap();
        if !store.is_postgres() {
            assert!(matches!(
                store.listen().await,
                Err(DbError::ListenUnsupported)
            ));
            continue;
        }
        let mut listener = store.listen().await.unwrap();
        store
            .revoke(
                KeyId(&aki),
                serial(&[9]),
                ReasonCode::CessationOfOperation,
                ts(NOW),
            )
            .await
            .unwrap();
        let event = tokio::time::timeout(std::time::Duration::from_secs(30), listener.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(event.issuer, aki);
        assert_eq!(event.serial.as_ref().as_bytes(), [9]);
        assert_eq!(event.reason, ReasonCode::CessationOfOperation);
    }
}
