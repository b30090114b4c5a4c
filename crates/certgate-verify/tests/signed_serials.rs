//! Serial numbers are signed DER INTEGERs, compared as the integers they are: a CRL that
//! lists 255 (content octets `00 FF`) revokes the certificate with serial 255 and not
//! the one with serial −1 (content octets `FF`), through `ChainVerifier` and
//! `ClientVerifier` with a `RevocationStore`.
//!
//! certgate-ca issues positive serials only (`with_serial(&[0xff])` is 255), so the
//! certificate with serial −1 is the CA's certificate for 255 with its serial rewritten
//! and its TBS signed again by the same CA signer: everything but the serial is the same.

#![allow(clippy::unwrap_used)]

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, KeySigner, KeySpec, PrivateKey, RevokedEntry,
    RootCaBuilder, SubjectName,
};
use certgate_verify::{
    ChainVerifier, ClientVerifier, FailureReason, RevocationPolicy, RevocationStore, Usage,
};
use certgate_x509::CertView;
use certgate_x509::der::{read_tlv, wrap};
use rustls_pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

const CONFIG: &str = r#"{"signing": {"profiles": {
  "client": {"usages": ["digital signature", "client auth"], "expiry": "720h"}}}}"#;

fn at(t: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(t.unix_timestamp()).unwrap(),
    ))
}

fn signer() -> KeySigner {
    KeySigner::new(PrivateKey::generate(KeySpec::EcdsaP256).unwrap())
}

struct Pki {
    ca: CertificateAuthority,
    root: CertificateDer<'static>,
}

fn pki() -> Pki {
    let csr = CsrJson::from_json(br#"{"CN": "Serial Root"}"#, "t").unwrap();
    let made = RootCaBuilder::new(&csr, Box::new(signer()))
        .with_now(NOW)
        .with_serial(&[1])
        .build()
        .unwrap();
    Pki {
        root: CertificateDer::from(made.certificate.der().to_vec()),
        ca: made.ca,
    }
}

/// A client certificate from the root with `serial` as the INTEGER's content octets.
fn leaf(pki: &Pki, cn: &str, serial: &[u8]) -> CertificateDer<'static> {
    let csr =
        CertificateRequest::create(&signer(), &SubjectName::with_common_name(cn), &[]).unwrap();
    let config = SigningConfig::from_json(CONFIG.as_bytes(), "config").unwrap();
    let cert = pki
        .ca
        .issue(&csr, config.profile("client").unwrap())
        .with_now(NOW)
        .with_serial(serial)
        .build()
        .unwrap();
    CertificateDer::from(cert.der().to_vec())
}

/// `cert` with its serial replaced by the INTEGER whose content octets are `serial`,
/// signed again by the CA.
fn with_serial_octets(pki: &Pki, cert: &[u8], serial: &[u8]) -> CertificateDer<'static> {
    let (certificate, _) = read_tlv(cert).unwrap();
    let (tbs, signed) = read_tlv(certificate.value).unwrap();
    let (algorithm, _) = read_tlv(signed).unwrap();
    let (version, after_version) = read_tlv(tbs.value).unwrap();
    let (old_serial, after_serial) = read_tlv(after_version).unwrap();
    assert_eq!((version.tag, old_serial.tag), (0xa0, 0x02));
    let mut content = version.whole.to_vec();
    content.extend_from_slice(&wrap(0x02, serial));
    content.extend_from_slice(after_serial);
    let new_tbs = wrap(0x30, &content);
    let mut bits = vec![0];
    bits.extend(pki.ca.signer().sign(&new_tbs).unwrap());
    let mut body = new_tbs;
    body.extend_from_slice(algorithm.whole);
    body.extend(wrap(0x03, &bits));
    CertificateDer::from(wrap(0x30, &body))
}

/// A store holding the root's CRL, which lists serial 255.
fn store_revoking_255(pki: &Pki) -> RevocationStore {
    let crl = pki
        .ca
        .crl(
            1,
            NOW - time::Duration::hours(1),
            NOW + time::Duration::days(1),
        )
        .with_entry(RevokedEntry {
            serial: vec![0xff],
            revoked_at: NOW - time::Duration::hours(1),
            reason: None,
        })
        .build()
        .unwrap();
    // The entry is the positive INTEGER 255: 02 02 00 FF.
    assert!(
        crl.der().windows(4).any(|w| w == [0x02, 0x02, 0x00, 0xff]),
        "the CRL does not list 00 FF"
    );
    RevocationStore::builder([pki.root.as_ref()])
        .unwrap()
        .with_crls(crl.der(), "root.crl")
        .unwrap()
        .build()
        .unwrap()
}

#[test]
fn a_crl_listing_255_revokes_255_and_not_minus_one() {
    let pki = pki();
    let positive = leaf(&pki, "two-five-five", &[0xff]);
    let minus_one = with_serial_octets(&pki, positive.as_ref(), &[0xff]);
    // What the certificates carry: the serials are the ones this test is about.
    let minus_one_serial = CertView::parse(minus_one.as_ref()).unwrap().serial;
    assert_eq!(minus_one_serial.as_bytes(), [0xff]);
    assert!(minus_one_serial.is_negative());
    let positive_serial = CertView::parse(positive.as_ref()).unwrap().serial;
    assert_eq!(positive_serial.as_bytes(), [0x00, 0xff]);
    assert!(!positive_serial.is_negative());

    let store = store_revoking_255(&pki);
    let chain = ChainVerifier::builder(vec![pki.root.clone()])
        .with_check_time(at(NOW))
        .with_revocation(store.clone(), RevocationPolicy::default())
        .build()
        .unwrap();
    let usage = Usage::client_auth();
    assert_eq!(
        chain.verify_chain(&positive, &[], &usage, None, at(NOW)),
        Err(FailureReason::Revoked)
    );
    assert!(
        chain
            .verify_chain(&minus_one, &[], &usage, None, at(NOW))
            .is_ok()
    );
    // The rewriting is not what lets −1 through: rewritten back to 00 FF, revoked.
    let rewritten = with_serial_octets(&pki, positive.as_ref(), &[0x00, 0xff]);
    assert_eq!(
        chain.verify_chain(&rewritten, &[], &usage, None, at(NOW)),
        Err(FailureReason::Revoked)
    );

    let client = ClientVerifier::builder(vec![pki.root.clone()])
        .with_revocation(store, RevocationPolicy::default())
        .build()
        .unwrap();
    let revoked = client.verify_presented(Some(&[positive]), at(NOW));
    assert!(revoked.revoked());
    assert_eq!(revoked.failure_reason(), Some(&FailureReason::Revoked));
    let good = client.verify_presented(Some(&[minus_one]), at(NOW));
    assert!(good.verified(), "{:?}", good.failure_reason());
    assert!(!good.revoked());
}
