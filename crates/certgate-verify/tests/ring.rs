//! The verifier and the store on another crypto provider: ring's signature algorithms
//! verify a chain, a CRL and a handshake signature (the tests enable rustls' `ring`
//! feature, so this runs with the default features too).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use certgate_ca::RevokedEntry;
use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{CertificateRequest, KeySigner, KeySpec, PrivateKey, RootCaBuilder};
use certgate_verify::{
    ChainVerifier, ClientVerifier, FailureReason, RevocationPolicy, RevocationStore, Usage,
};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

fn at(t: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(t.unix_timestamp()).unwrap(),
    ))
}

fn ring() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[test]
fn a_chain_and_a_crl_verify_through_ring() {
    let csr = CsrJson::from_json(br#"{"CN": "Ring Root"}"#, "t").unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .with_now(NOW)
        .with_serial(&[1])
        .build()
        .unwrap();
    let root_der = CertificateDer::from(root.certificate.der().to_vec());
    let config = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"client": {"usages": ["digital signature", "client auth"], "expiry": "720h"}}}}"#,
        "config",
    )
    .unwrap();
    let leaf = |serial: u8| {
        let json = CsrJson::from_json(br#"{"CN": "phone"}"#, "t").unwrap();
        let (_, req) = CertificateRequest::generate(&json).unwrap();
        let cert = root
            .ca
            .issue(&req, config.profile("client").unwrap())
            .with_now(NOW)
            .with_serial(&[serial])
            .build()
            .unwrap();
        CertificateDer::from(cert.der().to_vec())
    };
    let crl = root
        .ca
        .crl(
            1,
            NOW - time::Duration::hours(1),
            NOW + time::Duration::days(1),
        )
        .with_entry(RevokedEntry {
            serial: vec![3],
            revoked_at: NOW - time::Duration::hours(1),
            reason: None,
        })
        .build()
        .unwrap();
    // The CRL's signature is checked by ring's algorithms when the store is built.
    let store = RevocationStore::builder_with_provider([root_der.as_ref()], ring())
        .unwrap()
        .with_crls(crl.der(), "crl")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(store.revoked_count(), 1);
    let provider = ring();
    let v = ChainVerifier::builder_with_provider(vec![root_der.clone()], provider.clone())
        .with_check_time(at(NOW))
        .with_revocation(store.clone(), RevocationPolicy::default())
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(v.provider(), &provider));
    let usage = Usage::client_auth();
    assert!(v.verify_chain(&leaf(2), &[], &usage, None, at(NOW)).is_ok());
    assert_eq!(
        v.verify_chain(&leaf(3), &[], &usage, None, at(NOW)),
        Err(FailureReason::Revoked)
    );
    // The client verifier takes the provider too, for the handshake signatures.
    let client = ClientVerifier::builder_with_provider(vec![root_der], ring())
        .with_revocation(store, RevocationPolicy::default())
        .build()
        .unwrap();
    assert!(client.verify_client(&leaf(2), &[], at(NOW)).is_ok());
    assert_eq!(
        client.verify_client(&leaf(3), &[], at(NOW)),
        Err(FailureReason::Revoked)
    );
    assert_eq!(
        rustls::server::danger::ClientCertVerifier::supported_verify_schemes(&client),
        ring().signature_verification_algorithms.supported_schemes()
    );
}
