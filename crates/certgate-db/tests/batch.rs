//! Batches across several statements (record_batch) and revoke_batch, on both backends.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_db::{DbError, ListFilter, RevocationCursor, limits::MAX_BATCH};
use certgate_x509::{KeyId, ReasonCode, SerialRef};
use common::*;

fn serial(bytes: &[u8]) -> SerialRef<'_> {
    SerialRef::from_der_content(bytes).unwrap()
}

/// `n` certificates of `ca` for one request, serials 01 0001 to 01 nnnn (three octets each).
fn many(ca: &certgate_ca::CertificateAuthority, n: u16) -> Vec<certgate_db::NewCertificate> {
    let req = request("fleet");
    (1..=n)
        .map(|i| {
            let [hi, lo] = i.to_be_bytes();
            record_of(&issue(ca, &req, &[0x01, hi, lo]))
        })
        .collect()
}

/// Counts every row `list` returns, page by page.
async fn count_rows(store: &certgate_db::CertStore) -> usize {
    let mut n = 0;
    let mut filter = ListFilter::new().with_limit(1_000);
    loop {
        let page = store.list(&filter).await.unwrap();
        n += page.rows.len();
        match page.next {
            Some(c) => filter = ListFilter::new().with_limit(1_000).after(c),
            None => return n,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_over_several_statements_records_every_row() {
    let ca = root("Fleet Root");
    // 1,203 rows: three multi-row INSERTs of at most 500.
    let certs = many(&ca, 1_203);
    for db in backends("batch_rows") {
        let store = store(&db).await;
        store.record_batch(&certs).await.unwrap();
        assert_eq!(count_rows(&store).await, 1_203, "{}", db.name);
        let page = store.list(&ListFilter::new().with_limit(1)).await.unwrap();
        assert_eq!(page.rows[0].common_name.as_deref(), Some("fleet"));
        assert!(page.rows[0].pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_in_a_later_statement_names_the_serial_and_writes_nothing() {
    let ca = root("Dup Fleet Root");
    let mut certs = many(&ca, 700);
    // Row 650 (in the second INSERT) repeats row 10's serial (in the first).
    certs[649] = certs[9].clone();
    let repeated = certs[9].serial_hex().to_owned();
    for db in backends("batch_dup") {
        let store = store(&db).await;
        match store.record_batch(&certs).await {
            Err(DbError::DuplicateSerial { serial, .. }) => assert_eq!(serial, repeated),
            other => panic!("{}: {other:?}", db.name),
        }
        assert_eq!(count_rows(&store).await, 0, "{}", db.name);
        // A serial recorded by an earlier call is a duplicate too.
        store.record_batch(&certs[..600]).await.unwrap();
        assert!(matches!(
            store.record_batch(&certs[600..]).await,
            Err(DbError::DuplicateSerial { .. })
        ));
        assert_eq!(count_rows(&store).await, 600, "{}", db.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_batch_is_all_or_nothing_and_counts_what_was_revoked_already() {
    let ca = root("Batch Revoke Root");
    let aki = ca.certificate().key_id().to_vec();
    let req = request("phone");
    let certs: Vec<_> = (1u8..=5)
        .map(|i| record_of(&issue(&ca, &req, &[i])))
        .collect();
    for db in backends("revoke_batch") {
        let store = store(&db).await;
        store.record_batch(&certs).await.unwrap();
        let mut listener = if store.is_postgres() {
            Some(store.listen().await.unwrap())
        } else {
            None
        };
        store
            .revoke(
                KeyId(&aki),
                serial(&[1]),
                ReasonCode::KeyCompromise,
                ts(NOW),
            )
            .await
            .unwrap();
        // 1 again, 2, 3, and 2 twice: two revoked now, one already.
        let batch = [serial(&[1]), serial(&[2]), serial(&[3]), serial(&[2])];
        let done = store
            .revoke_batch(KeyId(&aki), &batch, ReasonCode::Superseded, ts(NOW))
            .await
            .unwrap();
        assert_eq!((done.revoked, done.already_revoked), (2, 1), "{}", db.name);
        let mut revoked = store.revoked_for_issuer(KeyId(&aki)).await.unwrap();
        revoked.sort_by_key(|r| r.serial.to_string());
        assert_eq!(revoked.len(), 3);
        assert_eq!(
            revoked[0].reason,
            ReasonCode::KeyCompromise,
            "kept as it was"
        );
        assert_eq!(revoked[1].reason, ReasonCode::Superseded);
        let (events, _) = store
            .revocations_since(RevocationCursor::START)
            .await
            .unwrap();
        assert_eq!(events.len(), 3, "{}: one log entry per revocation", db.name);

        // An unknown serial: an error naming it, and 4 stays good.
        match store
            .revoke_batch(
                KeyId(&aki),
                &[serial(&[4]), serial(&[0x63])],
                ReasonCode::Superseded,
                ts(NOW),
            )
            .await
        {
            Err(DbError::UnknownCertificate { serial, .. }) => assert_eq!(serial, "63"),
            other => panic!("{}: {other:?}", db.name),
        }
        assert_eq!(
            store.revoked_for_issuer(KeyId(&aki)).await.unwrap().len(),
            3
        );
        // Another issuer's key id finds none of them.
        assert!(matches!(
            store
                .revoke_batch(
                    KeyId(&[0xaa; 20]),
                    &[serial(&[5])],
                    ReasonCode::Superseded,
                    ts(NOW)
                )
                .await,
            Err(DbError::UnknownCertificate { .. })
        ));
        let too_many = vec![serial(&[5]); MAX_BATCH + 1];
        assert!(matches!(
            store
                .revoke_batch(KeyId(&aki), &too_many, ReasonCode::Superseded, ts(NOW))
                .await,
            Err(DbError::LimitExceeded { .. })
        ));

        if let Some(listener) = listener.as_mut() {
            let mut serials = Vec::new();
            for _ in 0..3 {
                let event =
                    tokio::time::timeout(std::time::Duration::from_secs(30), listener.recv())
                        .await
                        .unwrap()
                        .unwrap();
                serials.push(event.serial.as_ref().as_bytes().to_vec());
            }
            serials.sort();
            assert_eq!(serials, [vec![1], vec![2], vec![3]]);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_batch_over_several_statements() {
    let ca = root("Batch Revoke Fleet Root");
    let aki = ca.certificate().key_id().to_vec();
    // 2,345 serials: three UPDATEs of at most 1,000.
    let certs = many(&ca, 2_345);
    let serials: Vec<Vec<u8>> = (1..=2_345u16)
        .map(|i| {
            let [hi, lo] = i.to_be_bytes();
            vec![0x01, hi, lo]
        })
        .collect();
    for db in backends("revoke_batch_many") {
        let store = store(&db).await;
        store.record_batch(&certs).await.unwrap();
        let refs: Vec<_> = serials.iter().map(|s| serial(s)).collect();
        let done = store
            .revoke_batch(KeyId(&aki), &refs, ReasonCode::Superseded, ts(NOW))
            .await
            .unwrap();
        assert_eq!(
            (done.revoked, done.already_revoked),
            (2_345, 0),
            "{}",
            db.name
        );
        assert_eq!(
            store.revoked_for_issuer(KeyId(&aki)).await.unwrap().len(),
            2_345
        );
    }
}

/// Runs statements on the database directly.
async fn raw(url: &certgate_db::DbUrl, sql: &str) -> Vec<String> {
    use sqlx::{Connection, Row};
    match url {
        certgate_db::DbUrl::Sqlite(path) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            let rows = sqlx::raw_sql(sql).fetch_all(&mut c).await.unwrap();
            rows.iter()
                .map(|r| r.try_get::<String, _>(3).unwrap_or_default())
                .collect()
        }
        certgate_db::DbUrl::Postgres(u) => {
            let mut c = sqlx::PgConnection::connect(u).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            Vec::new()
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_schema_1_database_migrates_to_the_log_index_and_keeps_its_rows() {
    let ca = root("Migrate Root");
    let aki = ca.certificate().key_id().to_vec();
    let certs = many(&ca, 3);
    for db in backends("migrate_v2") {
        let store = store(&db).await;
        store.record_batch(&certs).await.unwrap();
        store.close().await;
        // Back to what schema 1 left: no index for the CRL query, version 1.
        raw(
            &db.url,
            "DROP INDEX revocation_events_issuer; DELETE FROM schema_version WHERE version >= 2",
        )
        .await;
        assert!(matches!(
            certgate_db::CertStore::open(&db.url).await,
            Err(DbError::NeedsMigration {
                found: 1,
                supported: 3
            })
        ));
        let store = self::store(&db).await;
        assert_eq!(store.schema_version().await.unwrap(), 3);
        assert_eq!(count_rows(&store).await, 3, "{}", db.name);
        store
            .revoke_batch(
                KeyId(&aki),
                &[serial(&[1, 0, 2])],
                ReasonCode::Superseded,
                ts(NOW),
            )
            .await
            .unwrap();
        assert_eq!(
            store.revoked_for_issuer(KeyId(&aki)).await.unwrap().len(),
            1
        );
        store.close().await;
        if let certgate_db::DbUrl::Sqlite(_) = db.url {
            // A page of the CRL query is a range of the log's index, read alone.
            let plan = raw(
                &db.url,
                "EXPLAIN QUERY PLAN SELECT count(*), \
                 string_agg(serial_number || ' ' || reason || ' ' || revoked_at, ',') \
                 FROM revocation_events \
                 WHERE authority_key_identifier = 'aa' AND id > 0 AND id <= 10",
            )
            .await
            .join("; ");
            assert!(
                plan.contains("USING COVERING INDEX revocation_events_issuer"),
                "{plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
    }
}

/// `revoked_for_issuer` reads in pages; with pages of 7 the 23 revoked rows come in four
/// queries (the last one short) and none is lost or read twice, on both backends; an
/// issuer with exactly a page's worth stops at the empty page after it.
#[tokio::test(flavor = "multi_thread")]
async fn revoked_rows_are_read_page_by_page_without_loss() {
    let ca = root("Paged Root");
    let aki = ca.certificate().key_id().to_vec();
    let certs = many(&ca, 30);
    for db in backends("revoked_pages") {
        let store = store(&db).await;
        store.record_batch(&certs).await.unwrap();
        let serials: Vec<_> = certs[..23]
            .iter()
            .map(|c| certgate_x509::Serial::parse(c.serial_hex(), false).unwrap())
            .collect();
        let refs: Vec<_> = serials.iter().map(|s| s.as_ref()).collect();
        store
            .revoke_batch(KeyId(&aki), &refs, ReasonCode::Superseded, ts(NOW))
            .await
            .unwrap();
        let mut whole = store.revoked_for_issuer(KeyId(&aki)).await.unwrap();
        whole.sort_by_key(|r| r.serial.to_string());
        store.close().await;
        for page in [7, 23, 1] {
            let options = certgate_db::OpenOptions::default().with_revoked_page_rows(page);
            let paged = certgate_db::CertStore::open_with(&db.url, &options, false)
                .await
                .unwrap();
            let mut rows = paged.revoked_for_issuer(KeyId(&aki)).await.unwrap();
            rows.sort_by_key(|r| r.serial.to_string());
            assert_eq!(rows, whole, "{}: pages of {page}", db.name);
            paged.close().await;
        }
        assert_eq!(whole.len(), 23, "{}", db.name);
        let mut sorted: Vec<_> = whole.iter().map(|r| r.serial.clone()).collect();
        sorted.dedup();
        assert_eq!(sorted.len(), 23, "{}: no serial twice", db.name);
        assert!(whole.iter().all(|r| r.reason == ReasonCode::Superseded));
    }
}

/// `latest_revocation` is where following the log starts: past every revocation so far
/// (none: the start), so `revocations_since` from it returns only what comes after.
#[tokio::test(flavor = "multi_thread")]
async fn latest_revocation_is_past_every_revocation_so_far() {
    let ca = root("Latest Root");
    let aki = ca.certificate().key_id().to_vec();
    let certs = many(&ca, 4);
    for db in backends("latest_revocation") {
        let store = store(&db).await;
        store.record_batch(&certs).await.unwrap();
        assert_eq!(
            store.latest_revocation().await.unwrap(),
            RevocationCursor::START,
            "{}",
            db.name
        );
        let serials: Vec<_> = certs
            .iter()
            .map(|c| certgate_x509::Serial::parse(c.serial_hex(), false).unwrap())
            .collect();
        let refs: Vec<_> = serials.iter().map(|s| s.as_ref()).collect();
        store
            .revoke_batch(KeyId(&aki), &refs[..3], ReasonCode::Superseded, ts(NOW))
            .await
            .unwrap();
        let latest = store.latest_revocation().await.unwrap();
        let (all, paged_to) = store
            .revocations_since(RevocationCursor::START)
            .await
            .unwrap();
        assert_eq!((all.len(), latest), (3, paged_to), "{}", db.name);
        store
            .revoke(KeyId(&aki), refs[3], ReasonCode::KeyCompromise, ts(NOW))
            .await
            .unwrap();
        let (after, _) = store.revocations_since(latest).await.unwrap();
        assert_eq!(after.len(), 1, "{}: only the new one", db.name);
        assert_eq!(after[0].reason, ReasonCode::KeyCompromise);
    }
}
