//! The usage-generic core, `ChainVerifier::verify_chain`: leaf → intermediate → root for
//! client and server usages, configured or presented intermediates, peer names, the
//! depth limit, anchor validity at the verification time, and what RFC 5280 forbids.

#![allow(clippy::unwrap_used)]

#[path = "common/chain_support.rs"]
mod support;

use support::{at, signer};

use certgate_ca::RevokedEntry;
use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CaCertificate, CertificateAuthority, CertificateRequest, KeySigner, PrivateKey, RootCaBuilder,
    SubjectName,
};
use certgate_verify::{
    ChainVerifier, ExpirationPolicy, FailureReason, RevocationCheckDepth, RevocationPolicy,
    RevocationStore, Rfc5280Violation, UnknownStatusPolicy, Usage,
};
use rustls_pki_types::{CertificateDer, ServerName};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

const CONFIG: &str = r#"{"signing": {"profiles": {
  "client": {"usages": ["digital signature", "client auth"], "expiry": "720h"},
  "server": {"usages": ["digital signature", "server auth"], "expiry": "720h"},
  "intermediate": {"usages": ["cert sign", "crl sign"], "expiry": "8760h",
                   "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}},
  "ca": {"usages": ["cert sign", "crl sign"], "expiry": "8760h", "ca_constraint": {"is_ca": true}},
  "server-ca": {"usages": ["cert sign", "crl sign", "server auth"], "expiry": "8760h",
                "ca_constraint": {"is_ca": true}},
  "org-ca": {"usages": ["cert sign", "crl sign"], "expiry": "8760h", "ca_constraint": {"is_ca": true},
             "name_constraints": {"permitted_dns": ["example.org"]}},
  "email-ca": {"usages": ["cert sign", "crl sign"], "expiry": "8760h",
               "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true},
               "name_constraints": {"permitted_email": ["example.com"], "excluded_email": ["mallory@example.com"],
                                    "permitted_dns": ["example.com"]}}}}}"#;

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
        .filter_map(|(i, h)| certgate_ca::cfssl::classify_host("test", i, h).unwrap())
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
    root_ca: CertificateAuthority,
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
        root_ca: root.ca,
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

    // Given the intermediate, the verifier checks its CRL at build: nothing waits.
    let learnt = store(&crl_of(&pki.ica, 1, &[3]));
    let v = ChainVerifier::builder(vec![pki.root.clone()])
        .with_check_time(at(NOW))
        .with_intermediates(ints.to_vec())
        .with_revocation(learnt.clone(), leaf_only)
        .build()
        .unwrap();
    assert_eq!((learnt.pending_count(), learnt.issuer_count()), (0, 1));
    assert_eq!(
        v.verify_chain(&pki.client, &[], &usage, None, at(NOW)),
        Err(FailureReason::Revoked)
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

/// A CA that signs with `key`, for the certificate `der`.
fn ca_of(der: &CertificateDer<'static>, key: PrivateKey) -> CertificateAuthority {
    CertificateAuthority::new(
        CaCertificate::from_der(der, "ca").unwrap(),
        Box::new(KeySigner::new(key)),
    )
    .unwrap()
}

fn root_named(cn: &str) -> (CertificateAuthority, CertificateDer<'static>) {
    let csr = CsrJson::from_json(format!(r#"{{"CN": "{cn}"}}"#).as_bytes(), "t").unwrap();
    let root = RootCaBuilder::new(&csr, Box::new(signer().1))
        .with_now(NOW)
        .with_serial(&[1])
        .build()
        .unwrap();
    let der = CertificateDer::from(root.certificate.der().to_vec());
    (root.ca, der)
}

#[test]
fn a_self_issued_intermediate_is_not_reported_as_a_bad_signature() {
    // root → "Rank CA" (old key) → "Rank CA" (new key, self-issued) → leaf. Path
    // building also tries the old key as the leaf's issuer: that signature fails, and
    // webpki ranks it above what is wrong with the path of the right key.
    let (root, root_der) = root_named("Rank Root");
    let v = ChainVerifier::builder(vec![root_der])
        .with_check_time(at(NOW))
        .build()
        .unwrap();
    let usage = Usage::client_auth();
    for (new_profile, expected) in [
        // The self-issued CA allows serverAuth only: the client's path has the wrong usage.
        ("server-ca", FailureReason::WrongKeyUsage),
        // It permits names under example.org only: the client's name is outside.
        (
            "org-ca",
            FailureReason::Malformed(Rfc5280Violation::NameOutsideConstraints { form: "dNSName" }),
        ),
    ] {
        let (old_key, old) = issue(&root, "Rank CA", &[], "ca", 2);
        let (new_key, new) = issue(&ca_of(&old, old_key), "Rank CA", &[], new_profile, 3);
        let leaf = issue(
            &ca_of(&new, new_key),
            "laptop",
            &["laptop.example.com"],
            "client",
            4,
        )
        .1;
        for presented in [[old.clone(), new.clone()], [new.clone(), old.clone()]] {
            assert_eq!(
                v.verify_chain(&leaf, &presented, &usage, None, at(NOW)),
                Err(expected.clone()),
                "{new_profile}"
            );
        }
    }
}

#[test]
fn the_most_relevant_reason_wins_across_candidate_paths() {
    // One intermediate key, cross-signed by two roots: via the first root it is revoked,
    // via the second its status is unknown (that root publishes no CRL). Whatever path
    // is tried last, the revocation is what is reported.
    let (one, one_der) = root_named("Rank Root One");
    let (two, two_der) = root_named("Rank Root Two");
    let (key, csr_signer) = signer();
    let csr =
        CertificateRequest::create(&csr_signer, &SubjectName::with_common_name("Cross CA"), &[])
            .unwrap();
    let config = SigningConfig::from_json(CONFIG.as_bytes(), "config").unwrap();
    let cross = |root: &CertificateAuthority, serial: u8| {
        let cert = root
            .issue(&csr, config.profile("ca").unwrap())
            .with_now(NOW)
            .with_serial(&[serial])
            .build()
            .unwrap();
        CertificateDer::from(cert.der().to_vec())
    };
    let (via_one, via_two) = (cross(&one, 5), cross(&two, 6));
    let ica = ca_of(&via_one, key);
    let leaf = issue(&ica, "laptop", &[], "client", 7).1;
    let store = RevocationStore::builder([one_der.as_ref(), two_der.as_ref(), via_one.as_ref()])
        .unwrap()
        .with_crls(&crl_of(&one, 1, &[5]), "one.crl")
        .unwrap()
        .with_crls(&crl_of(&ica, 1, &[9]), "ica.crl")
        .unwrap()
        .build()
        .unwrap();
    let v = ChainVerifier::builder(vec![one_der, two_der])
        .with_check_time(at(NOW))
        .with_revocation(store, RevocationPolicy::default())
        .build()
        .unwrap();
    let usage = Usage::client_auth();
    for presented in [
        [via_one.clone(), via_two.clone()],
        [via_two.clone(), via_one.clone()],
    ] {
        assert_eq!(
            v.verify_chain(&leaf, &presented, &usage, None, at(NOW)),
            Err(FailureReason::Revoked)
        );
    }
    assert_eq!(
        v.verify_chain(&leaf, std::slice::from_ref(&via_two), &usage, None, at(NOW)),
        Err(FailureReason::RevocationStatusUnknown)
    );
}

#[test]
fn a_crl_past_its_next_update_is_reported_as_expired() {
    let pki = pki();
    let store = RevocationStore::builder([pki.root.as_ref(), pki.intermediate.as_ref()])
        .unwrap()
        .with_crls(&crl_of(&pki.root_ca, 1, &[9]), "root.crl")
        .unwrap()
        .with_crls(&crl_of(&pki.ica, 1, &[9]), "ica.crl")
        .unwrap()
        .build()
        .unwrap();
    let verifier = |policy: RevocationPolicy| {
        ChainVerifier::builder(vec![pki.root.clone()])
            .with_check_time(at(NOW))
            .with_revocation(store.clone(), policy)
            .build()
            .unwrap()
    };
    let ints = [pki.intermediate.clone()];
    let usage = Usage::client_auth();
    let later = at(NOW + time::Duration::days(2));
    let next_update = certgate_x509::Timestamp::from_unix_seconds(
        (NOW + time::Duration::days(1)).unix_timestamp(),
    );
    let expired = FailureReason::CrlExpired { next_update };
    let default = verifier(RevocationPolicy::default());
    assert!(
        default
            .verify_chain(&pki.client, &ints, &usage, None, at(NOW))
            .is_ok()
    );
    let err = default
        .verify_chain(&pki.client, &ints, &usage, None, later)
        .unwrap_err();
    assert_eq!(err, expired);
    assert_eq!(err.id(), "crl-expired");
    assert!(err.to_string().contains("2026-06-02T12:00:00Z"), "{err}");
    // Allowing issuers without a CRL does not make a stale CRL current.
    let allow = RevocationPolicy::default().with_unknown_status(UnknownStatusPolicy::Allow);
    assert_eq!(
        verifier(allow).verify_chain(&pki.client, &ints, &usage, None, later),
        Err(expired)
    );
    // A grace period does.
    let grace = RevocationPolicy::default().with_expiration(ExpirationPolicy::Grace(
        std::time::Duration::from_secs(3 * 86_400),
    ));
    assert!(
        verifier(grace)
            .verify_chain(&pki.client, &ints, &usage, None, later)
            .is_ok()
    );
}

/// rcgen: a root, an intermediate permitting mailboxes at example.com only (rfc822Name
/// constraints), and a client certificate from it with the names `sans`.
fn smtp_utf8_chain(sans: Vec<rcgen::SanType>) -> [CertificateDer<'static>; 3] {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
        GeneralSubtree, IsCa, KeyPair, KeyUsagePurpose, NameConstraints, SerialNumber,
    };
    let params = |cn: &str, serial: u8| {
        let mut p = CertificateParams::default();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.serial_number = Some(SerialNumber::from_slice(&[serial]));
        p.not_before = NOW - time::Duration::days(1);
        p.not_after = NOW + time::Duration::days(30);
        p.use_authority_key_identifier_extension = true;
        p
    };
    let ca = |cn: &str, serial: u8| {
        let mut p = params(cn, serial);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p
    };
    let root =
        CertifiedIssuer::self_signed(ca("Mail Root", 1), KeyPair::generate().unwrap()).unwrap();
    let mut ica = ca("Mail CA", 2);
    ica.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::Rfc822Name("example.com".into())],
        excluded_subtrees: Vec::new(),
    });
    let ica = CertifiedIssuer::signed_by(ica, KeyPair::generate().unwrap(), &root).unwrap();
    let mut leaf = params("mailbox", 3);
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    leaf.subject_alt_names = sans;
    let leaf = leaf.signed_by(&KeyPair::generate().unwrap(), &ica).unwrap();
    [root.der().clone(), ica.der().clone(), leaf.der().clone()]
}

#[test]
fn smtp_utf8_mailboxes_are_held_to_rfc822_name_constraints() {
    // RFC 8398 section 6: rfc822Name constraints apply to SmtpUTF8Mailbox names, which
    // webpki ignores. 1.3.6.1.5.5.7.8.9 is id-on-SmtpUTF8Mailbox.
    let smtp = |address: &str| {
        rcgen::SanType::OtherName((vec![1, 3, 6, 1, 5, 5, 7, 8, 9], address.into()))
    };
    let email = |address: &str| rcgen::SanType::Rfc822Name(address.try_into().unwrap());
    let usage = Usage::client_auth();
    let check = |sans| {
        let [root, ica, leaf] = smtp_utf8_chain(sans);
        let v = ChainVerifier::builder(vec![root])
            .with_check_time(at(NOW))
            .build()
            .unwrap();
        v.verify_chain(&leaf, &[ica], &usage, None, at(NOW))
    };
    let outside = |_mailbox: &str| {
        Err(FailureReason::Malformed(
            Rfc5280Violation::NameOutsideConstraints { form: "rfc822Name" },
        ))
    };
    assert!(check(vec![smtp("δοκιμή@example.com")]).is_ok());
    assert_eq!(
        check(vec![smtp("δοκιμή@example.org")]),
        outside("δοκιμή@example.org")
    );
    // A host in U-labels cannot be compared with an ASCII constraint: refused.
    assert_eq!(
        check(vec![smtp("δοκιμή@παράδειγμα.com")]),
        Err(FailureReason::Malformed(
            Rfc5280Violation::NameNotCheckable { form: "rfc822Name" }
        ))
    );
    // Beside an rfc822Name (the path webpki refuses and certgate checks itself).
    assert!(check(vec![email("alice@example.com"), smtp("δοκιμή@example.com")]).is_ok());
    assert_eq!(
        check(vec![email("alice@example.com"), smtp("δοκιμή@example.org")]),
        outside("δοκιμή@example.org")
    );
}

#[test]
fn a_known_intermediate_costs_no_second_signature_check() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static CACHED: AtomicUsize = AtomicUsize::new(0);
    static UNCACHED: AtomicUsize = AtomicUsize::new(0);
    let pki = pki();
    let other_client = issue(&pki.ica, "phone", &[], "client", 5).1;
    let ints = [pki.intermediate.clone()];
    let usage = Usage::client_auth();
    let build = |calls: &'static AtomicUsize, entries: Option<usize>| {
        let mut b = ChainVerifier::builder_with_provider(
            vec![pki.root.clone()],
            support::counting_provider(calls),
        )
        .with_check_time(at(NOW));
        if let Some(n) = entries {
            b = b.with_link_cache(n);
        }
        b.build().unwrap()
    };
    let cached = build(&CACHED, None);
    // First: the leaf's signature and the intermediate's.
    assert!(
        cached
            .verify_chain(&pki.client, &ints, &usage, None, at(NOW))
            .is_ok()
    );
    assert_eq!(CACHED.load(Ordering::SeqCst), 2);
    // Then the leaf's alone, for the same leaf and for another under the same
    // intermediate.
    assert!(
        cached
            .verify_chain(&pki.client, &ints, &usage, None, at(NOW))
            .is_ok()
    );
    assert!(
        cached
            .verify_chain(&other_client, &ints, &usage, None, at(NOW))
            .is_ok()
    );
    assert_eq!(CACHED.load(Ordering::SeqCst), 4);
    // Without the cache, two every time.
    let uncached = build(&UNCACHED, Some(0));
    for _ in 0..3 {
        assert!(
            uncached
                .verify_chain(&pki.client, &ints, &usage, None, at(NOW))
                .is_ok()
        );
    }
    assert_eq!(UNCACHED.load(Ordering::SeqCst), 6);
}

/// Flips the last octet of a certificate: its signature.
fn tampered(cert: &CertificateDer<'_>) -> CertificateDer<'static> {
    let mut der = cert.as_ref().to_vec();
    if let Some(last) = der.last_mut() {
        *last ^= 0x01;
    }
    CertificateDer::from(der)
}

#[test]
fn a_warm_link_cache_refuses_what_a_cold_one_refuses() {
    let pki = pki();
    let ints = [pki.intermediate.clone()];
    let usage = Usage::client_auth();
    let leaf_and_int = RevocationPolicy::default().with_depth(RevocationCheckDepth::Chain);
    let store = RevocationStore::builder([pki.root.as_ref()])
        .unwrap()
        .build()
        .unwrap();
    store
        .set_source("root", &crl_of(&pki.root_ca, 1, &[]))
        .unwrap();
    store.set_source("ica", &crl_of(&pki.ica, 1, &[])).unwrap();
    let v = ChainVerifier::builder(vec![pki.root.clone()])
        .with_check_time(at(NOW))
        .with_revocation(store.clone(), leaf_and_int)
        .build()
        .unwrap();
    assert!(
        v.verify_chain(&pki.client, &ints, &usage, None, at(NOW))
            .is_ok()
    );
    // The leaf's signature is checked every time, whatever is cached.
    assert!(matches!(
        v.verify_chain(&tampered(&pki.client), &ints, &usage, None, at(NOW)),
        Err(FailureReason::BadSignature | FailureReason::Malformed(_))
    ));
    // An intermediate with the same bytes but another signature is no hit.
    assert!(
        v.verify_chain(
            &pki.client,
            &[tampered(&pki.intermediate)],
            &usage,
            None,
            at(NOW)
        )
        .is_err()
    );
    // Validity and the depth limit are still checked on a cached link.
    let later = at(NOW + time::Duration::days(40));
    assert_eq!(
        v.verify_chain(&pki.client, &ints, &usage, None, later),
        Err(FailureReason::Expired)
    );
    // And revocation: the root revokes the intermediate (serial 2).
    store
        .set_source("root", &crl_of(&pki.root_ca, 2, &[2]))
        .unwrap();
    assert_eq!(
        v.verify_chain(&pki.client, &ints, &usage, None, at(NOW)),
        Err(FailureReason::Revoked)
    );
}
