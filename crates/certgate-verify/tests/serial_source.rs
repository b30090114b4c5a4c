//! Live lists of revoked serials (`RevocationStore::set_serial_source`), as a gate takes
//! them from an inventory database: they stand for the issuer's CRL, beat its CRLs while
//! fresh, go stale when the feed stops, and bump the generation only when they change.

#![allow(clippy::unwrap_used)]

mod sources_common;

use certgate_verify::{RevocationStatus, RevocationStore, VerifyError};
use certgate_x509::SerialRef;
use certgate_x509::Timestamp;
use sources_common::{crl, empty_store, now, pki, status};

fn ts(unix: u64) -> Timestamp {
    Timestamp::from_unix_seconds(i64::try_from(unix).unwrap())
}

const SOURCE: &str = "db:root";

fn serial(bytes: &[u8]) -> SerialRef<'_> {
    SerialRef::from_der_content(bytes).unwrap()
}

#[test]
fn a_live_list_revokes_and_a_changed_list_bumps_the_generation() {
    let p = pki("Live Root");
    let store = empty_store(&p);
    assert_eq!(status(&store, &p), RevocationStatus::Unknown);
    let before = store.generation();
    store
        .set_serial_source(
            SOURCE,
            &p.root_der,
            &[],
            std::time::Duration::from_secs(60),
            ts(now()),
        )
        .unwrap();
    assert!(store.generation() > before);
    assert_eq!(status(&store, &p), RevocationStatus::Good);

    let before = store.generation();
    let list = [
        (serial(&[0x41]), None),
        (
            serial(&[0x42]),
            Some(certgate_x509::ReasonCode::KeyCompromise),
        ),
    ];
    store
        .set_serial_source(
            SOURCE,
            &p.root_der,
            &list,
            std::time::Duration::from_secs(60),
            ts(now()),
        )
        .unwrap();
    assert!(store.generation() > before);
    assert_eq!(status(&store, &p), RevocationStatus::Revoked(Some(1)));
    assert_eq!(store.source_names(), vec![SOURCE.to_owned()]);
}

#[test]
fn the_same_list_again_only_extends_its_freshness() {
    let p = pki("Live Root");
    let store = empty_store(&p);
    let list = [(serial(&[0x42]), None)];
    let long_ago = now() - 3600;
    store
        .set_serial_source(
            SOURCE,
            &p.root_der,
            &list,
            std::time::Duration::from_secs(60),
            ts(long_ago),
        )
        .unwrap();
    // Fresh for a minute an hour ago: stale now, refused by the default policy.
    assert!(matches!(status(&store, &p), RevocationStatus::Stale { .. }));
    let generation = store.generation();
    store
        .set_serial_source(
            SOURCE,
            &p.root_der,
            &list,
            std::time::Duration::from_secs(60),
            ts(now()),
        )
        .unwrap();
    assert_eq!(
        store.generation(),
        generation,
        "same list: no new generation"
    );
    assert_eq!(status(&store, &p), RevocationStatus::Revoked(None));
}

#[test]
fn a_live_list_beats_the_issuers_crl_until_it_is_removed() {
    let p = pki("Live Root");
    // The file CRL revokes the device; the live list (newer knowledge) does not.
    let store = RevocationStore::builder([p.root_der.as_slice()])
        .unwrap()
        .with_crls(&crl(&p.root, 7, true), "root.crl")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(status(&store, &p), RevocationStatus::Revoked(None));
    store
        .set_serial_source(
            SOURCE,
            &p.root_der,
            &[],
            std::time::Duration::from_secs(60),
            ts(now()),
        )
        .unwrap();
    assert_eq!(status(&store, &p), RevocationStatus::Good);
    assert!(store.remove_source(SOURCE));
    assert_eq!(status(&store, &p), RevocationStatus::Revoked(None));
}

#[test]
fn a_list_for_something_that_is_no_certificate_is_refused() {
    let p = pki("Live Root");
    let store = empty_store(&p);
    let err = store
        .set_serial_source(
            SOURCE,
            b"not a certificate",
            &[],
            std::time::Duration::from_secs(60),
            ts(now()),
        )
        .unwrap_err();
    assert!(matches!(err, VerifyError::MalformedCertificate(_)), "{err}");
    assert!(store.source_names().is_empty());
}

#[test]
fn a_refresh_keeps_a_list_fresh_without_giving_it_again() {
    let p = pki("Live Root");
    let store = empty_store(&p);
    let minute = std::time::Duration::from_secs(60);
    // Nothing to refresh yet (a store a reload has just built).
    assert!(!store.refresh_serial_source(SOURCE, minute, ts(now())));
    let list = [(serial(&[0x42]), None)];
    store
        .set_serial_source(SOURCE, &p.root_der, &list, minute, ts(now() - 3600))
        .unwrap();
    assert!(matches!(status(&store, &p), RevocationStatus::Stale { .. }));
    let generation = store.generation();
    assert!(store.refresh_serial_source(SOURCE, minute, ts(now())));
    assert_eq!(store.generation(), generation);
    assert_eq!(status(&store, &p), RevocationStatus::Revoked(None));
}
