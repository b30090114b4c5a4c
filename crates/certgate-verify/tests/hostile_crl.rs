//! CRLs crafted as an attacker would, each validly signed by the CA: every one of them
//! used to let a revoked or uncovered certificate through, or cost quadratic time. The
//! strict reader (certgate-x509) refuses them, or the store gives them the narrow
//! meaning RFC 5280 gives them.

#![allow(clippy::unwrap_used)]

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CaSigner, CertificateRequest, KeySigner, KeySpec, PrivateKey, RootCaBuilder, SubjectName,
};
use certgate_verify::{
    ChainVerifier, CrlIssuerProblem, ExpirationPolicy, FailureReason, RevocationStatus,
    RevocationStore, Usage, VerifyError,
};
use certgate_x509::der::{tag, wrap};
use certgate_x509::{CertView, Problem, SerialRef, Timestamp};
use rustls_pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);
const ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const CLIENT: &str = r#"{"signing": {"profiles": {
  "client": {"usages": ["digital signature", "client auth"], "expiry": "720h"}}}}"#;

struct Pki {
    ca: CertificateDer<'static>,
    signer: KeySigner,
    leaf: CertificateDer<'static>,
}

fn now() -> u64 {
    u64::try_from(NOW.unix_timestamp()).unwrap()
}

fn pki() -> Pki {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let pkcs8 = key.to_pkcs8_der().unwrap();
    let csr = CsrJson::from_json(br#"{"CN": "Hostile CRL Root"}"#, "t").unwrap();
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .with_now(NOW)
        .with_serial(&[1])
        .build()
        .unwrap();
    let leaf_key = KeySigner::new(PrivateKey::generate(KeySpec::EcdsaP256).unwrap());
    let req = CertificateRequest::create(&leaf_key, &SubjectName::with_common_name("phone"), &[])
        .unwrap();
    let config = SigningConfig::from_json(CLIENT.as_bytes(), "config").unwrap();
    let leaf = root
        .ca
        .issue(&req, config.profile("client").unwrap())
        .with_now(NOW)
        .with_serial(&[0x42])
        .build()
        .unwrap();
    Pki {
        ca: CertificateDer::from(root.certificate.der().to_vec()),
        signer: KeySigner::new(PrivateKey::from_pkcs8_der(&pkcs8, "k").unwrap()),
        leaf: CertificateDer::from(leaf.der().to_vec()),
    }
}

fn utc(t: OffsetDateTime) -> Vec<u8> {
    let (y, m, d, h, min, s) = Timestamp::from_unix_seconds(t.unix_timestamp()).to_civil();
    let text = format!("{:02}{m:02}{d:02}{h:02}{min:02}{s:02}Z", y % 100);
    wrap(tag::UTC_TIME, text.as_bytes())
}

fn extension(oid: &[u8], critical: Option<u8>, value: &[u8]) -> Vec<u8> {
    let mut c = wrap(tag::OID, oid);
    if let Some(b) = critical {
        c.extend(wrap(tag::BOOLEAN, &[b]));
    }
    c.extend(wrap(tag::OCTET_STRING, value));
    wrap(tag::SEQUENCE, &c)
}

fn crl_number(n: u8) -> Vec<u8> {
    extension(&[0x55, 0x1d, 0x14], None, &wrap(tag::INTEGER, &[n]))
}

fn entry(serial: &[u8]) -> Vec<u8> {
    let mut c = wrap(tag::INTEGER, serial);
    c.extend(utc(NOW - time::Duration::hours(2)));
    wrap(tag::SEQUENCE, &c)
}

/// A CRL of the CA with these revokedCertificates lists (each a list of entries) and
/// extensions, signed by the CA's key.
fn crl(pki: &Pki, lists: &[&[Vec<u8>]], extensions: &[Vec<u8>]) -> Vec<u8> {
    let ca = CertView::parse(&pki.ca).unwrap();
    let mut tbs = wrap(tag::INTEGER, &[1]);
    tbs.extend(wrap(tag::SEQUENCE, ECDSA_SHA256));
    tbs.extend(ca.subject.der());
    tbs.extend(utc(NOW - time::Duration::hours(1)));
    tbs.extend(utc(NOW + time::Duration::days(1)));
    for list in lists {
        tbs.extend(wrap(tag::SEQUENCE, &list.concat()));
    }
    tbs.extend(wrap(0xa0, &wrap(tag::SEQUENCE, &extensions.concat())));
    let tbs = wrap(tag::SEQUENCE, &tbs);
    let signature = pki.signer.sign(&tbs).unwrap();
    let mut bits = vec![0];
    bits.extend(signature);
    let mut outer = tbs;
    outer.extend(wrap(tag::SEQUENCE, ECDSA_SHA256));
    outer.extend(wrap(tag::BIT_STRING, &bits));
    wrap(tag::SEQUENCE, &outer)
}

fn load(pki: &Pki, crl: &[u8]) -> Result<RevocationStore, VerifyError> {
    RevocationStore::builder([pki.ca.as_ref()])?
        .with_crls(crl, "crafted.crl")?
        .build()
}

fn verify(pki: &Pki, store: RevocationStore) -> Result<(), FailureReason> {
    let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now()));
    ChainVerifier::builder(vec![pki.ca.clone()])
        .with_check_time(at)
        .with_revocation(store, certgate_verify::RevocationPolicy::default())
        .build()
        .unwrap()
        .verify_chain(&pki.leaf, &[], &Usage::client_auth(), None, at)
        .map(|_| ())
}

fn malformed(err: VerifyError) -> Problem {
    match err {
        VerifyError::MalformedCrl { source, .. } => source.problem().unwrap(),
        other => panic!("expected a malformed CRL, got {other}"),
    }
}

#[test]
fn the_crafting_works_a_well_formed_crl_revokes() {
    let pki = pki();
    let store = load(&pki, &crl(&pki, &[&[entry(&[0x42])]], &[crl_number(1)])).unwrap();
    assert_eq!(verify(&pki, store), Err(FailureReason::Revoked));
    let store = load(&pki, &crl(&pki, &[&[entry(&[0x43])]], &[crl_number(1)])).unwrap();
    assert_eq!(verify(&pki, store), Ok(()));
}

#[test]
fn a_ber_critical_flag_is_refused_not_read_as_false() {
    // An unknown extension marked critical with BER's 0x01: read as non-critical, it
    // was ignored and the CRL used.
    let pki = pki();
    let unknown = extension(&[0x2a, 0x03, 0x04], Some(0x01), &[0x05, 0x00]);
    let err = load(&pki, &crl(&pki, &[&[]], &[crl_number(1), unknown])).unwrap_err();
    assert_eq!(malformed(err), Problem::NonDerBoolean);
}

#[test]
fn a_crl_for_ca_certificates_only_does_not_speak_for_a_leaf() {
    // issuingDistributionPoint, non-critical, onlyContainsCACerts: it lists no leaf
    // because it covers none; used as the leaf's CRL it said "not revoked".
    let pki = pki();
    let idp = |flag: u8| {
        extension(
            &[0x55, 0x1d, 0x1c],
            None,
            &wrap(tag::SEQUENCE, &wrap(flag, &[0xff])),
        )
    };
    let ca_only = crl(&pki, &[], &[crl_number(1), idp(0x82)]);
    assert_eq!(
        verify(&pki, load(&pki, &ca_only).unwrap()),
        Err(FailureReason::RevocationStatusUnknown)
    );
    // Scoped to user certificates, it covers the leaf.
    let users = crl(&pki, &[&[entry(&[0x42])]], &[crl_number(1), idp(0x81)]);
    assert_eq!(
        verify(&pki, load(&pki, &users).unwrap()),
        Err(FailureReason::Revoked)
    );
    // A distribution point the leaf does not name: not its CRL either.
    let dp = extension(
        &[0x55, 0x1d, 0x1c],
        None,
        &wrap(
            tag::SEQUENCE,
            &wrap(0xa0, &wrap(0xa0, &wrap(0x86, b"http://crl.example/a.crl"))),
        ),
    );
    let elsewhere = crl(&pki, &[], &[crl_number(1), dp]);
    assert_eq!(
        verify(&pki, load(&pki, &elsewhere).unwrap()),
        Err(FailureReason::RevocationStatusUnknown)
    );
}

#[test]
fn a_second_revoked_list_is_refused() {
    // The second list used to replace the first, dropping the leaf's entry.
    let pki = pki();
    let two = crl(
        &pki,
        &[&[entry(&[0x42])], &[entry(&[0x07])]],
        &[crl_number(1)],
    );
    assert!(matches!(
        malformed(load(&pki, &two).unwrap_err()),
        Problem::UnknownTag { .. }
    ));
}

#[test]
fn padded_serials_and_repeated_numbers_are_refused() {
    let pki = pki();
    let padded = crl(&pki, &[&[entry(&[0x00, 0x00, 0x42])]], &[crl_number(1)]);
    assert_eq!(
        malformed(load(&pki, &padded).unwrap_err()),
        Problem::NonMinimalInteger
    );
    let twice = crl(&pki, &[&[]], &[crl_number(1), crl_number(9)]);
    assert_eq!(
        malformed(load(&pki, &twice).unwrap_err()),
        Problem::Duplicate
    );
}

#[test]
fn the_signature_is_checked_before_any_entry_is_read() {
    // Entries that would be refused when read, under a broken signature: the signature
    // is what the store reports, so nothing was built from unsigned input.
    let pki = pki();
    let mut bad = crl(&pki, &[&[entry(&[0x00, 0x00, 0x42])]], &[crl_number(1)]);
    let last = bad.len() - 1;
    bad[last] ^= 1;
    match load(&pki, &bad).unwrap_err() {
        VerifyError::CrlIssuer { problem, .. } => {
            assert_eq!(problem, CrlIssuerProblem::BadSignature);
        }
        other => panic!("{other}"),
    }
}

#[test]
fn negative_and_positive_serials_are_different_certificates() {
    // -1 (0xff) is listed; 255 (0x00ff) is not revoked.
    let pki = pki();
    let store = load(&pki, &crl(&pki, &[&[entry(&[0xff])]], &[crl_number(1)])).unwrap();
    let issuer = CertView::parse(&pki.ca).unwrap().subject.der().to_vec();
    let status = |s: &[u8]| {
        store.status(
            &issuer,
            SerialRef::from_der_content(s).unwrap(),
            Timestamp::from_unix_seconds(NOW.unix_timestamp()),
            ExpirationPolicy::Enforce,
        )
    };
    assert_eq!(status(&[0xff]), RevocationStatus::Revoked(None));
    assert_eq!(status(&[0x00, 0xff]), RevocationStatus::Good);
}
