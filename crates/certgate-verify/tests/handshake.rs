//! Real rustls handshakes in process: the verifier in a `ServerConfig`, every mode and
//! every failure reason, with the alert the client receives or the reason reported.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use certgate_ca::RevokedEntry;
use certgate_verify::{
    AnchorError, ClientVerifier, FailureReason, RevocationPolicy, RevocationStore, Rfc5280Rules,
    Rfc5280Violation, UnknownStatusPolicy, VerifyError, VerifyMode,
};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::{AlertDescription, ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use time::{Duration, OffsetDateTime};

mod common;

use common::{Ca, ca, client_config, issue, provider};

fn server_config(verifier: ClientVerifier, server_ca: &Ca) -> Arc<ServerConfig> {
    let (chain, key) = issue(server_ca, "localhost", r#""localhost""#, "server", 1);
    Arc::new(
        ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(chain, key)
            .unwrap(),
    )
}

/// Runs a handshake in memory. Returns the server connection and, on failure, the
/// alert the client received.
fn handshake(
    server: &Arc<ServerConfig>,
    client: &Arc<ClientConfig>,
) -> (ServerConnection, Result<(), Option<AlertDescription>>) {
    let mut c = ClientConnection::new(Arc::clone(client), "localhost".try_into().unwrap()).unwrap();
    let mut s = ServerConnection::new(Arc::clone(server)).unwrap();
    for _ in 0..20 {
        let mut buf = Vec::new();
        while c.wants_write() {
            c.write_tls(&mut buf).unwrap();
        }
        s.read_tls(&mut buf.as_slice()).unwrap();
        let server_result = s.process_new_packets();
        let mut back = Vec::new();
        while s.wants_write() {
            s.write_tls(&mut back).unwrap();
        }
        c.read_tls(&mut back.as_slice()).unwrap();
        let client_result = c.process_new_packets();
        if let Err(e) = client_result {
            let alert = match e {
                rustls::Error::AlertReceived(a) => Some(a),
                _ => None,
            };
            return (s, Err(alert));
        }
        if server_result.is_err() {
            return (s, Err(None));
        }
        if !c.is_handshaking() && !s.is_handshaking() {
            return (s, Ok(()));
        }
    }
    panic!("handshake did not finish");
}

struct World {
    client_ca: Ca,
    server_ca: Ca,
}

fn world() -> World {
    World {
        client_ca: ca("Client CA"),
        server_ca: ca("Server CA"),
    }
}

fn enforce(w: &World) -> Arc<ServerConfig> {
    server_config(
        ClientVerifier::builder(vec![w.client_ca.der.clone()])
            .build()
            .unwrap(),
        &w.server_ca,
    )
}

#[test]
fn enforce_accepts_a_good_certificate() {
    let w = world();
    let client = client_config(
        &w.server_ca,
        Some(issue(&w.client_ca, "iphone", "", "client", 2)),
    );
    let (server, result) = handshake(&enforce(&w), &client);
    assert_eq!(result, Ok(()));
    assert!(server.peer_certificates().is_some());
}

#[test]
fn enforce_refuses_with_the_right_alert() {
    let w = world();
    let server = enforce(&w);
    let stranger = ca("Stranger CA");
    let cases = [
        (
            "no certificate",
            None,
            AlertDescription::CertificateRequired,
        ),
        (
            "unknown CA",
            Some(issue(&stranger, "mallory", "", "client", 3)),
            AlertDescription::UnknownCA,
        ),
        (
            "expired",
            Some(issue(&w.client_ca, "old", "", "expired", 4)),
            AlertDescription::CertificateExpired,
        ),
        (
            "server certificate as client",
            Some(issue(&w.client_ca, "srv", r#""x.example""#, "server", 5)),
            AlertDescription::UnsupportedCertificate,
        ),
    ];
    for (what, client, alert) in cases {
        let (_, result) = handshake(&server, &client_config(&w.server_ca, client));
        assert_eq!(result, Err(Some(alert)), "{what}");
    }
}

#[test]
fn revoked_and_unknown_revocation_status() {
    let w = world();
    let t = OffsetDateTime::now_utc();
    let crl = w
        .client_ca
        .ca
        .crl(1, t - Duration::minutes(1), t + Duration::days(1))
        .with_entry(RevokedEntry {
            serial: vec![6],
            revoked_at: t,
            reason: None,
        })
        .build()
        .unwrap();
    let store = RevocationStore::builder([w.client_ca.der.as_ref()])
        .unwrap()
        .with_crls(crl.der(), "crl")
        .unwrap()
        .build()
        .unwrap();
    let verifier = ClientVerifier::builder(vec![w.client_ca.der.clone()])
        .with_revocation(store.clone(), RevocationPolicy::default())
        .build()
        .unwrap();
    let server = server_config(verifier, &w.server_ca);
    let (_, result) = handshake(
        &server,
        &client_config(
            &w.server_ca,
            Some(issue(&w.client_ca, "lost phone", "", "client", 6)),
        ),
    );
    assert_eq!(result, Err(Some(AlertDescription::CertificateRevoked)));
    let (_, result) = handshake(
        &server,
        &client_config(
            &w.server_ca,
            Some(issue(&w.client_ca, "phone", "", "client", 7)),
        ),
    );
    assert_eq!(result, Ok(()));

    // A second CA with no CRL in the store: refused by default, accepted with Allow.
    let other = ca("Other CA");
    let anchors = vec![w.client_ca.der.clone(), other.der.clone()];
    let strict = ClientVerifier::builder(anchors.clone())
        .with_revocation(store.clone(), RevocationPolicy::default())
        .build()
        .unwrap();
    let (_, result) = handshake(
        &server_config(strict, &w.server_ca),
        &client_config(&w.server_ca, Some(issue(&other, "x", "", "client", 8))),
    );
    assert_eq!(result, Err(Some(AlertDescription::UnknownCA)));
    let lenient = RevocationPolicy::default().with_unknown_status(UnknownStatusPolicy::Allow);
    let allow = ClientVerifier::builder(anchors)
        .with_revocation(store, lenient)
        .build()
        .unwrap();
    let (_, result) = handshake(
        &server_config(allow, &w.server_ca),
        &client_config(&w.server_ca, Some(issue(&other, "x", "", "client", 8))),
    );
    assert_eq!(result, Ok(()));
}

#[test]
fn report_mode_completes_and_says_why() {
    let w = world();
    let verifier = Arc::new(
        ClientVerifier::builder(vec![w.client_ca.der.clone()])
            .with_mode(VerifyMode::Report)
            .build()
            .unwrap(),
    );
    let (chain, key) = issue(&w.server_ca, "localhost", r#""localhost""#, "server", 1);
    let server = Arc::new(
        ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier.clone())
            .with_single_cert(chain, key)
            .unwrap(),
    );
    let stranger = ca("Stranger CA");
    let cases = [
        (
            Some(issue(
                &w.client_ca,
                "iphone",
                r#""iphone.example.com""#,
                "client",
                2,
            )),
            None,
        ),
        (
            Some(issue(&stranger, "mallory", "", "client", 3)),
            Some(FailureReason::UnknownIssuer),
        ),
        (
            Some(issue(&w.client_ca, "old", "", "expired", 4)),
            Some(FailureReason::Expired),
        ),
        (None, None),
    ];
    for (client, expected) in cases {
        let presented = client.is_some();
        let (conn, result) = handshake(&server, &client_config(&w.server_ca, client));
        assert_eq!(result, Ok(()), "report mode lets every handshake through");
        let info = verifier.verify_presented(conn.peer_certificates(), UnixTime::now());
        assert_eq!(info.presented(), presented);
        assert_eq!(info.failure_reason(), expected.as_ref());
        if presented && expected.is_none() {
            assert!(info.verified());
            assert_eq!(info.common_name().as_deref(), Some("iphone"));
            assert_eq!(info.anchor_subject(), Some("CN=Client CA"));
        }
    }
}

#[test]
fn a_verifier_needs_usable_anchors() {
    let w = world();
    assert!(ClientVerifier::builder(vec![]).build().is_err());
    let (leaf, _) = issue(&w.client_ca, "leaf", "", "client", 9);
    let err = ClientVerifier::builder(leaf).build().unwrap_err();
    assert!(err.to_string().contains("not a CA"), "{err}");
}

#[test]
fn broken_anchors_are_refused_at_build() {
    if !certgate_test_support::require_python_module("cryptography") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import datetime
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier
now = datetime.datetime.now(datetime.timezone.utc)
def make(name, ski=True, expired=False, critical_unknown=False):
    key = ec.generate_private_key(ec.SECP256R1())
    n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = now - datetime.timedelta(days=400 if expired else 1)
    b = (x509.CertificateBuilder().subject_name(n).issuer_name(n).public_key(key.public_key()).serial_number(7)
         .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=30 if expired else 400))
         .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True))
    if ski:
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if critical_unknown:
        b = b.add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00"), critical=True)
    open(name + ".der", "wb").write(b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
make("good")
make("noski", ski=False)
make("expired", expired=True)
make("critical", critical_unknown=True)
"#;
    certgate_test_support::run_ok("python3", &["-c", script], dir.path());
    let anchor = |name: &str| {
        CertificateDer::from(std::fs::read(dir.path().join(format!("{name}.der"))).unwrap())
    };
    assert!(
        ClientVerifier::builder(vec![anchor("good")])
            .build()
            .is_ok()
    );
    // A root without subjectKeyIdentifier breaks a duty of its CA, not of ours: refused
    // only in strict mode.
    assert!(
        ClientVerifier::builder(vec![anchor("good"), anchor("noski")])
            .build()
            .is_ok()
    );
    let err = ClientVerifier::builder(vec![anchor("good"), anchor("noski")])
        .with_rfc5280_rules(Rfc5280Rules::Strict)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            &err,
            VerifyError::BadTrustAnchor {
                index: 1,
                reason: AnchorError::Violation(Rfc5280Violation::CaWithoutSki)
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("without subjectKeyIdentifier"),
        "{err}"
    );
    for (name, expected) in [
        ("expired", "expired on"),
        ("critical", "unknown critical extension 1.3.6.1.4.1.99999.1"),
    ] {
        let err = ClientVerifier::builder(vec![anchor("good"), anchor(name)])
            .build()
            .unwrap_err();
        assert!(
            err.to_string().contains("trust anchor 1") && err.to_string().contains(expected),
            "{name}: {err}"
        );
    }
}

/// An rcgen chain as rcgen makes it by default: root → intermediate → client, where
/// the intermediate has no authorityKeyIdentifier (rcgen adds one only when asked). The
/// client's certificate carries one, so only the intermediate breaks the CA's duty.
fn rcgen_chain() -> (CertificateDer<'static>, common::Identity) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose, SerialNumber,
    };
    let params = |cn: &str, serial: u8| {
        let mut p = CertificateParams::default();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.serial_number = Some(SerialNumber::from_slice(&[serial]));
        p.not_before = time::macros::datetime!(2020-01-01 00:00 UTC);
        p.not_after = time::macros::datetime!(2100-01-01 00:00 UTC);
        p
    };
    let ca = |cn: &str, serial: u8| {
        let mut p = params(cn, serial);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p
    };
    let root =
        CertifiedIssuer::self_signed(ca("rcgen root", 1), KeyPair::generate().unwrap()).unwrap();
    let ica_params = ca("rcgen intermediate", 2);
    assert!(
        !ica_params.use_authority_key_identifier_extension,
        "rcgen's default"
    );
    let ica = CertifiedIssuer::signed_by(ica_params, KeyPair::generate().unwrap(), &root).unwrap();
    let mut leaf = params("rcgen client", 3);
    leaf.use_authority_key_identifier_extension = true;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().unwrap();
    let leaf = leaf.signed_by(&key, &ica).unwrap();
    let chain = vec![leaf.der().clone(), ica.der().clone()];
    let key = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap();
    (root.der().clone(), (chain, key))
}

#[test]
fn an_rcgen_intermediate_without_aki_is_accepted_unless_strict() {
    let w = world();
    let (root, client) = rcgen_chain();
    let (leaf, ica) = (client.0[0].clone(), client.0[1].clone());
    let verifier = |rules| {
        ClientVerifier::builder(vec![root.clone()])
            .with_rfc5280_rules(rules)
            .build()
            .unwrap()
    };
    // By default: chained by name and signature, as webpki, OpenSSL and nginx do.
    let lenient = verifier(Rfc5280Rules::default());
    assert!(
        lenient
            .verify_client(&leaf, std::slice::from_ref(&ica), UnixTime::now())
            .is_ok()
    );
    let (server, result) = handshake(
        &server_config(lenient, &w.server_ca),
        &client_config(&w.server_ca, Some((client.0.clone(), client.1.clone_key()))),
    );
    assert_eq!(result, Ok(()));
    assert_eq!(server.peer_certificates().map(<[_]>::len), Some(2));
    // Strict: the CA's duty is checked too, and the handshake fails on it.
    let strict = verifier(Rfc5280Rules::Strict);
    assert_eq!(
        strict.verify_client(&leaf, std::slice::from_ref(&ica), UnixTime::now()),
        Err(FailureReason::Malformed(Rfc5280Violation::MissingAki))
    );
    let (_, result) = handshake(
        &server_config(strict, &w.server_ca),
        &client_config(&w.server_ca, Some(client)),
    );
    assert_eq!(result, Err(Some(AlertDescription::BadCertificate)));
}

fn server_config_shared(verifier: &Arc<ClientVerifier>, server_ca: &Ca) -> Arc<ServerConfig> {
    let (chain, key) = issue(server_ca, "localhost", r#""localhost""#, "server", 1);
    Arc::new(
        ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(Arc::clone(verifier) as Arc<_>)
            .with_single_cert(chain, key)
            .unwrap(),
    )
}

#[test]
fn handshake_verdicts_are_reached_once_in_the_handshake_and_read_after_it() {
    let w = world();
    let id = |(chain, key): &common::Identity| (chain.clone(), key.clone_key());
    let good = issue(&w.client_ca, "phone", "", "client", 10);
    let revoked = issue(&w.client_ca, "old phone", "", "client", 11);
    let store = common::crl_store(&w.client_ca, 1, &[11]);
    for mode in [VerifyMode::Enforce, VerifyMode::Report] {
        let verifier = Arc::new(
            ClientVerifier::builder(vec![w.client_ca.der.clone()])
                .with_revocation(store.clone(), RevocationPolicy::default())
                .with_mode(mode)
                .with_handshake_verdicts()
                .build()
                .unwrap(),
        );
        let server = server_config_shared(&verifier, &w.server_ca);
        let (s, result) = handshake(&server, &client_config(&w.server_ca, Some(id(&good))));
        assert!(result.is_ok(), "{mode:?}");
        // Read at a time the certificate is long expired: the verdict is the
        // handshake's, not a second verification's.
        let later = UnixTime::since_unix_epoch(std::time::Duration::from_secs(4_000_000_000));
        let info = verifier.handshake_info(s.peer_certificates(), later);
        assert!(info.verified(), "{mode:?}: {:?}", info.verdict());
        // Taken once: a second read verifies (at that later time: expired).
        let again = verifier.handshake_info(s.peer_certificates(), later);
        assert_eq!(
            again.failure_reason(),
            Some(&FailureReason::Expired),
            "{mode:?}"
        );

        let (s, result) = handshake(&server, &client_config(&w.server_ca, Some(id(&revoked))));
        match mode {
            VerifyMode::Enforce => {
                assert_eq!(result, Err(Some(AlertDescription::CertificateRevoked)))
            }
            _ => {
                assert!(result.is_ok());
                let info = verifier.handshake_info(s.peer_certificates(), UnixTime::now());
                assert_eq!(info.failure_reason(), Some(&FailureReason::Revoked));
            }
        }
    }
}

#[test]
fn a_handshake_verdict_from_before_a_crl_reload_is_not_used() {
    let w = world();
    let phone = issue(&w.client_ca, "phone", "", "client", 12);
    let store = common::crl_store(&w.client_ca, 1, &[]);
    let verifier = Arc::new(
        ClientVerifier::builder(vec![w.client_ca.der.clone()])
            .with_revocation(store.clone(), RevocationPolicy::default())
            .with_mode(VerifyMode::Report)
            .with_handshake_verdicts()
            .build()
            .unwrap(),
    );
    let server = server_config_shared(&verifier, &w.server_ca);
    let (s, result) = handshake(&server, &client_config(&w.server_ca, Some(phone)));
    assert!(result.is_ok());
    // Revoked between the handshake and the read.
    store.replace_with(&common::crl_store(&w.client_ca, 2, &[12]));
    let info = verifier.handshake_info(s.peer_certificates(), UnixTime::now());
    assert_eq!(info.failure_reason(), Some(&FailureReason::Revoked));
}
