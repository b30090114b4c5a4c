//! CRLs as enterprise PKIs publish them: issuingDistributionPoint, delta CRLs,
//! freshestCRL, indirect entries, and a dedicated CRL-signing certificate; read and
//! used by OpenSSL.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use certgate_ca::cfssl::SigningConfig;
use certgate_ca::{
    CaCertificate, CaError, CertificateAuthority, CrlProblem, IssuingDistributionPoint, KeySigner,
    KeySpec, PrivateKey, RevocationReason, RevokedEntry, SubjectName,
};
use certgate_test_support::require_tool;
use common::*;
use time::Duration;

fn entry(serial: u8, reason: Option<RevocationReason>) -> RevokedEntry {
    RevokedEntry {
        serial: vec![serial],
        revoked_at: NOW - Duration::hours(1),
        reason,
    }
}

fn crl_text(dir: &Path, file: &str) -> String {
    openssl_text_of(dir, "crl", file)
}

/// A directory with the root (`root.pem`) and its devices A, B, C; the root's CA.
fn lab() -> (tempfile::TempDir, CertificateAuthority) {
    let dir = tempfile::tempdir().unwrap();
    let (ca, root_cert) = root(KeySpec::EcdsaP256);
    write(dir.path(), "root.pem", root_cert.to_pem());
    devices(dir.path(), &ca);
    (dir, ca)
}

/// Three devices A, B, C (serials 10, 11, 12) issued by `ca`, written as a.pem ....
fn devices(dir: &Path, ca: &CertificateAuthority) {
    for (name, serial) in [("a", 10), ("b", 11), ("c", 12)] {
        let (_, csr) = request(&format!("device {name}"), KeySpec::EcdsaP256, &[]);
        write(
            dir,
            &format!("{name}.pem"),
            issue(ca, &csr, "client", serial).to_pem(),
        );
    }
}

fn verify_with_crls(dir: &Path, leaf: &str, extra: &[&str]) -> (bool, String) {
    let mut args = vec!["-crl_check", "-CAfile", "root.pem", "-CRLfile", "crls.pem"];
    args.extend_from_slice(extra);
    args.push(leaf);
    openssl_verify(dir, &args)
}

#[test]
fn every_crl_extension_shows_in_openssl() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ca, _) = root(KeySpec::EcdsaP256);
    // Another CA whose revocations this indirect CRL also lists.
    let (_, other_cert) = root(KeySpec::Ed25519);
    let other_ca = CaCertificate::from_der(other_cert.der(), "other").unwrap();
    let idp = IssuingDistributionPoint {
        uris: vec!["http://crl.example.com/users.crl".into()],
        only_user_certs: true,
        only_some_reasons: vec![
            RevocationReason::KeyCompromise,
            RevocationReason::Superseded,
        ],
        indirect_crl: true,
        ..IssuingDistributionPoint::default()
    };
    let base = ca
        .crl(5, NOW, NOW + Duration::days(7))
        .with_issuing_distribution_point(idp)
        .with_freshest_crl("http://crl.example.com/delta.crl")
        .with_entry(entry(10, Some(RevocationReason::KeyCompromise)))
        .with_entry_of_issuer(entry(11, None), &other_ca)
        .build()
        .unwrap();
    write(dir.path(), "base.pem", base.to_pem());
    let text = crl_text(dir.path(), "base.pem");
    for expected in [
        "X509v3 Issuing Distribution Point: critical",
        "URI:http://crl.example.com/users.crl",
        "Only User Certificates",
        "Only Some Reasons:",
        "Key Compromise",
        "Superseded",
        "Indirect CRL",
        "X509v3 Freshest CRL:",
        "URI:http://crl.example.com/delta.crl",
        "X509v3 Certificate Issuer: critical",
        "DirName:",
    ] {
        assert!(text.contains(expected), "{expected:?} missing: {text}");
    }
    let delta = ca
        .crl(6, NOW, NOW + Duration::days(1))
        .with_delta_of(5)
        .with_entry(entry(12, Some(RevocationReason::RemoveFromCrl)))
        .build()
        .unwrap();
    write(dir.path(), "delta.pem", delta.to_pem());
    let text = crl_text(dir.path(), "delta.pem");
    assert!(
        text.contains("X509v3 Delta CRL Indicator: critical\n                5"),
        "{text}"
    );
    assert!(text.contains("Remove From CRL"), "{text}");
}

#[test]
fn openssl_uses_a_delta_crl_with_its_base() {
    if !require_tool("openssl") {
        return;
    }
    let (dir, ca) = lab();
    let base = ca
        .crl(1, NOW - Duration::hours(2), NOW + Duration::days(7))
        .with_freshest_crl("http://crl.example.com/delta.crl")
        .with_entry(entry(10, Some(RevocationReason::KeyCompromise)))
        .build()
        .unwrap();
    let delta = ca
        .crl(2, NOW - Duration::minutes(30), NOW + Duration::days(1))
        .with_delta_of(1)
        .with_entry(entry(11, Some(RevocationReason::Superseded)))
        .build()
        .unwrap();
    write(
        dir.path(),
        "crls.pem",
        format!("{}{}", base.to_pem(), delta.to_pem()),
    );
    // OpenSSL sets delta CRLs aside when it picks the base CRL only with -extended_crl;
    // without it the newer delta can be taken for a complete CRL.
    for (leaf, revoked) in [("a.pem", true), ("b.pem", true), ("c.pem", false)] {
        let (ok, out) = verify_with_crls(dir.path(), leaf, &["-extended_crl", "-use_deltas"]);
        assert_eq!(ok, !revoked, "{leaf}: {out}");
        if revoked {
            assert!(out.contains("certificate revoked"), "{leaf}: {out}");
        }
    }
    // The control: without -use_deltas only the base counts, and B passes.
    let (ok, out) = verify_with_crls(dir.path(), "b.pem", &["-extended_crl"]);
    assert!(ok, "{out}");
}

#[test]
fn a_crl_only_for_ca_certificates_is_not_used_for_a_leaf() {
    if !require_tool("openssl") {
        return;
    }
    let (dir, ca) = lab();
    let scoped = |only_ca: bool| {
        ca.crl(1, NOW - Duration::hours(1), NOW + Duration::days(7))
            .with_issuing_distribution_point(IssuingDistributionPoint {
                only_user_certs: !only_ca,
                only_ca_certs: only_ca,
                ..IssuingDistributionPoint::default()
            })
            .with_entry(entry(10, None))
            .build()
            .unwrap()
            .to_pem()
    };
    // The control: a CRL only for user certificates is used for the leaf.
    write(dir.path(), "crls.pem", scoped(false));
    let (ok, out) = verify_with_crls(dir.path(), "a.pem", &[]);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = verify_with_crls(dir.path(), "c.pem", &[]);
    assert!(ok, "{out}");
    write(dir.path(), "crls.pem", scoped(true));
    let (ok, out) = verify_with_crls(dir.path(), "c.pem", &[]);
    assert!(!ok, "{out}");
    // OpenSSL 3 falls back to the out-of-scope CRL it found and refuses the path with
    // "different CRL scope" rather than "unable to get certificate CRL".
    assert!(
        out.contains("different CRL scope") || out.contains("unable to get certificate CRL"),
        "{out}"
    );
}

#[test]
fn a_crl_signed_by_a_dedicated_crl_signing_certificate() {
    if !require_tool("openssl") {
        return;
    }
    let (dir, ca) = lab();
    // The CRL signer: the CA's name, its own key, keyUsage cRLSign only.
    let config = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"crl_signer": {"usages": ["crl sign"], "expiry": "8760h"}}}}"#,
        "c.json",
    )
    .unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let copy = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap();
    let ca_name = SubjectName::from_csr_json(&csr_json("Test Root", "ecdsa", 256));
    let csr =
        certgate_ca::CertificateRequest::create(&KeySigner::new(copy), &ca_name, &[]).unwrap();
    let signer_cert = ca
        .issue(&csr, config.profile("crl_signer").unwrap())
        .with_now(NOW)
        .with_serial(&[20])
        .build()
        .unwrap();
    write(dir.path(), "signer.pem", signer_cert.to_pem());
    let text = openssl_text(dir.path(), "signer.pem");
    assert!(
        text.contains("X509v3 Key Usage: critical\n                CRL Sign\n"),
        "{text}"
    );
    let info = certgate_x509::CertificateInfo::from_der(signer_cert.der()).unwrap();
    let key_id = info.subject_key_id().unwrap().to_vec();
    let signer = KeySigner::new(key);
    let crl = ca
        .crl(1, NOW - Duration::hours(1), NOW + Duration::days(7))
        .with_crl_signer(&signer, &key_id)
        .with_entry(entry(10, Some(RevocationReason::KeyCompromise)))
        .build()
        .unwrap();
    write(dir.path(), "crls.pem", crl.to_pem());
    let extended = ["-extended_crl", "-untrusted", "signer.pem"];
    let (ok, out) = verify_with_crls(dir.path(), "a.pem", &extended);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = verify_with_crls(dir.path(), "c.pem", &extended);
    assert!(ok, "{out}");
    // Without the signer's certificate the CRL cannot be checked.
    let (ok, out) = verify_with_crls(dir.path(), "c.pem", &["-extended_crl"]);
    assert!(!ok, "{out}");
}

fn crl_problem(e: &CaError) -> &CrlProblem {
    match e {
        CaError::InvalidCrl { problem, .. } => problem,
        other => panic!("not a CRL error: {other}"),
    }
}

#[test]
fn inconsistent_crls_are_refused() {
    let (ca, _) = root(KeySpec::EcdsaP256);
    let crl = || ca.crl(3, NOW, NOW + Duration::days(1));
    let e = crl()
        .with_issuing_distribution_point(IssuingDistributionPoint {
            only_user_certs: true,
            only_ca_certs: true,
            ..IssuingDistributionPoint::default()
        })
        .build()
        .unwrap_err();
    assert_eq!(crl_problem(&e), &CrlProblem::ConflictingScope);
    let e = crl()
        .with_issuing_distribution_point(IssuingDistributionPoint {
            only_some_reasons: vec![RevocationReason::RemoveFromCrl],
            ..IssuingDistributionPoint::default()
        })
        .build()
        .unwrap_err();
    assert!(matches!(crl_problem(&e), CrlProblem::NotAReasonFlag { .. }));
    for base in [3, 4] {
        let e = crl().with_delta_of(base).build().unwrap_err();
        assert_eq!(
            crl_problem(&e),
            &CrlProblem::BaseNotBelowDelta { base, number: 3 }
        );
    }
    let e = crl()
        .with_delta_of(2)
        .with_freshest_crl("http://crl.example.com/d.crl")
        .build()
        .unwrap_err();
    assert_eq!(crl_problem(&e), &CrlProblem::FreshestCrlInDelta);
    let e = crl()
        .with_entry(entry(9, Some(RevocationReason::RemoveFromCrl)))
        .build()
        .unwrap_err();
    assert_eq!(
        crl_problem(&e),
        &CrlProblem::RemoveFromCrlOutsideDelta { serial: vec![9] }
    );
    let e = crl()
        .with_entry_of_issuer(entry(9, None), ca.certificate())
        .build()
        .unwrap_err();
    assert_eq!(
        crl_problem(&e),
        &CrlProblem::CertificateIssuerOutsideIndirect
    );
    assert!(crl().with_delta_of(2).build().is_ok());
}

/// An indirect CRL lists another CA's certificate, then one of the CRL issuer's own: the
/// own entry must not be read as the other CA's (RFC 5280 5.3.3 carries an entry's
/// certificateIssuer over to the entries after it), so OpenSSL refuses device A and
/// accepts device B, whose serial the other CA's entry has.
#[test]
fn an_own_entry_after_another_issuers_entry_stays_the_crl_issuers() {
    if !require_tool("openssl") {
        return;
    }
    let (dir, ca) = lab();
    // Another CA with a name of its own, "Intermediate 30" (OpenSSL matches
    // certificateIssuer by name).
    let (other, _) = intermediate(&ca, "intermediate", KeySpec::EcdsaP256, 30);
    let other_ca = other.certificate();
    let crl = ca
        .crl(1, NOW - Duration::hours(1), NOW + Duration::days(7))
        .with_issuing_distribution_point(IssuingDistributionPoint {
            indirect_crl: true,
            ..IssuingDistributionPoint::default()
        })
        .with_entry_of_issuer(entry(11, None), other_ca)
        .with_entry(entry(10, None))
        .build()
        .unwrap();
    write(dir.path(), "crls.pem", crl.to_pem());
    let text = crl_text(dir.path(), "crls.pem");
    assert_eq!(
        text.matches("X509v3 Certificate Issuer: critical").count(),
        2,
        "{text}"
    );
    let (ok, out) = verify_with_crls(dir.path(), "a.pem", &["-extended_crl"]);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = verify_with_crls(dir.path(), "b.pem", &["-extended_crl"]);
    assert!(ok, "{out}");
}
