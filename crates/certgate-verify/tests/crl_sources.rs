//! Named CRL sources (`RevocationStore::set_source`): bytes the caller replaces, as a
//! CRL fetcher does, checked as a file's CRLs are, swapped atomically, kept on error and
//! across reloads, never rolled back to an older CRL Number.

#![allow(clippy::unwrap_used)]

mod sources_common;

use certgate_verify::{RevocationStatus, RevocationStore, VerifyError};
use sources_common::{crl, empty_store, pki, status};

const SOURCE: &str = "http://crl.example.test/root.crl";

#[test]
fn a_source_swaps_its_crl_in_and_bumps_the_generation() {
    let p = pki("Source Root");
    let store = empty_store(&p);
    // No CRL yet: the issuer's status is unknown (refused by the default policy).
    assert_eq!(status(&store, &p), RevocationStatus::Unknown);
    let before = store.generation();
    store.set_source(SOURCE, &crl(&p.root, 1, false)).unwrap();
    assert!(store.generation() > before);
    assert_eq!(status(&store, &p), RevocationStatus::Good);
    // A newer CRL (as PEM this time) revokes the device; a clone of the store sees it.
    let shared = store.clone();
    let pem = certgate_x509::pem::encode("X509 CRL", &crl(&p.root, 2, true));
    let before = store.generation();
    store.set_source(SOURCE, pem.as_bytes()).unwrap();
    assert!(shared.generation() > before);
    assert_eq!(status(&shared, &p), RevocationStatus::Revoked(None));
    assert_eq!(store.source_names(), vec![SOURCE.to_owned()]);
    // The same bytes again: nothing to swap, the generation stays.
    let generation = store.generation();
    store.set_source(SOURCE, pem.as_bytes()).unwrap();
    assert_eq!(store.generation(), generation);
}

#[test]
fn a_bad_crl_keeps_the_sources_previous_one() {
    let p = pki("Source Root");
    let stranger = pki("Source Root"); // same name, another key
    let store = empty_store(&p);
    store.set_source(SOURCE, &crl(&p.root, 1, true)).unwrap();
    let generation = store.generation();

    let err = store.set_source(SOURCE, b"<html>502</html>").unwrap_err();
    assert!(matches!(err, VerifyError::Pem { .. }), "{err}");
    assert!(err.to_string().contains(SOURCE), "{err}");

    let err = store
        .set_source(SOURCE, &crl(&stranger.root, 2, false))
        .unwrap_err();
    assert!(matches!(err, VerifyError::CrlIssuer { .. }), "{err}");

    let mut tampered = crl(&p.root, 2, false);
    let n = tampered.len();
    tampered[n - 3] ^= 1;
    let err = store.set_source(SOURCE, &tampered).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::CrlIssuer { .. } | VerifyError::MalformedCrl { .. }
        ),
        "{err}"
    );

    let truncated = crl(&p.root, 2, false);
    let err = store
        .set_source(SOURCE, &truncated[..truncated.len() / 2])
        .unwrap_err();
    assert!(matches!(err, VerifyError::MalformedCrl { .. }), "{err}");

    // Nothing changed: same generation, the device still revoked.
    assert_eq!(store.generation(), generation);
    assert_eq!(status(&store, &p), RevocationStatus::Revoked(None));
}

#[test]
fn an_older_crl_number_is_refused_as_a_rollback() {
    let p = pki("Source Root");
    let store = empty_store(&p);
    store.set_source(SOURCE, &crl(&p.root, 5, true)).unwrap();
    let err = store
        .set_source(SOURCE, &crl(&p.root, 4, false))
        .unwrap_err();
    match &err {
        VerifyError::CrlRollback {
            origin,
            number,
            in_force,
        } => {
            assert_eq!(origin, SOURCE);
            assert_eq!(number, "4");
            assert_eq!(in_force, "5");
        }
        other => panic!("not a rollback: {other}"),
    }
    assert_eq!(status(&store, &p), RevocationStatus::Revoked(None));
    // The same CRL again (a refetch without validators) and a newer one are taken.
    store.set_source(SOURCE, &crl(&p.root, 5, true)).unwrap();
    store.set_source(SOURCE, &crl(&p.root, 6, false)).unwrap();
    assert_eq!(status(&store, &p), RevocationStatus::Good);
    // Another source starts its own series.
    store
        .set_source(
            "http://mirror.example.test/root.crl",
            &crl(&p.root, 1, false),
        )
        .unwrap();
}

#[test]
fn reload_rereads_the_files_and_keeps_the_sources() {
    let p = pki("Source Root");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crl.der");
    std::fs::write(&file, crl(&p.root, 1, false)).unwrap();
    let store = RevocationStore::builder([p.root_der.as_slice()])
        .unwrap()
        .with_crl_file(&file)
        .build()
        .unwrap();
    assert_eq!(status(&store, &p), RevocationStatus::Good);
    // The source's CRL is newer than the file's: it is the one in force.
    store.set_source(SOURCE, &crl(&p.root, 2, true)).unwrap();
    assert_eq!(status(&store, &p), RevocationStatus::Revoked(None));
    let before = store.generation();
    store.reload().unwrap();
    assert!(store.generation() > before);
    assert_eq!(status(&store, &p), RevocationStatus::Revoked(None));
    // A newer file wins over the source; the source is still there.
    std::fs::write(&file, crl(&p.root, 3, false)).unwrap();
    store.reload().unwrap();
    assert_eq!(status(&store, &p), RevocationStatus::Good);
    assert_eq!(store.source_names(), vec![SOURCE.to_owned()]);
    // A failed reload keeps both.
    std::fs::write(&file, "garbage").unwrap();
    assert!(store.reload().is_err());
    assert_eq!(status(&store, &p), RevocationStatus::Good);
    // Removing the source leaves the file's CRL.
    assert!(store.remove_source(SOURCE));
    assert!(!store.remove_source(SOURCE));
    assert_eq!(status(&store, &p), RevocationStatus::Good);
    assert_eq!(store.crl_summaries().len(), 1);
}

#[test]
fn a_crl_of_an_issuer_learnt_later_is_checked_when_it_is_learnt() {
    let anchor = pki("Anchor");
    let other = pki("Later Issuer");
    let store = empty_store(&anchor);
    // Its issuer is not known yet: kept for a first use on a path, as a file's would be.
    store
        .set_source(SOURCE, &crl(&other.root, 1, true))
        .unwrap();
    assert_eq!(store.pending_count(), 1);
    assert_eq!(status(&store, &other), RevocationStatus::Unknown);
    store.learn_issuers([other.root_der.as_slice()]).unwrap();
    assert_eq!(store.pending_count(), 0);
    assert_eq!(status(&store, &other), RevocationStatus::Revoked(None));
    // Checked now, it is the source's CRL in force: an older one is a rollback.
    let err = store.set_source(SOURCE, &crl(&other.root, 0, false));
    assert!(
        matches!(err, Err(VerifyError::CrlRollback { .. })),
        "{err:?}"
    );
}
