//! Shared helpers for certgate-db's tests: a test PKI with a fixed clock and fixed
//! serials, and one fresh database per test on each backend.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use certgate_ca::cfssl::{SigningConfig, SigningProfile};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, IssuedCertificate, KeySigner, KeySpec, PrivateKey,
    RootCaBuilder, SubjectName,
};
use certgate_db::{CertStore, DbUrl, NewCertificate};
use time::OffsetDateTime;
use time::macros::datetime;

/// The fixed clock of the test PKI.
pub const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

/// A root CA named `cn`, fixed serial, at [`NOW`].
pub fn root(cn: &str) -> CertificateAuthority {
    let json = format!(r#"{{"CN": "{cn}", "key": {{"algo": "ecdsa", "size": 256}}}}"#);
    let csr = certgate_ca::cfssl::CsrJson::from_json(json.as_bytes(), "test csr").unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .with_now(NOW)
        .with_serial(&[0x01])
        .build()
        .unwrap()
        .ca
}

/// The client profile.
pub fn client_profile() -> SigningProfile {
    let config = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"client": {"usages": ["signing", "client auth"], "expiry": "8760h"}}}}"#,
        "test config",
    )
    .unwrap();
    config.profile("client").unwrap().clone()
}

/// A device request, with a key made once per call.
pub fn request(cn: &str) -> CertificateRequest {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    CertificateRequest::create(
        &KeySigner::new(key),
        &SubjectName::with_common_name(cn),
        &[],
    )
    .unwrap()
}

/// Issues `request` with serial `serial` (magnitude octets) at [`NOW`].
pub fn issue(
    ca: &CertificateAuthority,
    request: &CertificateRequest,
    serial: &[u8],
) -> IssuedCertificate {
    ca.issue(request, &client_profile())
        .with_now(NOW)
        .with_serial(serial)
        .build()
        .unwrap()
}

/// A record of `cert`, issued under the client profile at [`NOW`].
pub fn record_of(cert: &IssuedCertificate) -> NewCertificate {
    NewCertificate::from_der(cert.der(), Some("client"))
        .unwrap()
        .with_issued_at(ts(NOW))
}

/// The test clock as certgate-x509's time.
pub fn ts(t: OffsetDateTime) -> certgate_x509::Timestamp {
    certgate_x509::Timestamp::from_unix_seconds(t.unix_timestamp())
}

/// A fresh database on one backend; the temporary directory lives as long as it.
pub struct TestDb {
    pub name: &'static str,
    pub url: DbUrl,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh SQLite database file and, when a PostgreSQL server is configured, a fresh
/// PostgreSQL database (under CI, a missing server fails the test).
pub fn backends(test: &str) -> Vec<TestDb> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![TestDb {
        name: "sqlite",
        url: DbUrl::Sqlite(dir.path().join("certs.db")),
        _dir: Some(dir),
    }];
    if let Some(url) = certgate_test_support::postgres_database(test) {
        out.push(TestDb {
            name: "postgres",
            url: DbUrl::parse(&url).unwrap(),
            _dir: None,
        });
    }
    out
}

/// Opens `db`, migrating it.
pub async fn store(db: &TestDb) -> CertStore {
    CertStore::open_and_migrate(&db.url).await.unwrap()
}
