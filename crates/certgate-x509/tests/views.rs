//! certgate-x509's views read what certgate-ca writes: certificates, CRLs and requests
//! made here at test time (fixed clock, fixed serials), each field checked against what
//! was asked for; fingerprints against sha2 directly; and properties of the reader
//! (never a panic on any input or on a mutated real one) and of serials (parse and
//! format round trip).

#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::sync::OnceLock;

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, IssuedCertificate, KeySigner, KeySpec, PrivateKey,
    RevocationReason, RevokedEntry as CaRevokedEntry, RootCaBuilder,
};
use certgate_x509::oid::ext;
use certgate_x509::{
    CertView, CertificateInfo, CrlView, CsrView, KeyId, KeyPurpose, KeyUsageBit, ReasonCode,
    SanEntry, Serial, Sha1Fingerprint, Sha256Fingerprint, Timestamp, general_names, pem,
};
use proptest::prelude::*;
use sha2::Digest as _;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The fixed clock every test issues at.
const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

const PROFILES: &str = r#"{"signing": {"profiles": {
  "client": {"usages": ["digital signature", "client auth"], "expiry": "720h"},
  "intermediate": {"usages": ["cert sign", "crl sign"], "expiry": "8760h",
                   "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}}}}}"#;

const HOSTS: &str =
    r#""dev.example.com", "10.0.0.1", "sam@example.com", "spiffe://example.com/dev""#;

fn timestamp(t: OffsetDateTime) -> Timestamp {
    Timestamp::from_unix_seconds(t.unix_timestamp())
}

struct Pki {
    root: CertificateAuthority,
    root_cert: IssuedCertificate,
    request: CertificateRequest,
    leaf: IssuedCertificate,
    intermediate: IssuedCertificate,
}

/// A root (serial 01), a device's request and its certificate (serial 00 80 01: a sign
/// octet), and an intermediate (serial 02), made once.
fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let csr = CsrJson::from_json(
            br#"{"CN": "Views Root", "names": [{"C": "PT", "O": "certgate tests"}]}"#,
            "root.json",
        )
        .unwrap();
        let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
            .with_now(NOW)
            .with_serial(&[1])
            .build()
            .unwrap();
        let json = CsrJson::from_json(
            format!(
                r#"{{"CN": "sam-iphone", "hosts": [{HOSTS}],
                    "names": [{{"O": "Money App", "OU": "Devices"}}, {{"OU": "Phones"}}]}}"#
            )
            .as_bytes(),
            "client.json",
        )
        .unwrap();
        let (_, request) = CertificateRequest::generate(&json).unwrap();
        let config = SigningConfig::from_json(PROFILES.as_bytes(), "profiles").unwrap();
        let leaf = made
            .ca
            .issue(&request, config.profile("client").unwrap())
            .with_now(NOW)
            .with_serial(&[0x80, 0x01])
            .build()
            .unwrap();
        let ica_json = CsrJson::from_json(br#"{"CN": "Views Issuing CA"}"#, "ica.json").unwrap();
        let (_, ica_request) = CertificateRequest::generate(&ica_json).unwrap();
        let intermediate = made
            .ca
            .issue(&ica_request, config.profile("intermediate").unwrap())
            .with_now(NOW)
            .with_serial(&[2])
            .build()
            .unwrap();
        Pki {
            root: made.ca,
            root_cert: made.certificate,
            request,
            leaf,
            intermediate,
        }
    })
}

fn expected_sans() -> Vec<SanEntry> {
    vec![
        SanEntry::Dns("dev.example.com".into()),
        SanEntry::Email("sam@example.com".into()),
        SanEntry::Uri("spiffe://example.com/dev".into()),
        SanEntry::Ip(IpAddr::from([10, 0, 0, 1])),
    ]
}

fn sorted(mut v: Vec<SanEntry>) -> Vec<String> {
    v.sort_by_key(ToString::to_string);
    v.iter().map(ToString::to_string).collect()
}

#[test]
fn cert_view_reads_every_field_certgate_ca_wrote() {
    let pki = pki();
    let root = CertView::parse(pki.root_cert.der()).unwrap();
    let leaf = CertView::parse(pki.leaf.der()).unwrap();

    assert_eq!(leaf.der, pki.leaf.der());
    assert_eq!(leaf.version, 2);
    assert_eq!(leaf.serial.as_bytes(), [0x00, 0x80, 0x01]);
    assert_eq!(leaf.serial.to_hex(), "8001");
    assert_eq!(leaf.serial.to_decimal(), "32769");
    assert_eq!(leaf.serial, pki.leaf.serial());
    assert_eq!(leaf.issuer.der(), root.subject.der());
    assert_eq!(
        root.subject.to_rfc4514(),
        "CN=Views Root,O=certgate tests,C=PT"
    );
    assert_eq!(
        leaf.subject.to_rfc4514(),
        "CN=sam-iphone,OU=Phones,OU=Devices,O=Money App"
    );
    assert_eq!(leaf.subject.common_name().as_deref(), Some("sam-iphone"));
    assert_eq!(leaf.not_before, timestamp(pki.leaf.not_before()));
    assert_eq!(leaf.not_after, timestamp(pki.leaf.not_after()));
    assert_eq!(leaf.not_before.to_string(), "2026-06-01T11:55:00Z");
    assert_eq!(leaf.not_after.to_string(), "2026-07-01T11:55:00Z");
    assert_eq!(leaf.spki, pki.request.public_key_der());
    assert_eq!(leaf.tbs_signature_algorithm, leaf.signature_algorithm);
    assert!(!leaf.signature.is_empty());
    assert!(leaf.issuer_unique_id.is_none() && leaf.subject_unique_id.is_none());

    // Extensions, each as certgate-ca wrote it.
    assert!(!leaf.is_ca());
    let ku = leaf.key_usage().unwrap().unwrap();
    assert!(ku.contains(KeyUsageBit::DigitalSignature));
    assert!(!ku.contains(KeyUsageBit::KeyCertSign));
    let purposes = leaf.key_purposes().unwrap().unwrap();
    assert_eq!(purposes, [KeyPurpose::ClientAuth.oid()]);
    assert_eq!(
        KeyPurpose::from_oid(purposes[0]),
        Some(KeyPurpose::ClientAuth)
    );
    let root_ski = root.subject_key_id().unwrap().unwrap();
    assert_eq!(root_ski, pki.root.certificate().key_id());
    let aki = leaf.authority_key_id().unwrap().unwrap();
    assert_eq!(aki.key_id, Some(root_ski));
    assert_eq!(
        KeyId(root_ski).to_colon_hex().len(),
        root_ski.len() * 3 - 1,
        "colon hex"
    );
    let sans = leaf
        .subject_alt_names()
        .unwrap()
        .iter()
        .filter_map(SanEntry::from_general_name)
        .collect();
    assert_eq!(sorted(sans), sorted(expected_sans()));
    assert!(leaf.crl_distribution_point_names().unwrap().is_empty());
    assert!(!leaf.self_issued());

    // The root and the intermediate: CAs, with the path lengths asked for.
    assert!(root.self_issued() && root.is_ca());
    assert!(
        root.key_usage()
            .unwrap()
            .unwrap()
            .contains(KeyUsageBit::KeyCertSign)
    );
    let ica = CertView::parse(pki.intermediate.der()).unwrap();
    let bc = ica.basic_constraints().unwrap().unwrap();
    assert!(bc.ca);
    assert_eq!(bc.path_len, Some(0));
    assert!(
        ica.key_usage()
            .unwrap()
            .unwrap()
            .contains(KeyUsageBit::CrlSign)
    );
}

#[test]
fn certificate_info_and_fingerprints() {
    let pki = pki();
    let der = pki.leaf.der();
    let info = CertificateInfo::from_der(der).unwrap();
    let view = CertView::parse(der).unwrap();
    assert_eq!(info.der(), der);
    assert_eq!(info.serial(), view.serial);
    assert_eq!(info.subject().der(), view.subject.der());
    assert_eq!(info.issuer().der(), view.issuer.der());
    assert_eq!(info.common_name().as_deref(), Some("sam-iphone"));
    assert_eq!(sorted(info.sans().to_vec()), sorted(expected_sans()));
    assert_eq!(info.spki_der(), view.spki);
    assert_eq!(info.subject_key_id(), view.subject_key_id().unwrap());
    assert_eq!(
        info.authority_key_id(),
        Some(pki.root.certificate().key_id())
    );
    assert_eq!(
        info.key_purposes().collect::<Vec<_>>(),
        [KeyPurpose::ClientAuth.oid()]
    );
    assert!(
        info.key_usage()
            .unwrap()
            .contains(KeyUsageBit::DigitalSignature)
    );
    assert!(!info.is_ca());
    assert_eq!(info.not_before(), view.not_before);
    assert_eq!(info.not_after(), view.not_after);
    // ecdsa-with-SHA256, 1.2.840.10045.4.3.2.
    assert_eq!(
        info.signature_algorithm_oid(),
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]
    );

    // Fingerprints: SHA-256 and SHA-1 of the DER, SHA-256 of the SPKI (the pin).
    let sha256: [u8; 32] = sha2::Sha256::digest(der).into();
    assert_eq!(info.fingerprint_sha256(), Sha256Fingerprint(sha256));
    assert_eq!(info.fingerprint_sha256(), Sha256Fingerprint::of(der));
    assert_eq!(info.fingerprint_sha256().to_hex().len(), 64);
    assert_eq!(
        info.fingerprint_sha256().to_hex(),
        sha256
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    assert_eq!(info.fingerprint_sha1(), Sha1Fingerprint::of(der));
    assert_eq!(info.fingerprint_sha1().to_hex().len(), 40);
    assert_ne!(info.fingerprint_sha1().0[..], sha256[..20]);
    let pin: [u8; 32] = sha2::Sha256::digest(view.spki).into();
    assert_eq!(info.spki_sha256(), Sha256Fingerprint(pin));

    // The same from PEM.
    let block = pem::first_labelled(pki.leaf.to_pem().as_bytes(), &["CERTIFICATE"]).unwrap();
    assert_eq!(block.der, der);
}

#[test]
fn crl_view_reads_every_field_certgate_ca_wrote() {
    let pki = pki();
    let crl = pki
        .root
        .crl(7, NOW, NOW + Duration::days(7))
        .with_entry(CaRevokedEntry {
            serial: vec![0x80, 0x01],
            revoked_at: NOW - Duration::hours(1),
            reason: Some(RevocationReason::KeyCompromise),
        })
        .with_entry(CaRevokedEntry {
            serial: vec![0x05],
            revoked_at: NOW - Duration::hours(2),
            reason: None,
        })
        .build()
        .unwrap();
    let view = CrlView::parse(crl.der()).unwrap();
    let root = CertView::parse(pki.root_cert.der()).unwrap();
    assert_eq!(view.version, 1);
    assert_eq!(view.issuer.der(), root.subject.der());
    assert_eq!(view.this_update, timestamp(NOW));
    assert_eq!(view.next_update, Some(timestamp(NOW + Duration::days(7))));
    assert_eq!(view.crl_number().unwrap(), Some(&[7u8][..]));
    assert_eq!(
        view.authority_key_id().unwrap(),
        Some(pki.root.certificate().key_id())
    );
    assert!(view.issuing_distribution_point().unwrap().is_none());
    assert!(!view.has_no_entries());
    assert_eq!(view.entry_count().unwrap(), 2);
    let mut entries: Vec<_> = view.entries().map(Result::unwrap).collect();
    entries.sort_by_key(|e| e.serial.to_hex());
    assert_eq!(entries[0].serial.to_hex(), "05");
    assert_eq!(entries[0].revoked_at, timestamp(NOW - Duration::hours(2)));
    assert_eq!(entries[0].reason, None);
    // The revoked leaf: the CRL names it with the octets its certificate carries.
    assert_eq!(entries[1].serial, pki.leaf.serial());
    assert_eq!(entries[1].revoked_at, timestamp(NOW - Duration::hours(1)));
    assert_eq!(entries[1].reason, Some(ReasonCode::KeyCompromise));
    assert!(entries.iter().all(|e| e.invalidity_date.is_none()
        && !e.has_certificate_issuer
        && e.unknown_critical.is_none()));
    assert!(!view.signature.is_empty());
    assert_eq!(view.tbs_signature_algorithm, view.signature_algorithm);

    let empty = pki
        .root
        .crl(8, NOW, NOW + Duration::days(1))
        .build()
        .unwrap();
    let empty = CrlView::parse(empty.der()).unwrap();
    assert!(empty.has_no_entries());
    assert_eq!(empty.entry_count().unwrap(), 0);
    assert_eq!(empty.crl_number().unwrap(), Some(&[8u8][..]));
}

#[test]
fn csr_view_reads_every_field_certgate_ca_wrote() {
    let pki = pki();
    let view = CsrView::parse(pki.request.der()).unwrap();
    assert_eq!(
        view.subject.to_rfc4514(),
        "CN=sam-iphone,OU=Phones,OU=Devices,O=Money App"
    );
    assert_eq!(
        view.subject.to_rfc2253(),
        "CN=sam-iphone,OU=Phones,OU=Devices,O=Money App"
    );
    assert_eq!(view.spki, pki.request.public_key_der());
    assert!(!view.signature.is_empty() && !view.signature_algorithm.is_empty());
    // One attribute, the extensionRequest, whose extensions carry the SANs asked for.
    let attributes: Vec<_> = view.attributes().collect();
    assert_eq!(attributes.len(), 1);
    assert_eq!(attributes[0].0, ext::EXTENSION_REQUEST);
    let san = view.extensions.get(ext::SUBJECT_ALT_NAME).unwrap();
    let sans = general_names(san.value)
        .unwrap()
        .iter()
        .filter_map(SanEntry::from_general_name)
        .collect();
    assert_eq!(sorted(sans), sorted(expected_sans()));
    // The certificate issued for it has the request's subject, octet for octet.
    let leaf = CertView::parse(pki.leaf.der()).unwrap();
    assert_eq!(leaf.subject.der(), view.subject.der());
}

#[test]
fn views_refuse_each_others_structures() {
    let pki = pki();
    assert!(CertView::parse(pki.request.der()).is_err());
    assert!(CsrView::parse(pki.leaf.der()).is_err());
    assert!(CrlView::parse(pki.leaf.der()).is_err());
    // Trailing data after the certificate is not DER.
    let mut trailing = pki.leaf.der().to_vec();
    trailing.push(0);
    assert!(CertView::parse(&trailing).is_err());
    assert!(CertificateInfo::from_der(&trailing).is_err());
}

/// Reads `data` with every view; only whether each returns matters (no panic).
fn read_all(data: &[u8]) {
    if let Ok(v) = CertView::parse(data) {
        let _ = (v.basic_constraints(), v.key_usage(), v.key_purposes());
        let _ = (
            v.subject_key_id(),
            v.authority_key_id(),
            v.subject_alt_names(),
        );
        let _ = (v.crl_distribution_point_names(), v.public_key());
        let _ = (v.subject.to_rfc4514(), v.issuer.to_rfc2253());
    }
    let _ = CertificateInfo::from_der(data);
    if let Ok(v) = CrlView::parse(data) {
        let _ = (
            v.crl_number(),
            v.authority_key_id(),
            v.issuing_distribution_point(),
        );
        let _ = v.entries().count();
    }
    if let Ok(v) = CsrView::parse(data) {
        let _ = v.attributes().count();
        let _ = v.subject.to_rfc4514();
    }
    let _ = pem::first_labelled(data, &["CERTIFICATE"]);
}

proptest! {
    #[test]
    fn the_reader_never_panics_on_any_input(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        read_all(&data);
    }

    #[test]
    fn the_reader_never_panics_on_a_mutated_real_input(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
        cut in any::<usize>(),
    ) {
        let pki = pki();
        let crl = pki.root.crl(1, NOW, NOW + Duration::days(1)).build().unwrap();
        let mut data = match which {
            0 => pki.leaf.der().to_vec(),
            1 => pki.request.der().to_vec(),
            2 => crl.der().to_vec(),
            _ => pki.intermediate.der().to_vec(),
        };
        for (at, value) in edits {
            let at = at % data.len();
            data[at] = value;
        }
        read_all(&data);
        data.truncate(cut % (data.len() + 1));
        read_all(&data);
    }

    #[test]
    fn serials_round_trip_through_hex_and_decimal(
        magnitude in proptest::collection::vec(any::<u8>(), 1..=20),
    ) {
        let serial = Serial::from_magnitude(&magnitude);
        let hex = serial.as_ref().to_hex();
        prop_assert_eq!(Serial::parse(&hex, false).unwrap(), serial.clone());
        prop_assert_eq!(Serial::parse(&format!("0x{hex}"), false).unwrap(), serial.clone());
        let decimal = serial.as_ref().to_decimal();
        prop_assert_eq!(Serial::parse(&decimal, true).unwrap(), serial.clone());
        // The DER content octets read back as the same serial.
        prop_assert_eq!(Serial::from_der_content(serial.as_ref().as_bytes()).unwrap(), serial.clone());
        prop_assert!(!serial.as_ref().is_negative());
        let trimmed: Vec<u8> = magnitude.iter().copied().skip_while(|b| *b == 0).collect();
        prop_assert_eq!(serial.as_ref().magnitude().unwrap(), if trimmed.is_empty() { &[0u8][..] } else { &trimmed[..] });
    }
}
