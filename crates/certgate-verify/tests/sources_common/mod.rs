//! What the revocation-source tests share: a root with one device (serial 0x42), its
//! CRLs, and the device's status in a store.

#![allow(clippy::unwrap_used, dead_code)]

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, KeySigner, KeySpec, PrivateKey, RevokedEntry,
    RootCaBuilder,
};
use certgate_verify::{ClientCertInfo, ExpirationPolicy, RevocationStatus, RevocationStore};
use certgate_x509::{SerialRef, Timestamp};
use time::{Duration, OffsetDateTime};

pub(crate) struct Pki {
    pub(crate) root: CertificateAuthority,
    pub(crate) root_der: Vec<u8>,
    /// A device with serial 0x42.
    pub(crate) leaf_der: Vec<u8>,
}

pub(crate) fn pki(cn: &str) -> Pki {
    let csr = CsrJson::from_json(format!(r#"{{"CN": "{cn}"}}"#).as_bytes(), "t").unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .build()
        .unwrap();
    let json = CsrJson::from_json(br#"{"CN": "device"}"#, "t").unwrap();
    let (_, req) = CertificateRequest::generate(&json).unwrap();
    let leaf = made
        .ca
        .issue(&req, SigningConfig::default().default_profile())
        .with_serial(&[0x42])
        .build()
        .unwrap();
    Pki {
        leaf_der: leaf.der().to_vec(),
        root_der: made.certificate.der().to_vec(),
        root: made.ca,
    }
}

/// A CRL of `ca` numbered `number`, revoking 0x42 when `revoke`, as DER.
pub(crate) fn crl(ca: &CertificateAuthority, number: u64, revoke: bool) -> Vec<u8> {
    let t = OffsetDateTime::now_utc();
    let mut builder = ca.crl(number, t - Duration::minutes(1), t + Duration::days(1));
    if revoke {
        builder = builder.with_entry(RevokedEntry {
            serial: vec![0x42],
            revoked_at: t - Duration::minutes(1),
            reason: None,
        });
    }
    builder.build().unwrap().der().to_vec()
}

pub(crate) fn now() -> u64 {
    u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

pub(crate) fn status(store: &RevocationStore, p: &Pki) -> RevocationStatus {
    let info = ClientCertInfo::from_der(&p.leaf_der).unwrap();
    store.status(
        info.issuer_der().unwrap(),
        SerialRef::from_der_content(&[0x42]).unwrap(),
        Timestamp::from_unix_seconds(OffsetDateTime::now_utc().unix_timestamp()),
        ExpirationPolicy::Enforce,
    )
}

pub(crate) fn empty_store(p: &Pki) -> RevocationStore {
    RevocationStore::builder([p.root_der.as_slice()])
        .unwrap()
        .build()
        .unwrap()
}
