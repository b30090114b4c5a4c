//! The revocation store: CRLs from certgate-ca and from Python's `cryptography`, checked
//! against their issuers once, looked up by issuer and serial, swapped at run time.

#![allow(clippy::unwrap_used)]

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, KeySigner, KeySpec, PrivateKey, RevokedEntry,
    RootCaBuilder,
};
use certgate_test_support::{require_python_module, run_ok};
use certgate_verify::{
    ClientCertInfo, ExpirationPolicy, RevocationStatus, RevocationStore, VerifyError,
};
use certgate_x509::{SerialRef, Timestamp};
use time::{Duration, OffsetDateTime};

struct Pki {
    root: CertificateAuthority,
    root_der: Vec<u8>,
    leaf_der: Vec<u8>,
    other_leaf_der: Vec<u8>,
}

fn pki() -> Pki {
    let csr = CsrJson::from_json(br#"{"CN": "CRL Root"}"#, "t").unwrap();
    let made = RootCaBuilder::new(
        &csr,
        Box::new(KeySigner::new(
            PrivateKey::generate(KeySpec::EcdsaP256).unwrap(),
        )),
    )
    .build()
    .unwrap();
    let config = SigningConfig::default();
    let leaf = |cn: &str, serial: u8| {
        let json = CsrJson::from_json(format!(r#"{{"CN": "{cn}"}}"#).as_bytes(), "t").unwrap();
        let (_, req) = CertificateRequest::generate(&json).unwrap();
        made.ca
            .issue(&req, config.default_profile())
            .with_serial(&[serial])
            .build()
            .unwrap()
            .der()
            .to_vec()
    };
    Pki {
        leaf_der: leaf("revoked", 0x42),
        other_leaf_der: leaf("good", 0x43),
        root_der: made.certificate.der().to_vec(),
        root: made.ca,
    }
}

fn now() -> u64 {
    u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

/// `seconds` after the epoch, as the store takes times.
fn ts(seconds: u64) -> Timestamp {
    Timestamp::from_unix_seconds(i64::try_from(seconds).unwrap())
}

fn lookup(store: &RevocationStore, cert: &[u8], at: u64) -> RevocationStatus {
    let info = ClientCertInfo::from_der(cert).unwrap();
    let serial = u8::from_str_radix(&info.serial_hex().unwrap(), 16).unwrap();
    store.status(
        info.issuer_der().unwrap(),
        sr(&[serial]),
        ts(at),
        ExpirationPolicy::Enforce,
    )
}

#[test]
fn certgate_crls_revoke_what_they_list() {
    let p = pki();
    let t = OffsetDateTime::now_utc();
    let crl = p
        .root
        .crl(3, t, t + Duration::days(1))
        .with_entry(RevokedEntry {
            serial: vec![0x42],
            revoked_at: t,
            reason: Some(certgate_ca::RevocationReason::KeyCompromise),
        })
        .build()
        .unwrap();
    let store = RevocationStore::builder([p.root_der.as_slice()])
        .unwrap()
        .with_crls(crl.to_pem().as_bytes(), "crl.pem")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(store.issuer_count(), 1);
    assert_eq!(
        lookup(&store, &p.leaf_der, now()),
        RevocationStatus::Revoked(Some(1))
    );
    assert_eq!(
        lookup(&store, &p.other_leaf_der, now()),
        RevocationStatus::Good
    );
    // Past nextUpdate the store says stale; with grace it still answers.
    let later = now() + 2 * 86_400;
    assert_eq!(
        lookup(&store, &p.other_leaf_der, later),
        RevocationStatus::Stale {
            next_update: Timestamp::from_unix_seconds((t + Duration::days(1)).unix_timestamp())
        }
    );
    let info = ClientCertInfo::from_der(&p.other_leaf_der).unwrap();
    let graced = store.status(
        info.issuer_der().unwrap(),
        sr(&[0x43]),
        ts(later),
        ExpirationPolicy::Grace(std::time::Duration::from_secs(3 * 86_400)),
    );
    assert_eq!(graced, RevocationStatus::Good);
    // Another issuer: unknown.
    assert_eq!(
        store.status(b"\x30\x00", sr(&[1]), ts(now()), ExpirationPolicy::Enforce),
        RevocationStatus::Unknown
    );
}

#[test]
fn the_newest_crl_wins_and_swaps_are_atomic() {
    let p = pki();
    let t = OffsetDateTime::now_utc();
    let old = p.root.crl(1, t, t + Duration::days(1)).build().unwrap();
    let new = p
        .root
        .crl(2, t, t + Duration::days(1))
        .with_entry(RevokedEntry {
            serial: vec![0x42],
            revoked_at: t,
            reason: None,
        })
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crl.pem");
    std::fs::write(&file, format!("{}{}", new.to_pem(), old.to_pem())).unwrap();
    let store = RevocationStore::builder([p.root_der.as_slice()])
        .unwrap()
        .with_crl_file(&file)
        .build()
        .unwrap();
    assert_eq!(
        lookup(&store, &p.leaf_der, now()),
        RevocationStatus::Revoked(None)
    );

    // Reload after the file changes: the new generation sees the new CRL.
    std::fs::write(&file, old.to_pem()).unwrap();
    let generation = store.generation();
    let shared = store.clone();
    store.reload().unwrap();
    assert!(shared.generation() > generation);
    assert_eq!(lookup(&shared, &p.leaf_der, now()), RevocationStatus::Good);
    // A broken file leaves the old set in place.
    std::fs::write(&file, "garbage").unwrap();
    assert!(store.reload().is_err());
    assert_eq!(lookup(&shared, &p.leaf_der, now()), RevocationStatus::Good);
}

#[test]
fn a_crl_from_an_unknown_issuer_or_with_a_bad_signature_is_refused() {
    let p = pki();
    let other = pki();
    let t = OffsetDateTime::now_utc();
    let crl = other.root.crl(1, t, t + Duration::days(1)).build().unwrap();
    // Same issuer name, another key: refused when read.
    let err = RevocationStore::builder([p.root_der.as_slice()])
        .unwrap()
        .with_crls(crl.der(), "other.crl")
        .unwrap_err();
    assert!(matches!(err, VerifyError::CrlIssuer { .. }), "{err}");
    assert!(err.to_string().contains("other.crl"), "{err}");
    let mut der = p
        .root
        .crl(1, t, t + Duration::days(1))
        .build()
        .unwrap()
        .der()
        .to_vec();
    let n = der.len();
    der[n - 3] ^= 1;
    let err = RevocationStore::builder([p.root_der.as_slice()])
        .unwrap()
        .with_crls(&der, "tampered.crl")
        .unwrap_err();
    assert!(
        err.to_string().contains("does not verify") || err.to_string().contains("malformed"),
        "{err}"
    );
    let err = RevocationStore::builder([p.root_der.as_slice()])
        .unwrap()
        .with_crls(b"hello", "x.pem")
        .unwrap_err();
    assert!(err.to_string().contains("x.pem"), "{err}");
}

#[test]
fn python_made_crls_load_and_one_without_a_crl_number_is_refused() {
    if !require_python_module("cryptography") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "py CA")])
now = datetime.datetime.now(datetime.timezone.utc)
ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
      .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
      .add_extension(ski, critical=False).sign(key, hashes.SHA256()))
open("ca.der", "wb").write(ca.public_bytes(serialization.Encoding.DER))
for with_number in (True, False):
    b = (x509.CertificateRevocationListBuilder().issuer_name(name).last_update(now)
         .next_update(now + datetime.timedelta(days=1))
         .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(0x1234).revocation_date(now).build())
         .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(2**150 + 5).revocation_date(now).build())
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False))
    if with_number:
        b = b.add_extension(x509.CRLNumber(9), critical=False)
    crl = b.sign(key, hashes.SHA256())
    open("with.crl" if with_number else "without.crl", "wb").write(crl.public_bytes(serialization.Encoding.DER))
"#;
    run_ok("python3", &["-c", script], dir.path());
    let ca = std::fs::read(dir.path().join("ca.der")).unwrap();
    let with = std::fs::read(dir.path().join("with.crl")).unwrap();
    let store = RevocationStore::builder([ca.as_slice()])
        .unwrap()
        .with_crls(&with, "with.crl")
        .unwrap()
        .build()
        .unwrap();
    let issuer = ClientCertInfo::from_der(&ca)
        .unwrap()
        .subject_der()
        .unwrap()
        .to_vec();
    assert_eq!(
        store.status(
            &issuer,
            sr(&[0x12, 0x34]),
            ts(now()),
            ExpirationPolicy::Enforce
        ),
        RevocationStatus::Revoked(None)
    );
    // A serial is an INTEGER: a padded encoding is not one at all.
    assert!(SerialRef::from_der_content(&[0x00, 0x12, 0x34]).is_err());
    assert_eq!(
        store.status(
            &issuer,
            sr(&[0x12, 0x35]),
            ts(now()),
            ExpirationPolicy::Enforce
        ),
        RevocationStatus::Good
    );
    let mut big = vec![0u8; 19];
    big[0] = 0x40;
    big[18] = 5;
    assert_eq!(
        store.status(&issuer, sr(&big), ts(now()), ExpirationPolicy::Enforce),
        RevocationStatus::Revoked(None)
    );

    let without = std::fs::read(dir.path().join("without.crl")).unwrap();
    let err = RevocationStore::builder([ca.as_slice()])
        .unwrap()
        .with_crls(&without, "without.crl")
        .unwrap_err();
    assert!(err.to_string().contains("no CRL Number"), "{err}");
}

#[test]
fn a_watcher_reloads_changed_files_and_keeps_the_old_crls_on_errors() {
    let p = pki();
    let t = OffsetDateTime::now_utc();
    let clean = p.root.crl(1, t, t + Duration::days(1)).build().unwrap();
    let revoking = p
        .root
        .crl(2, t, t + Duration::days(1))
        .with_entry(RevokedEntry {
            serial: vec![0x42],
            revoked_at: t,
            reason: Some(certgate_ca::RevocationReason::KeyCompromise),
        })
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crl.pem");
    std::fs::write(&file, clean.to_pem()).unwrap();
    let store = RevocationStore::builder([p.root_der.as_slice()])
        .unwrap()
        .with_crl_file(&file)
        .build()
        .unwrap();
    let watcher = store.watch(std::time::Duration::from_millis(20)).unwrap();
    assert_eq!(lookup(&store, &p.leaf_der, now()), RevocationStatus::Good);

    let wait_for = |done: &dyn Fn() -> bool| {
        let start = std::time::Instant::now();
        while !done() {
            assert!(
                start.elapsed().as_secs() < 20,
                "the watcher did not react: {:?} {:?} {} {}",
                lookup(&store, &p.leaf_der, now()),
                watcher.last_error(),
                watcher.reloads(),
                store.generation()
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    };
    // Written to a temporary file and renamed, as a CA publishing CRLs should.
    let tmp = dir.path().join("crl.pem.tmp");
    std::fs::write(&tmp, revoking.to_pem()).unwrap();
    std::fs::rename(&tmp, &file).unwrap();
    wait_for(&|| lookup(&store, &p.leaf_der, now()) == RevocationStatus::Revoked(Some(1)));
    assert_eq!(watcher.reloads(), 1);
    assert_eq!(store.revoked_count(), 1);

    std::fs::write(&file, "-----BEGIN X509 CRL-----\ngarbage\n").unwrap();
    wait_for(&|| watcher.last_error().is_some());
    assert!(
        watcher.last_error().unwrap().contains("crl.pem"),
        "{:?}",
        watcher.last_error()
    );
    assert_eq!(
        lookup(&store, &p.leaf_der, now()),
        RevocationStatus::Revoked(Some(1)),
        "a bad file keeps the old CRLs"
    );
    drop(watcher);

    let bytes_only = RevocationStore::builder([p.root_der.as_slice()])
        .unwrap()
        .with_crls(clean.der(), "bytes")
        .unwrap()
        .build()
        .unwrap();
    assert!(bytes_only.watch(std::time::Duration::from_secs(1)).is_err());
}

fn sr(bytes: &[u8]) -> SerialRef<'_> {
    SerialRef::from_der_content(bytes).unwrap()
}
