//! The real chains the differential target mutates: made once with certgate-ca from
//! fixed keys, serials and clock, each with the key that signs each of its certificates
//! (so a mutated certificate can be signed again by its true issuer).

use certgate_ca::cfssl::{SigningConfig, SigningProfile, classify_host};
use certgate_ca::{
    CaCertificate, CertificateAuthority, CertificateRequest, KeySigner, PrivateKey, RootCaBuilder,
    SubjectName,
};
use certgate_verify::ChainVerifier;
use rustls_pki_types::TrustAnchor;
use rustls_pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use time::macros::datetime;

/// When every certificate is issued.
const ISSUED: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

/// When every chain is verified: an hour after issue, inside every validity.
pub(crate) fn verify_time() -> UnixTime {
    let seconds = u64::try_from(ISSUED.unix_timestamp()).unwrap_or(0) + 3600;
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(seconds))
}

const P1: &str = "1.3.6.1.4.1.55555.1.1";
const P2: &str = "1.3.6.1.4.1.55555.1.2";

/// The profiles the chains are issued under.
fn config() -> SigningConfig {
    let json = format!(
        r#"{{"signing": {{"default": {{"expiry": "8760h"}}, "profiles": {{
        "ca": {{"usages": ["cert sign", "crl sign"], "expiry": "43800h",
            "ca_constraint": {{"is_ca": true, "max_path_len": 1}}}},
        "ca0": {{"usages": ["cert sign", "crl sign"], "expiry": "43800h",
            "ca_constraint": {{"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}}}},
        "ca_link": {{"usages": ["cert sign", "crl sign"], "expiry": "43800h",
            "ca_constraint": {{"is_ca": true}}}},
        "ca_names": {{"usages": ["cert sign", "crl sign"], "expiry": "43800h",
            "ca_constraint": {{"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}},
            "name_constraints": {{"permitted_dns": ["example.com"], "excluded_dns": ["bad.example.com"],
                "permitted_ip": ["10.0.0.0/8"], "excluded_ip": ["10.9.0.0/16"]}}}},
        "ca_dn_uri": {{"usages": ["cert sign", "crl sign"], "expiry": "43800h",
            "ca_constraint": {{"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}},
            "name_constraints": {{"permitted_dns": ["example.com"], "permitted_email": ["example.com"],
                "permitted_dn": [{{"C": "PT", "O": "Money App Test"}}],
                "excluded_dn": [{{"C": "PT", "O": "Money App Test", "OU": "Retired"}}],
                "permitted_uri": [".example.com"], "excluded_uri": ["bad.example.com"]}}}},
        "ca_policy": {{"usages": ["cert sign", "crl sign"], "expiry": "43800h",
            "ca_constraint": {{"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}},
            "policies": [{{"ID": "{P1}", "qualifiers": [{{"type": "id-qt-cps", "value": "http://cps.example"}}]}}],
            "policy_mappings": [{{"issuer_domain": "{P1}", "subject_domain": "{P2}"}}],
            "policy_constraints": {{"require_explicit_policy": 0, "inhibit_policy_mapping": 5}},
            "inhibit_any_policy": 1}},
        "client": {{"usages": ["digital signature", "client auth"], "expiry": "720h"}},
        "client_policy": {{"usages": ["digital signature", "client auth"], "expiry": "720h",
            "policies": [{{"ID": "{P2}"}}]}}
    }}}}}}"#
    );
    SigningConfig::from_json(json.as_bytes(), "lab profiles").expect("lab profiles")
}

/// A P-256 key made from a fixed scalar, so that every run (and every reproduction of
/// a finding) has the same keys, key identifiers and SubjectPublicKeyInfos.
fn fixed_key(index: u8) -> PrivateKey {
    // SEC1 ECPrivateKey { version 1, privateKey, [0] prime256v1 }.
    let mut der = vec![0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20];
    der.extend((0u8..32).map(|j| {
        if j == 0 {
            index.wrapping_add(1)
        } else {
            index.wrapping_mul(37).wrapping_add(j.wrapping_mul(11)) | 1
        }
    }));
    der.extend([
        0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ]);
    PrivateKey::from_sec1_der(&der, "fixed key").expect("fixed P-256 key")
}

fn signer(index: u8) -> KeySigner {
    KeySigner::new(fixed_key(index))
}

/// A chain: the anchor, and the certificates the peer presents, leaf first, each
/// followed by its issuer.
pub(crate) struct Chain {
    /// What the chain shows, for findings.
    pub(crate) name: &'static str,
    /// The root certificate.
    pub(crate) anchor: CertificateDer<'static>,
    /// The root as webpki's trust anchor.
    pub(crate) trust_anchor: TrustAnchor<'static>,
    /// certgate's verifier trusting the root.
    pub(crate) verifier: ChainVerifier,
    /// Leaf first, then the intermediates up to the root.
    pub(crate) certs: Vec<Vec<u8>>,
    /// `signers[i]` is the issuer key of `certs[i]`.
    pub(crate) signers: Vec<KeySigner>,
}

/// Builds the chains below one root: `key` numbers the keys (each a fixed one).
struct Builder {
    config: SigningConfig,
    next_key: u8,
    serial: u8,
}

/// A CA issuing with the key `key` under the certificate `der`.
fn ca_of(der: &[u8], key: u8) -> CertificateAuthority {
    let cert = CaCertificate::from_der(der, "lab CA").expect("lab CA certificate");
    CertificateAuthority::new(cert, Box::new(signer(key))).expect("lab CA")
}

impl Builder {
    fn key(&mut self) -> u8 {
        self.next_key = self.next_key.wrapping_add(1);
        self.next_key
    }

    fn profile(&self, name: &str) -> &SigningProfile {
        self.config.profile(name).expect("lab profile")
    }

    /// `issuer` (signing with key `issuer_key`) certifies a new key as `subject`.
    fn certify(
        &mut self,
        issuer: &CertificateAuthority,
        subject: &SubjectName,
        hosts: &[&str],
        profile: &str,
    ) -> (Vec<u8>, u8) {
        let key = self.key();
        let hosts: Vec<_> = hosts
            .iter()
            .enumerate()
            .filter_map(|(i, h)| classify_host("lab", i, h).expect("lab host"))
            .collect();
        let csr = CertificateRequest::create(&signer(key), subject, &hosts).expect("lab CSR");
        self.serial += 1;
        let cert = issuer
            .issue(&csr, self.profile(profile))
            .with_now(ISSUED)
            .with_serial(&[self.serial])
            .build()
            .expect("lab certificate");
        (cert.der().to_vec(), key)
    }

    /// A root named `cn` and its key number.
    fn root(&mut self, cn: &str) -> (Vec<u8>, u8) {
        let key = self.key();
        let csr = certgate_ca::cfssl::CsrJson::from_json(
            format!(r#"{{"CN": "{cn}", "names": [{{"C": "PT", "O": "Money App Test"}}]}}"#)
                .as_bytes(),
            "lab root",
        )
        .expect("lab root JSON");
        self.serial += 1;
        let root = RootCaBuilder::new(&csr, Box::new(signer(key)))
            .with_now(ISSUED)
            .with_serial(&[self.serial])
            .build()
            .expect("lab root");
        (root.certificate.der().to_vec(), key)
    }
}

fn device(cn: &str, ou: &str) -> SubjectName {
    SubjectName {
        country: vec!["PT".into()],
        organization: vec!["Money App Test".into()],
        organizational_unit: vec![ou.into()],
        ..SubjectName::with_common_name(cn)
    }
}

const HOSTS: &[&str] = &[
    "laptop.example.com",
    "10.0.0.5",
    "sam@example.com",
    "https://dev.example.com/laptop",
];

/// One chain: `links` are the CAs below the root as (name, profile), then the leaf
/// under `leaf_profile`.
fn chain(b: &mut Builder, name: &'static str, links: &[(&str, &str)], leaf_profile: &str) -> Chain {
    let (root, root_key) = b.root(&format!("{name} Root"));
    let (mut issuer_der, mut issuer_key) = (root.clone(), root_key);
    // Issuer first; reversed below.
    let mut certs = Vec::new();
    let mut signers = Vec::new();
    for (cn, profile) in links {
        let ca = ca_of(&issuer_der, issuer_key);
        let (der, key) = b.certify(&ca, &SubjectName::with_common_name(*cn), &[], profile);
        certs.push(der.clone());
        signers.push(signer(issuer_key));
        (issuer_der, issuer_key) = (der, key);
    }
    let ca = ca_of(&issuer_der, issuer_key);
    let (leaf, _) = b.certify(&ca, &device("laptop", "Devices"), HOSTS, leaf_profile);
    certs.push(leaf);
    signers.push(signer(issuer_key));
    certs.reverse();
    signers.reverse();
    let anchor = CertificateDer::from(root);
    let trust_anchor = webpki::anchor_from_trusted_cert(&anchor)
        .expect("lab anchor")
        .to_owned();
    let verifier = ChainVerifier::builder(vec![anchor.clone()])
        .with_check_time(verify_time())
        .with_link_cache(0)
        .build()
        .expect("lab verifier");
    Chain {
        name,
        anchor,
        trust_anchor,
        verifier,
        certs,
        signers,
    }
}

/// Every chain of the lab.
pub(crate) fn chains() -> Vec<Chain> {
    let mut b = Builder {
        config: config(),
        next_key: 0,
        serial: 0,
    };
    vec![
        // root → leaf.
        chain(&mut b, "Direct", &[], "client"),
        // root → intermediate → leaf.
        chain(&mut b, "Plain", &[("Plain Int", "ca")], "client"),
        // DNS and IP name constraints, which webpki enforces too.
        chain(&mut b, "Names", &[("Names Int", "ca_names")], "client"),
        // directoryName, URI and email name constraints (forms webpki refuses).
        chain(&mut b, "DnUri", &[("DnUri Int", "ca_dn_uri")], "client"),
        // A pathLen-0 CA, then a self-issued rollover link (the same name, a new key).
        chain(
            &mut b,
            "Rollover",
            &[("Roll Int", "ca0"), ("Roll Int", "ca_link")],
            "client",
        ),
        // Certificate policies, mappings, policyConstraints and inhibitAnyPolicy.
        chain(
            &mut b,
            "Policy",
            &[("Policy Int", "ca_policy")],
            "client_policy",
        ),
    ]
}
