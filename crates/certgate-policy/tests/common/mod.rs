//! A test PKI made in the test with certgate-ca (fixed serials and clock), and
//! certificates run through certgate-verify's `ChainVerifier`, as a server would.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, KeySigner, PrivateKey, RevokedEntry, RootCaBuilder,
};
use certgate_policy::{PolicyConfig, PolicySet};
use certgate_verify::{ChainVerifier, ClientCertInfo, RevocationPolicy, RevocationStore, Usage};
use rustls_pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use time::macros::datetime;

/// The tests' clock.
pub const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

/// [`NOW`] in seconds since the Unix epoch.
pub fn now() -> u64 {
    u64::try_from(NOW.unix_timestamp()).unwrap()
}

const CONFIG: &str = r#"{"signing": {"profiles": {
  "client": {"usages": ["digital signature", "client auth"], "expiry": "720h"}}}}"#;

/// The seed's root: "Sam Money App", Money App Test, Sam Projects, Lisboa, PT.
pub const ROOT_CSR: &str = r#"{"CN": "Sam Money App", "key": {"algo": "ecdsa", "size": 256},
  "names": [{"C": "PT", "L": "Lisboa", "O": "Money App Test", "OU": "Sam Projects", "ST": "Lisboa"}]}"#;

/// A root CA and a verifier that trusts it.
pub struct Pki {
    pub ca: CertificateAuthority,
    pub root: CertificateDer<'static>,
}

fn signer() -> KeySigner {
    KeySigner::new(PrivateKey::generate(certgate_ca::KeySpec::EcdsaP256).unwrap())
}

/// A self-signed root with this CSR JSON (serial 1).
fn root(csr_json: &str) -> (CertificateAuthority, CertificateDer<'static>) {
    let csr = CsrJson::from_json(csr_json.as_bytes(), "root").unwrap();
    let root = RootCaBuilder::new(&csr, Box::new(signer()))
        .with_now(NOW)
        .with_serial(&[1])
        .build()
        .unwrap();
    (
        root.ca,
        CertificateDer::from(root.certificate.der().to_vec()),
    )
}

impl Pki {
    /// The seed's root CA.
    pub fn new() -> Self {
        let (ca, root) = root(ROOT_CSR);
        Self { ca, root }
    }

    /// A client certificate from cfssl CSR JSON, with this serial.
    pub fn leaf(&self, csr_json: &str, serial: &[u8]) -> CertificateDer<'static> {
        let csr = CsrJson::from_json(csr_json.as_bytes(), "client").unwrap();
        let (_key, request) = CertificateRequest::generate(&csr).unwrap();
        let config = SigningConfig::from_json(CONFIG.as_bytes(), "config").unwrap();
        let cert = self
            .ca
            .issue(&request, config.profile("client").unwrap())
            .with_now(NOW)
            .with_serial(serial)
            .build()
            .unwrap();
        CertificateDer::from(cert.der().to_vec())
    }

    /// A client certificate with this common name.
    pub fn leaf_cn(&self, cn: &str, serial: u8) -> CertificateDer<'static> {
        self.leaf(&format!(r#"{{"CN": "{cn}"}}"#), &[serial])
    }

    /// What a server's verifier says about `leaf` at [`NOW`], with a CRL of the root that
    /// lists `revoked` serials.
    pub fn verify(&self, leaf: &CertificateDer<'static>, revoked: &[u8]) -> ClientCertInfo {
        let mut builder = ChainVerifier::builder(vec![self.root.clone()]);
        if !revoked.is_empty() {
            let crl = self
                .ca
                .crl(
                    1,
                    NOW - time::Duration::hours(1),
                    NOW + time::Duration::days(7),
                )
                .with_entries(revoked.iter().map(|s| RevokedEntry {
                    serial: vec![*s],
                    revoked_at: NOW - time::Duration::hours(1),
                    reason: None,
                }))
                .build()
                .unwrap();
            let store = RevocationStore::builder([self.root.as_ref()])
                .unwrap()
                .with_crls(crl.der(), "crl")
                .unwrap()
                .build()
                .unwrap();
            builder = builder.with_revocation(store, RevocationPolicy::default());
        }
        let verifier = builder.build().unwrap();
        verifier.verify_presented(
            Some(std::slice::from_ref(leaf)),
            &Usage::client_auth(),
            None,
            at(NOW),
        )
    }

    /// `leaf` verified, not revoked.
    pub fn valid(&self, leaf: &CertificateDer<'static>) -> ClientCertInfo {
        let info = self.verify(leaf, &[]);
        assert!(info.verified(), "{:?}", info.verdict());
        info
    }
}

/// A self-signed certificate with this common name, verified against the seed's root
/// (and so refused).
pub fn impostor(pki: &Pki, cn: &str) -> ClientCertInfo {
    let (_, cert) = root(&format!(r#"{{"CN": "{cn}"}}"#));
    pki.verify(&cert, &[])
}

/// A client certificate with this common name from a forged root with the seed root's
/// very name, verified against the real root (and so refused: its signature does not verify).
pub fn forged(pki: &Pki, cn: &str) -> ClientCertInfo {
    let (ca, root) = root(ROOT_CSR);
    let forger = Pki { ca, root };
    pki.verify(&forger.leaf_cn(cn, 66), &[])
}

fn at(t: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(t.unix_timestamp()).unwrap(),
    ))
}

/// A policy set from TOML.
pub fn toml(text: &str) -> PolicySet {
    PolicySet::new(PolicyConfig::from_toml(text, "test.toml").unwrap()).unwrap()
}
