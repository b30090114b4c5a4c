//! The usage-generic core, `ChainVerifier::verify_chain`: leaf → intermediate → root for
//! client and server usages, configured or presented intermediates, peer names, the
//! depth limit, anchor validity at the verification time, and what RFC 5280 forbids.

#![allow(clippy::unwrap_used)]

use certgate_ca::RevokedEntry;
use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CaCertificate, CertificateAuthority, CertificateRequest, KeySigner, KeySpec, PrivateKey,
    RootCaBuilder, SubjectName,
};
use certgate_verify::{
    ChainVerifier, FailureReason, RevocationCheckDepth, RevocationPolicy, RevocationStore, Usage,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

const CONFIG: &str = r#"{"signing": {"profiles": {
  "client": {"usages": ["digital signature", "client auth"], "expiry": "720h"},
  "server": {"usages": ["digital signature", "server auth"], "expiry": "720h"},
  "intermediate": {"usages": ["cert sign", "crl sign"], "expiry": "8760h",
                   "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}},
  "email-ca": {"usages": ["cert sign", "crl sign"], "expiry": "8760h",
               "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true},
               "name_constraints": {"permitted_email": ["example.com"], "excluded_email": ["mallory@example.com"],
                                    "permitted_dns": ["example.com"]}}}}}"#;

fn at(t: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(t.unix_timestamp()).unwrap(),
    ))
}

fn signer() -> (PrivateKey, KeySigner) {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let copy = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap();
    (key, KeySigner::new(copy))
}

fn issue(
    ca: &CertificateAuthority,
    cn: &str,
    hosts: &[&str],
    profile: &str,
    serial: u8,
) -> (PrivateKey, CertificateDer<'static>) {
    let (key, signer) = signer();
    let hosts: Vec<_> = hosts
        .iter()
        .enumerate()
        .filter_map(|(i, h)| certgate_ca::cfssl::classify_host(i, h).unwrap())
        .collect();
    let csr =
        CertificateRequest::create(&signer, &SubjectName::with_common_name(cn), &hosts).unwrap();
    let config = SigningConfig::from_json(CONFIG.as_bytes(), "config").unwrap();
    let cert = ca
        .issue(&csr, config.profile(profile).unwrap())
        .with_now(NOW)
        .with_serial(&[serial])
        .build()
        .unwrap();
    (key, CertificateDer::from(cert.der().to_vec()))
}

struct Pki {
    ica: CertificateAuthority,
    root: CertificateDer<'static>,
    intermediate: CertificateDer<'static>,
    client: CertificateDer<'static>,
    server: CertificateDer<'static>,
}

fn pki() -> Pki {
    let csr = CsrJson::from_json(br#"{"CN": "Chain Root"}"#, "t").unwrap();
    let root = RootCaBuilder::new(&csr, Box::new(signer().1))
        .with_now(NOW)
        .with_serial(&[1])
        .build()
        .unwrap();
    let (key, ica) = issue(&root.ca, "Chain Intermediate", &[], "intermediate", 2);
    let ica_ca = CertificateAuthority::new(
        CaCertificate::from_der(&ica, "intermediate").unwrap(),
        Box::new(KeySigner::new(key)),
    )
    .unwrap();
    Pki {
        root: CertificateDer::from(root.certificate.der().to_vec()),
        client: issue(&ica_ca, "laptop", &[], "client", 3).1,
        server: issue(
            &ica_ca,
            "www.example.com",
            &["www.example.com"],
            "server",
            4,
        )
        .1,
        intermediate: ica,
        ica: ica_ca,
    }
}

fn verifier(pki: &Pki, configured: bool) -> ChainVerifier {
    let mut b = ChainVerifier::builder(vec![pki.root.clone()]).with_check_time(at(NOW));
    if configured {
        b = b.with_intermediates(vec![pki.intermediate.clone()]);
    }
    b.build().unwrap()
}

#[test]
fn leaf_intermediate_root_for_each_usage() {
    let pki = pki();
    let now = at(NOW);
    let v = verifier(&pki, false);
    let ints = [pki.intermediate.clone()];
    let ok = v
        .verify_chain(&pki.client, &ints, &Usage::client_auth(), None, now)
        .unwrap();
    assert_eq!(ok.intermediates, 1);
    assert_eq!(ok.anchor_subject, "CN=Chain Root");
    // Without the intermediate there is no path; configured, the leaf alone is enough.
    assert_eq!(
        v.verify_chain(&pki.client, &[], &Usage::client_auth(), None, now),
        Err(FailureReason::UnknownIssuer)
    );
    let configured = verifier(&pki, true);
    assert!(
        configured
            .verify_chain(&pki.client, &[], &Usage::client_auth(), None, now)
            .is_ok()
    );
    // Usages do not cross.
    assert_eq!(
        v.verify_chain(&pki.client, &ints, &Usage::server_auth(), None, now),
        Err(FailureReason::WrongKeyUsage)
    );
    assert_eq!(
        v.verify_chain(&pki.server, &ints, &Usage::client_auth(), None, now),
        Err(FailureReason::WrongKeyUsage)
    );
    // Server names: checked only when one is expected.
    let www = ServerName::try_from("www.example.com").unwrap();
    let other = ServerName::try_from("mail.example.com").unwrap();
    assert!(
        v.verify_chain(&pki.server, &ints, &Usage::server_auth(), Some(&www), now)
            .is_ok()
    );
    assert_eq!(
        v.verify_chain(&pki.server, &ints, &Usage::server_auth(), Some(&other), now),
        Err(FailureReason::NameMismatch)
    );
}

#[test]
fn depth_limit_and_validity_of_the_path() {
    let pki = pki();
    let ints = [pki.intermediate.clone()];
    let limited = ChainVerifier::builder(vec![pki.root.clone()])
        .with_check_time(at(NOW))
        .with_max_intermediates(0)
        .build()
        .unwrap();
    let err = limited
        .verify_chain(&pki.client, &ints, &Usage::client_auth(), None, at(NOW))
        .unwrap_err();
    assert_eq!(err.id(), "malformed", "{err}");
    let v = verifier(&pki, false);
    // The leaf expires after 30 days; the root is checked at the verification time too.
    let later = at(NOW + time::Duration::days(40));
    assert_eq!(
        v.verify_chain(&pki.client, &ints, &Usage::client_auth(), None, later),
        Err(FailureReason::Expired)
    );
    let before = at(NOW - time::Duration::days(1));
    assert_eq!(
        v.verify_chain(&pki.client, &ints, &Usage::client_auth(), None, before),
        Err(FailureReason::NotYetValid)
    );
}

#[test]
fn a_client_certificate_is_refused_as_an_intermediate() {
    // A leaf certificate presented in the intermediate's place is no CA.
    let pki = pki();
    let v = verifier(&pki, false);
    let err = v
        .verify_chain(
            &pki.client,
            std::slice::from_ref(&pki.server),
            &Usage::client_auth(),
            None,
            at(NOW),
        )
        .unwrap_err();
    assert_eq!(err, FailureReason::UnknownIssuer, "{err}");
    // A leaf given as a trust anchor is refused at build.
    let err = ChainVerifier::builder(vec![pki.client.clone()])
        .with_check_time(at(NOW))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("not a CA"), "{err}");
}

fn crl_of(ca: &CertificateAuthority, number: u64, serials: &[u8]) -> Vec<u8> {
    ca.crl(
        number,
        NOW - time::Duration::hours(1),
        NOW + time::Duration::days(1),
    )
    .with_entries(serials.iter().map(|s| RevokedEntry {
        serial: vec![*s],
        revoked_at: NOW - time::Duration::hours(1),
        reason: None,
    }))
    .build()
    .unwrap()
    .der()
    .to_vec()
}

#[test]
fn a_crl_of_an_issuer_first_seen_on_a_path_is_checked_then() {
    // The store knows only the root; the intermediate's CRL waits for the intermediate,
    // which the client presents.
    let pki = pki();
    let leaf_only = RevocationPolicy::default().with_depth(RevocationCheckDepth::EndEntity);
    let store = |crl: &[u8]| {
        RevocationStore::builder([pki.root.as_ref()])
            .unwrap()
            .with_crls(crl, "ica.crl")
            .unwrap()
            .build()
            .unwrap()
    };
    let revoking = store(&crl_of(&pki.ica, 1, &[3]));
    assert_eq!(revoking.pending_count(), 1);
    assert_eq!(revoking.issuer_count(), 0);
    let v = ChainVerifier::builder(vec![pki.root.clone()])
        .with_check_time(at(NOW))
        .with_revocation(revoking, leaf_only)
        .build()
        .unwrap();
    let ints = [pki.intermediate.clone()];
    let usage = Usage::client_auth();
    for _ in 0..2 {
        // Checked on first use, then from the cache.
        assert_eq!(
            v.verify_chain(&pki.client, &ints, &usage, None, at(NOW)),
            Err(FailureReason::Revoked)
        );
    }
    let clean = ChainVerifier::builder(vec![pki.root.clone()])
        .with_check_time(at(NOW))
        .with_revocation(store(&crl_of(&pki.ica, 1, &[9])), leaf_only)
        .build()
        .unwrap();
    assert!(
        clean
            .verify_chain(&pki.client, &ints, &usage, None, at(NOW))
            .is_ok()
    );

    // A CRL in the intermediate's name from another key does not count: the status of
    // the leaf stays unknown, which the default policy refuses.
    let impostor = pki_with_same_names();
    let forged = ChainVerifier::builder(vec![pki.root.clone()])
        .with_check_time(at(NOW))
        .with_revocation(store(&crl_of(&impostor, 1, &[9])), leaf_only)
        .build()
        .unwrap();
    assert_eq!(
        forged.verify_chain(&pki.client, &ints, &usage, None, at(NOW)),
        Err(FailureReason::RevocationStatusUnknown)
    );
}

/// An intermediate CA named like the one of [`pki`], with another key.
fn pki_with_same_names() -> CertificateAuthority {
    pki().ica
}

#[test]
fn email_name_constraints_webpki_refuses_are_checked_here() {
    // webpki fails closed on every rfc822Name constraint (rustls/webpki#445); a device
    // certificate with an email SAN under a CA limited to example.com must still work.
    let root_json = CsrJson::from_json(br#"{"CN": "Email Root"}"#, "t").unwrap();
    let root = RootCaBuilder::new(&root_json, Box::new(signer().1))
        .with_now(NOW)
        .with_serial(&[1])
        .build()
        .unwrap();
    let root_der = CertificateDer::from(root.certificate.der().to_vec());
    let (key, ica) = issue(&root.ca, "Email CA", &[], "email-ca", 2);
    let ica_ca = CertificateAuthority::new(
        CaCertificate::from_der(&ica, "email-ca").unwrap(),
        Box::new(KeySigner::new(key)),
    )
    .unwrap();
    let alice = issue(&ica_ca, "alice", &["alice@example.com"], "client", 3).1;
    let mallory = issue(&ica_ca, "mallory", &["mallory@example.com"], "client", 4).1;
    let eve = issue(&ica_ca, "eve", &["eve@example.org"], "client", 5).1;
    let sub = issue(&ica_ca, "sub", &["bob@mail.example.com"], "client", 6).1;
    let outside_dns = issue(
        &ica_ca,
        "dns",
        &["alice@example.com", "www.example.org"],
        "client",
        7,
    )
    .1;

    let v = ChainVerifier::builder(vec![root_der.clone()])
        .with_check_time(at(NOW))
        .build()
        .unwrap();
    let ints = [ica.clone()];
    let usage = Usage::client_auth();
    let check = |leaf: &CertificateDer<'static>| v.verify_chain(leaf, &ints, &usage, None, at(NOW));
    let ok = check(&alice).unwrap();
    assert_eq!(ok.intermediates, 1);
    assert_eq!(ok.anchor_subject, "CN=Email Root");
    assert!(check(&mallory).is_err(), "excluded mailbox");
    assert!(check(&eve).is_err(), "another domain");
    assert!(
        check(&sub).is_err(),
        "a host below example.com is not example.com"
    );
    assert!(
        check(&outside_dns).is_err(),
        "the intermediate's DNS constraint still holds"
    );
    // Not without the intermediate, and not after it expired.
    assert!(v.verify_chain(&alice, &[], &usage, None, at(NOW)).is_err());
    assert_eq!(
        v.verify_chain(
            &alice,
            &ints,
            &usage,
            None,
            at(NOW + time::Duration::days(400))
        ),
        Err(FailureReason::Expired)
    );
    // Nor for a usage the leaf does not have.
    assert_eq!(
        v.verify_chain(&alice, &ints, &Usage::server_auth(), None, at(NOW)),
        Err(FailureReason::WrongKeyUsage)
    );

    // Revocation applies on this path too: the leaf by the intermediate's CRL, and the
    // intermediate by the root's.
    let store = |ica_revokes: &[u8], root_revokes: &[u8]| {
        RevocationStore::builder([root_der.as_ref(), ica.as_ref()])
            .unwrap()
            .with_crls(&crl_of(&ica_ca, 1, ica_revokes), "ica.crl")
            .unwrap()
            .with_crls(&crl_of(&root.ca, 1, root_revokes), "root.crl")
            .unwrap()
            .build()
            .unwrap()
    };
    let with = |s: RevocationStore| {
        ChainVerifier::builder(vec![root_der.clone()])
            .with_check_time(at(NOW))
            .with_revocation(s, RevocationPolicy::default())
            .build()
            .unwrap()
    };
    assert!(
        with(store(&[9], &[9]))
            .verify_chain(&alice, &ints, &usage, None, at(NOW))
            .is_ok()
    );
    assert_eq!(
        with(store(&[3], &[9])).verify_chain(&alice, &ints, &usage, None, at(NOW)),
        Err(FailureReason::Revoked)
    );
    assert_eq!(
        with(store(&[9], &[2])).verify_chain(&alice, &ints, &usage, None, at(NOW)),
        Err(FailureReason::Revoked)
    );
}
