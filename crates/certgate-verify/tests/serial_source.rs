//! Live lists of revoked serials (`RevocationStore::set_serial_source`), as a gate takes
//! them from an inventory database: they stand for the issuer's CRL, beat its CRLs while
//! fresh, go stale when the feed stops, and bump the generation only when they change.

#![allow(clippy::unwrap_used)]

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, KeySigner, KeySpec, PrivateKey, RevokedEntry,
    RootCaBuilder,
};
use certgate_verify::{
    ClientCertInfo, ExpirationPolicy, RevocationStatus, RevocationStore, VerifyError,
};
use certgate_x509::SerialRef;
use time::{Duration, OffsetDateTime};

const SOURCE: &str = "db:root";

struct Pki {
    root: CertificateAuthority,
    root_der: Vec<u8>,
    /// A device with serial 0x42.
    leaf_der: Vec<u8>,
}

fn pki(cn: &str) -> Pki {
    let csr = CsrJson::from_json(format!(r#"{{"CN": "{cn}"}}"#).as_bytes(), "t").unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .build()
        .unwrap();
    let json = CsrJson::from_json(br#"{"CN": "device"}"#, "t").unwrap();
    let (_, req) = CertificateRequest::generate(&json).unwrap();
    let leaf = made
        .ca
        .issue(&req, SigningConfig::default().default_profile())
        .with_serial(&[0x42])
        .build()
        .unwrap();
    Pki {
        leaf_der: leaf.der().to_vec(),
        root_der: made.certificate.der().to_vec(),
        root: made.ca,
    }
}

/// A CRL of `ca` numbered `number`, revoking 0x42 when `revoke`, as DER.
fn crl(ca: &CertificateAuthority, number: u64, revoke: bool) -> Vec<u8> {
    let t = OffsetDateTime::now_utc();
    let mut builder = ca.crl(number, t - Duration::minutes(1), t + Duration::days(1));
    if revoke {
        builder = builder.with_entry(RevokedEntry {
            serial: vec![0x42],
            revoked_at: t - Duration::minutes(1),
            reason: None,
        });
    }
    builder.build().unwrap().der().to_vec()
}

fn now() -> u64 {
    u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

fn status(store: &RevocationStore, p: &Pki) -> RevocationStatus {
    let info = ClientCertInfo::from_der(&p.leaf_der).unwrap();
    store.status(
        info.issuer_der().unwrap(),
        SerialRef::from_der_content(&[0x42]).unwrap(),
        now(),
        ExpirationPolicy::Enforce,
    )
}

fn empty_store(p: &Pki) -> RevocationStore {
    RevocationStore::builder([p.root_der.as_slice()])
        .unwrap()
        .build()
        .unwrap()
}

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
            now(),
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
            now(),
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
            long_ago,
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
            now(),
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
            now(),
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
            now(),
        )
        .unwrap_err();
    assert!(matches!(err, VerifyError::MalformedCertificate(_)), "{err}");
    assert!(store.source_names().is_empty());
}
