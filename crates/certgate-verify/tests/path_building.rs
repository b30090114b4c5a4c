//! certgate-verify's own path building: backtracking over every candidate issuer of
//! the right name, authorityKeyIdentifier → subjectKeyIdentifier preferred, loops not
//! followed, and self-issued certificates (key rollover both ways) as RFC 5280 6.1 says.

#![allow(clippy::unwrap_used)]

#[path = "common/chain_support.rs"]
mod support;

use support::{at, signer};

use std::sync::atomic::{AtomicUsize, Ordering};

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CaCertificate, CertificateAuthority, CertificateRequest, KeySigner, PrivateKey, RootCaBuilder,
    SubjectName,
};
use certgate_verify::{ChainVerifier, ClientVerifier, FailureReason, PolicyOptions, Usage};
use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

const CONFIG: &str = r#"{"signing": {"profiles": {
  "client": {"usages": ["digital signature", "client auth"], "expiry": "720h"},
  "ca": {"usages": ["cert sign", "crl sign"], "expiry": "8760h", "ca_constraint": {"is_ca": true}},
  "ca0": {"usages": ["cert sign", "crl sign"], "expiry": "8760h",
          "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}},
  "policy-ca": {"usages": ["cert sign", "crl sign"], "expiry": "8760h", "ca_constraint": {"is_ca": true},
                "policies": [{"ID": "1.3.6.1.4.1.55555.1.1"}, {"ID": "1.3.6.1.4.1.55555.1.2"}],
                "policy_constraints": {"require_explicit_policy": 0}},
  "policy-client": {"usages": ["digital signature", "client auth"], "expiry": "720h",
                    "policies": [{"ID": "1.3.6.1.4.1.55555.1.2"}]}}}}"#;

fn root(cn: &str, key: PrivateKey) -> (CertificateAuthority, CertificateDer<'static>) {
    root_at(cn, key, NOW)
}

fn root_at(
    cn: &str,
    key: PrivateKey,
    when: OffsetDateTime,
) -> (CertificateAuthority, CertificateDer<'static>) {
    let csr = CsrJson::from_json(format!(r#"{{"CN": "{cn}"}}"#).as_bytes(), "t").unwrap();
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .with_now(when)
        .with_serial(&[1])
        .build()
        .unwrap();
    let der = CertificateDer::from(root.certificate.der().to_vec());
    (root.ca, der)
}

/// `issuer` certifies `key` as `cn` under `profile`, issued at `when`.
fn certify(
    issuer: &CertificateAuthority,
    cn: &str,
    key: &PrivateKey,
    profile: &str,
    serial: u8,
    when: OffsetDateTime,
) -> CertificateDer<'static> {
    let copy = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap();
    let csr = CertificateRequest::create(
        &KeySigner::new(copy),
        &SubjectName::with_common_name(cn),
        &[],
    )
    .unwrap();
    let config = SigningConfig::from_json(CONFIG.as_bytes(), "config").unwrap();
    let cert = issuer
        .issue(&csr, config.profile(profile).unwrap())
        .with_now(when)
        .with_serial(&[serial])
        .build()
        .unwrap();
    CertificateDer::from(cert.der().to_vec())
}

/// A CA that signs with `key` under the certificate `cert`.
fn ca_of(cert: &CertificateDer<'_>, key: &PrivateKey) -> CertificateAuthority {
    let copy = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap();
    CertificateAuthority::new(
        CaCertificate::from_der(cert, "ca").unwrap(),
        Box::new(KeySigner::new(copy)),
    )
    .unwrap()
}

fn key() -> PrivateKey {
    signer().0
}

fn verify(
    v: &ChainVerifier,
    leaf: &CertificateDer<'_>,
    ints: &[CertificateDer<'static>],
) -> Result<usize, FailureReason> {
    v.verify_chain(leaf, ints, &Usage::client_auth(), None, at(NOW))
        .map(|c| c.intermediates)
}

fn verifier(anchor: &CertificateDer<'static>) -> ChainVerifier {
    ChainVerifier::builder(vec![anchor.clone()])
        .with_check_time(at(NOW))
        .build()
        .unwrap()
}

#[test]
fn backtracking_finds_the_valid_one_of_two_same_name_intermediates() {
    let (root_ca, root) = root_at("Path Root", key(), NOW - time::Duration::days(900));
    let ica_key = key();
    // The same name and key, certified twice: once long ago (expired now), once now.
    let old = certify(
        &root_ca,
        "Path Int",
        &ica_key,
        "ca",
        2,
        NOW - time::Duration::days(800),
    );
    let new = certify(&root_ca, "Path Int", &ica_key, "ca", 3, NOW);
    let leaf = certify(&ca_of(&new, &ica_key), "laptop", &key(), "client", 4, NOW);
    let v = verifier(&root);
    assert_eq!(verify(&v, &leaf, &[old.clone(), new.clone()]), Ok(1));
    assert_eq!(verify(&v, &leaf, &[new, old.clone()]), Ok(1));
    // With only the expired one, its expiry is the reason (not "no path").
    assert_eq!(verify(&v, &leaf, &[old]), Err(FailureReason::Expired));
}

#[test]
fn the_issuer_the_authority_key_identifier_names_is_tried_first() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let (root_ca, root) = root("Path Root", key());
    let ica_key = key();
    let right = certify(&root_ca, "Path Int", &ica_key, "ca", 2, NOW);
    // Same name, another key: its signature on the leaf cannot verify.
    let wrong = certify(&root_ca, "Path Int", &key(), "ca", 3, NOW);
    let leaf = certify(&ca_of(&right, &ica_key), "laptop", &key(), "client", 4, NOW);
    let v = ChainVerifier::builder_with_provider(vec![root], support::counting_provider(&CALLS))
        .with_check_time(at(NOW))
        .with_link_cache(0)
        .build()
        .unwrap();
    assert_eq!(verify(&v, &leaf, &[wrong, right]), Ok(1));
    // The leaf by the right intermediate, the intermediate by the root: the wrong
    // intermediate, presented first, was not tried.
    assert_eq!(CALLS.load(Ordering::SeqCst), 2);
}

#[test]
fn cross_certified_cas_without_an_anchor_end_without_a_path() {
    let (_, anchor) = root("Unrelated Root", key());
    let (a_ca, _) = root("CA A", key());
    let (b_ca, _) = root("CA B", key());
    let a_key = key();
    let b_key = key();
    // A certified by B and B certified by A: a loop with no way out.
    let a_by_b = certify(&b_ca, "CA A", &a_key, "ca", 5, NOW);
    let b_by_a = certify(&a_ca, "CA B", &b_key, "ca", 6, NOW);
    let leaf = certify(&ca_of(&a_by_b, &a_key), "laptop", &key(), "client", 7, NOW);
    let v = verifier(&anchor);
    let err = verify(&v, &leaf, &[a_by_b, b_by_a]).unwrap_err();
    assert!(
        matches!(
            err,
            FailureReason::UnknownIssuer | FailureReason::BadSignature
        ),
        "{err:?}"
    );
}

#[test]
fn key_rollover_links_chain_both_ways() {
    let old_key = key();
    let new_key = key();
    let old_copy = PrivateKey::from_pkcs8_der(&old_key.to_pkcs8_der().unwrap(), "k").unwrap();
    let new_copy = PrivateKey::from_pkcs8_der(&new_key.to_pkcs8_der().unwrap(), "k").unwrap();
    let (old_ca, old_root) = root("Roll Root", old_copy);
    let (new_ca, new_root) = root("Roll Root", new_copy);
    // The link certificates: self-issued (issuer = subject), another key.
    let new_with_old = certify(&old_ca, "Roll Root", &new_key, "ca", 8, NOW);
    let old_with_new = certify(&new_ca, "Roll Root", &old_key, "ca", 9, NOW);
    let under_new = certify(&new_ca, "phone", &key(), "client", 10, NOW);
    let under_old = certify(&old_ca, "laptop", &key(), "client", 11, NOW);
    // A relying party that trusts only the old root reaches devices of the new key
    // through new-with-old, and one that trusts only the new root reaches the old.
    assert_eq!(
        verify(
            &verifier(&old_root),
            &under_new,
            std::slice::from_ref(&new_with_old)
        ),
        Ok(1)
    );
    assert_eq!(
        verify(
            &verifier(&new_root),
            &under_old,
            std::slice::from_ref(&old_with_new)
        ),
        Ok(1)
    );
    assert_eq!(
        verify(&verifier(&old_root), &under_new, &[]),
        Err(FailureReason::BadSignature)
    );
    // A self-issued link does not count against a pathLenConstraint above it
    // (RFC 5280 6.1.4 (l)): int (pathLen 0) → self-issued link → leaf.
    let (root_ca, root) = root("Len Root", key());
    let int_key = key();
    let int_next = key();
    let int = certify(&root_ca, "Len Int", &int_key, "ca0", 12, NOW);
    let link = certify(&ca_of(&int, &int_key), "Len Int", &int_next, "ca", 13, NOW);
    let leaf = certify(
        &ca_of(&link, &int_next),
        "tablet",
        &key(),
        "client",
        14,
        NOW,
    );
    assert_eq!(
        verify(&verifier(&root), &leaf, &[link.clone(), int.clone()]),
        Ok(2)
    );
}

#[test]
fn the_policy_sets_of_a_verified_path_reach_verified_chain_and_client_cert_info() {
    const P1: &str = "1.3.6.1.4.1.55555.1.1";
    const P2: &str = "1.3.6.1.4.1.55555.1.2";
    let (root_ca, root) = root("Policy Root", key());
    let ica_key = key();
    let ica = certify(&root_ca, "Policy CA", &ica_key, "policy-ca", 2, NOW);
    let leaf = certify(
        &ca_of(&ica, &ica_key),
        "laptop",
        &key(),
        "policy-client",
        3,
        NOW,
    );
    let ints = [ica];
    let chain = verifier(&root)
        .verify_chain(&leaf, &ints, &Usage::client_auth(), None, at(NOW))
        .unwrap();
    assert_eq!(chain.policies.authority_constrained, [P2]);
    assert_eq!(chain.policies.user_constrained, [P2]);
    // The user-initial-policy-set narrows the user-constrained set, and when it meets
    // nothing the explicit policy the CA requires refuses the path.
    let only = |oid: &str| {
        ChainVerifier::builder(vec![root.clone()])
            .with_check_time(at(NOW))
            .with_policy_options(PolicyOptions::default().with_initial_policy_set([oid]))
            .build()
            .unwrap()
    };
    assert!(
        only(P2)
            .verify_chain(&leaf, &ints, &Usage::client_auth(), None, at(NOW))
            .is_ok()
    );
    let err = only(P1)
        .verify_chain(&leaf, &ints, &Usage::client_auth(), None, at(NOW))
        .unwrap_err();
    assert_eq!(err.id(), "malformed", "{err}");
    // ClientVerifier reports them beside the verdict.
    let client = ClientVerifier::builder(vec![root.clone()])
        .with_policy_options(PolicyOptions::default().with_initial_policy_set([P2]))
        .build()
        .unwrap();
    let presented = [leaf.clone(), ints[0].clone()];
    let info = client.verify_presented(Some(&presented), at(NOW));
    assert!(info.verified());
    assert_eq!(info.policies().unwrap().user_constrained, [P2]);
}
