//! Policy processing on certificates issued by certgate-ca (the profiles of its
//! `tests/policies.rs`): the readers on real extensions, and the outcome compared with
//! `openssl verify -policy_check` on the same files.

use std::path::Path;

use certgate_ca::cfssl::{CsrJson, SigningConfig, SigningProfile};
use certgate_ca::{
    CaCertificate, CertificateAuthority, CertificateRequest, IssuedCertificate, KeySigner, KeySpec,
    PrivateKey, RootCaBuilder, SubjectName,
};
use certgate_x509::CertView;
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;

const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);
const P1: &str = "1.3.6.1.4.1.55555.1.1";
const P2: &str = "1.3.6.1.4.1.55555.1.2";
const P3: &str = "1.3.6.1.4.1.55555.1.3";
const ANY: &str = "2.5.29.32.0";

fn profile(name: &str) -> SigningProfile {
    let ca = r#""usages": ["cert sign", "crl sign"], "expiry": "43800h",
        "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}"#;
    let json = format!(
        r#"{{"signing": {{"default": {{"expiry": "8760h"}}, "profiles": {{
        "ica_mapped": {{{ca}, "policies": [{{"ID": "{P1}", "qualifiers": [
                {{"type": "id-qt-cps", "value": "http://cps.example"}},
                {{"type": "id-qt-unotice", "value": "explicit text"}}]}}],
            "policy_mappings": [{{"issuer_domain": "{P1}", "subject_domain": "{P2}"}}],
            "policy_constraints": {{"require_explicit_policy": 0, "inhibit_policy_mapping": 5}}}},
        "ica_any_inhibited": {{{ca}, "policies": [{{"ID": "{ANY}"}}],
            "policy_constraints": {{"require_explicit_policy": 0}}, "inhibit_any_policy": 0}},
        "ica_any": {{{ca}, "policies": [{{"ID": "{ANY}"}}],
            "policy_constraints": {{"require_explicit_policy": 0}}}},
        "leaf_p2": {{"usages": ["digital signature", "client auth"], "policies": [{{"ID": "{P2}"}}]}},
        "leaf_any": {{"usages": ["digital signature", "client auth"], "policies": [{{"ID": "{ANY}"}}]}}
    }}}}}}"#
    );
    let config = SigningConfig::from_json(json.as_bytes(), "policy config").unwrap();
    config.profile(name).unwrap().clone()
}

fn request(cn: &str) -> (PrivateKey, CertificateRequest) {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let signer =
        KeySigner::new(PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap());
    let csr = CertificateRequest::create(&signer, &SubjectName::with_common_name(cn), &[]).unwrap();
    (key, csr)
}

fn issue(ca: &CertificateAuthority, csr: &CertificateRequest, name: &str, serial: u8) -> Vec<u8> {
    let cert: IssuedCertificate = ca
        .issue(csr, &profile(name))
        .with_now(NOW)
        .with_serial(&[serial])
        .build()
        .unwrap();
    cert.der().to_vec()
}

/// A PKI: the root's DER, and (intermediate, leaf) DER for an intermediate profile and
/// a leaf profile.
struct Pki {
    root: CertificateAuthority,
    root_der: Vec<u8>,
}

impl Pki {
    fn new() -> Self {
        let csr = CsrJson::from_json(br#"{"CN": "Policy Root"}"#, "t").unwrap();
        let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
            .with_now(NOW)
            .with_serial(&[1])
            .build()
            .unwrap();
        Self {
            root_der: made.certificate.der().to_vec(),
            root: made.ca,
        }
    }

    fn chain(&self, intermediate: &str, leaf: &str, serial: u8) -> [Vec<u8>; 2] {
        let (key, csr) = request(&format!("Intermediate {serial}"));
        let int_der = issue(&self.root, &csr, intermediate, serial);
        let int_ca = CertificateAuthority::new(
            CaCertificate::from_der(&int_der, "intermediate").unwrap(),
            Box::new(KeySigner::new(key)),
        )
        .unwrap();
        let (_, csr) = request("device");
        let leaf_der = issue(&int_ca, &csr, leaf, serial + 100);
        [int_der, leaf_der]
    }
}

/// Our outcome for `chain` (intermediate, leaf) with initial-explicit-policy and
/// `policy` as the user-initial-policy-set.
fn ours(chain: &[Vec<u8>; 2], policy: &str) -> Result<PolicySets, V> {
    let views: Vec<CertView<'_>> = chain.iter().map(|d| CertView::parse(d).unwrap()).collect();
    let path: Vec<CertPolicies<'_>> = views
        .iter()
        .map(|v| CertPolicies::read(v).unwrap())
        .collect();
    let self_issued: Vec<bool> = views.iter().map(CertView::self_issued).collect();
    let options = PolicyOptions::default()
        .with_explicit_policy(true)
        .with_initial_policy_set([policy]);
    process_policies(&options, &path, &self_issued)
}

fn pem(der: &[u8]) -> String {
    certgate_x509::pem::encode("CERTIFICATE", der)
}

/// OpenSSL's outcome for the same chain and options.
fn openssl(dir: &Path, root: &[u8], chain: &[Vec<u8>; 2], policy: &str) -> bool {
    std::fs::write(dir.join("root.pem"), pem(root)).unwrap();
    std::fs::write(dir.join("int.pem"), pem(&chain[0])).unwrap();
    std::fs::write(dir.join("leaf.pem"), pem(&chain[1])).unwrap();
    let attime = NOW.unix_timestamp().to_string();
    let out = std::process::Command::new("openssl")
        .args([
            "verify",
            "-attime",
            &attime,
            "-policy_check",
            "-explicit_policy",
        ])
        .args([
            "-policy",
            policy,
            "-CAfile",
            "root.pem",
            "-untrusted",
            "int.pem",
        ])
        .arg("leaf.pem")
        .current_dir(dir)
        .output()
        .unwrap();
    out.status.success()
}

#[test]
fn the_readers_read_what_certgate_ca_issues() {
    let pki = Pki::new();
    let [int, leaf] = pki.chain("ica_mapped", "leaf_p2", 2);
    let view = CertView::parse(&int).unwrap();
    let read = CertPolicies::read(&view).unwrap();
    let dotted = |o: &[u8]| certgate_x509::oid::dotted(o).unwrap();
    assert_eq!(read.policies().map(dotted).collect::<Vec<_>>(), [P1]);
    assert_eq!(
        read.mappings()
            .map(|(i, s)| (dotted(i), dotted(s)))
            .collect::<Vec<_>>(),
        [(P1.to_owned(), P2.to_owned())]
    );
    assert_eq!(
        (read.require_explicit_policy, read.inhibit_policy_mapping),
        (Some(0), Some(5))
    );
    assert_eq!(read.inhibit_any_policy, None);
    let view = CertView::parse(&leaf).unwrap();
    let read = CertPolicies::read(&view).unwrap();
    assert_eq!(read.policies().map(dotted).collect::<Vec<_>>(), [P2]);
    assert!(read.mappings().next().is_none() && read.require_explicit_policy.is_none());
    let [int, _] = pki.chain("ica_any_inhibited", "leaf_any", 3);
    let view = CertView::parse(&int).unwrap();
    assert_eq!(
        CertPolicies::read(&view).unwrap().inhibit_any_policy,
        Some(0)
    );
    // The root has none of the four: the fast path.
    let view = CertView::parse(&pki.root_der).unwrap();
    assert!(CertPolicies::read(&view).unwrap().is_empty());
}

#[test]
fn outcomes_on_issued_chains_agree_with_openssl() {
    let pki = Pki::new();
    let cases: [(&str, &str, &str, Result<PolicySets, V>); 7] = [
        // The mapping P1 -> P2 followed: valid for P1 (anchor's domain), set says P2.
        ("ica_mapped", "leaf_p2", P1, Ok(PolicySets::new([P2], [P2]))),
        ("ica_mapped", "leaf_p2", P3, Err(V::NoValidPolicy)),
        (
            "ica_mapped",
            "leaf_any",
            P1,
            Ok(PolicySets::new([P2], [P2])),
        ),
        // anyPolicy throughout: valid for whatever the relying party asks.
        ("ica_any", "leaf_any", P1, Ok(PolicySets::new([ANY], [P1]))),
        ("ica_any", "leaf_p2", P2, Ok(PolicySets::new([P2], [P2]))),
        ("ica_any", "leaf_p2", P1, Err(V::NoValidPolicy)),
        // inhibitAnyPolicy 0: the leaf's anyPolicy no longer counts.
        ("ica_any_inhibited", "leaf_any", P1, Err(V::NoValidPolicy)),
    ];
    let with_openssl = certgate_test_support::require_tool("openssl");
    let dir = tempfile::tempdir().unwrap();
    for (serial, (int, leaf, policy, expected)) in (10u8..).zip(cases) {
        let chain = pki.chain(int, leaf, serial);
        let got = ours(&chain, policy);
        assert_eq!(got, expected, "{int} / {leaf} for {policy}");
        if with_openssl {
            assert_eq!(
                openssl(dir.path(), &pki.root_der, &chain, policy),
                got.is_ok(),
                "OpenSSL disagrees on {int} / {leaf} for {policy}"
            );
        }
    }
}
