//! `ClientCertInfo` read from certificates of OpenSSL and certgate-ca, checked field by
//! field against `openssl x509` and Python's `cryptography`.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use certgate_test_support::{require_python_module, require_tool, run_ok};
use certgate_verify::{ClientCertInfo, SanEntry};
use certgate_x509::hex::lower as hex;
use serde_json::Value;

const PYTHON: &str = r#"
import hashlib, json, sys
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
c = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())
def ext(cls):
    try:
        return c.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None
san = ext(x509.SubjectAlternativeName)
ski = ext(x509.SubjectKeyIdentifier)
aki = ext(x509.AuthorityKeyIdentifier)
print(json.dumps({
    "subject_rfc4514": c.subject.rfc4514_string(),
    "issuer_rfc4514": c.issuer.rfc4514_string(),
    "not_before": int(c.not_valid_before_utc.timestamp()),
    "not_after": int(c.not_valid_after_utc.timestamp()),
    "spki_sha256": hashlib.sha256(c.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest(),
    "sans": [str(g.value) for g in san] if san else [],
    "ski": ski.digest.hex() if ski else None,
    "aki": aki.key_identifier.hex() if aki and aki.key_identifier else None,
    "ous": [a.value for a in c.subject if a.oid.dotted_string == "2.5.4.11"],
}))
"#;

fn openssl_field(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["x509", "-noout", "-in", "cert.pem"];
    all.extend_from_slice(args);
    let out = run_ok("openssl", &all, dir);
    out.stdout
        .trim()
        .split_once('=')
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

fn colon_upper(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn check(dir: &Path, der: &[u8]) {
    let info = ClientCertInfo::from_der(der).unwrap();
    assert!(info.presented() && !info.verified());
    assert_eq!(
        info.subject_rfc2253().unwrap(),
        openssl_field(dir, &["-subject", "-nameopt", "RFC2253"])
    );
    assert_eq!(
        info.issuer_rfc2253().unwrap(),
        openssl_field(dir, &["-issuer", "-nameopt", "RFC2253"])
    );
    assert_eq!(
        info.serial_hex()
            .unwrap()
            .to_uppercase()
            .trim_start_matches('0'),
        openssl_field(dir, &["-serial"]).trim_start_matches('0')
    );
    assert_eq!(
        colon_upper(&info.fingerprint_sha256().unwrap().0),
        openssl_field(dir, &["-fingerprint", "-sha256"])
    );
    assert_eq!(
        colon_upper(&info.fingerprint_sha1().unwrap().0),
        openssl_field(dir, &["-fingerprint", "-sha1"])
    );

    let out = run_ok("python3", &["-c", PYTHON, "cert.pem"], dir);
    let py: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        info.not_before().unwrap().unix_seconds(),
        py["not_before"].as_i64().unwrap()
    );
    assert_eq!(
        info.not_after().unwrap().unix_seconds(),
        py["not_after"].as_i64().unwrap()
    );
    assert_eq!(
        info.spki_sha256().unwrap().to_hex(),
        py["spki_sha256"].as_str().unwrap()
    );
    assert_eq!(info.ski().map(hex), py["ski"].as_str().map(str::to_owned));
    assert_eq!(
        info.issuer_key_id().map(hex),
        py["aki"].as_str().map(str::to_owned)
    );
    let sans: Vec<String> = info
        .sans()
        .iter()
        .map(|s| match s {
            SanEntry::Dns(v) | SanEntry::Email(v) | SanEntry::Uri(v) => v.clone(),
            SanEntry::Ip(ip) => ip.to_string(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(serde_json::json!(sans), py["sans"]);
    let ous: Vec<String> = info
        .subject_attributes()
        .into_iter()
        .filter(|a| a.name == "OU")
        .map(|a| a.value)
        .collect();
    assert_eq!(serde_json::json!(ous), py["ous"]);
    if !py["subject_rfc4514"]
        .as_str()
        .unwrap()
        .contains("1.2.840.113549.1.9.1")
    {
        assert_eq!(
            info.subject_rfc4514().unwrap(),
            py["subject_rfc4514"].as_str().unwrap()
        );
    }
}

#[test]
fn fields_of_an_openssl_certificate() {
    if !require_tool("openssl") || !require_python_module("cryptography") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = run_ok(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "30",
            "-subj",
            "/C=PT/ST=Lisboa/O=Money\\, App\\+Test/OU=Sam Projects/OU=Phones/CN=Rhea Group/emailAddress=rhea@example.com",
            "-addext",
            "subjectAltName=DNS:iphone.example.com,IP:10.0.0.7,IP:2001:db8::1,email:rhea@example.com,URI:spiffe://example.com/iphone",
        ],
        d,
    );
    let _ = out;
    let pem = std::fs::read_to_string(d.join("cert.pem")).unwrap();
    let der = certgate_ca::certificates_from_pem(pem.as_bytes(), "cert.pem")
        .unwrap()
        .remove(0);
    check(d, &der);
    let info = ClientCertInfo::from_der(&der).unwrap();
    assert_eq!(info.common_name().as_deref(), Some("Rhea Group"));
    assert_eq!(
        info.subject_rfc2253().unwrap(),
        "emailAddress=rhea@example.com,CN=Rhea Group,OU=Phones,OU=Sam Projects,O=Money\\, App\\+Test,ST=Lisboa,C=PT"
    );
}

#[test]
fn fields_of_a_certgate_certificate() {
    if !require_tool("openssl") || !require_python_module("cryptography") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csr = certgate_ca::cfssl::CsrJson::from_json(
        br#"{"CN": "Sam Money App", "names": [{"C": "PT", "L": "Lisboa", "O": "Money App Test", "OU": "Sam Projects", "ST": "Lisboa"}]}"#,
        "ca",
    )
    .unwrap();
    let key = certgate_ca::PrivateKey::generate(certgate_ca::KeySpec::EcdsaP256).unwrap();
    let root = certgate_ca::RootCaBuilder::new(&csr, Box::new(certgate_ca::KeySigner::new(key)))
        .build()
        .unwrap();
    let leaf_json = certgate_ca::cfssl::CsrJson::from_json(
        br#"{"CN": "Rhea Group", "hosts": ["", "iphone.example.com", "sam@example.com"]}"#,
        "leaf",
    )
    .unwrap();
    let (_, req) = certgate_ca::CertificateRequest::generate(&leaf_json).unwrap();
    let config = certgate_ca::cfssl::SigningConfig::default();
    let leaf = root.ca.sign_csr(&req, config.default_profile()).unwrap();
    std::fs::write(d.join("cert.pem"), leaf.to_pem()).unwrap();
    check(d, leaf.der());
    let info = ClientCertInfo::from_der(leaf.der()).unwrap();
    assert_eq!(info.issuer_key_id(), Some(root.ca.certificate().key_id()));
    assert_eq!(info.serial_hex().unwrap(), leaf.serial_hex());
    let bytes = info.serial().unwrap().as_bytes();
    assert_eq!(hex(bytes).trim_start_matches("00"), leaf.serial_hex());
}

#[test]
fn not_presented_and_malformed() {
    let none = ClientCertInfo::not_presented();
    assert!(
        !none.presented()
            && !none.verified()
            && none.sans().is_empty()
            && none.common_name().is_none()
    );
    for bad in [
        &b""[..],
        b"\x30\x00",
        b"\x30\x03\x02\x01\x01",
        b"\x04\x02ab",
    ] {
        let err = ClientCertInfo::from_der(bad).unwrap_err();
        assert!(
            err.to_string().starts_with("malformed certificate: "),
            "{err}"
        );
    }
}

#[test]
fn failure_reasons_have_stable_ids_that_parse_back() {
    use certgate_verify::FailureReason as R;
    use certgate_verify::{OtherFailure, Rfc5280Violation};
    for reason in [
        R::UnknownIssuer,
        R::Expired,
        R::NotYetValid,
        R::Revoked,
        R::RevocationStatusUnknown,
        R::CrlExpired {
            next_update: certgate_x509::Timestamp::from_unix_seconds(0),
        },
        R::WrongKeyUsage,
        R::BadSignature,
        R::NameMismatch,
        R::Malformed(Rfc5280Violation::Unspecified),
        R::Other(OtherFailure::Unspecified),
    ] {
        assert_eq!(R::from_id(reason.id()), Some(reason.clone()), "{reason}");
        assert!(!reason.to_string().is_empty());
    }
    assert_eq!(R::from_id("nonsense"), None);
    // Details stay typed, with their words.
    let expired = R::CrlExpired {
        next_update: certgate_x509::Timestamp::from_unix_seconds(1_780_315_200),
    };
    assert_eq!(expired.id(), "crl-expired");
    assert_eq!(
        expired.to_string(),
        "the issuer's CRL expired: its nextUpdate was 2026-06-01T12:00:00Z"
    );
    let missing = R::Malformed(Rfc5280Violation::MissingAki);
    assert_eq!(missing.id(), "malformed");
    assert_eq!(
        missing.to_string(),
        "malformed certificate: no authorityKeyIdentifier (RFC 5280 4.2.1.1)"
    );
    assert!(Rfc5280Violation::MissingAki.is_producer_side());
    assert!(!Rfc5280Violation::SignatureAlgorithmMismatch.is_producer_side());
}

#[test]
fn policies_are_reported_only_while_verified() {
    use certgate_verify::danger::{assert_policies, assert_verdict};
    use certgate_verify::{FailureReason, PolicySets, Verdict};
    let csr = certgate_ca::cfssl::CsrJson::from_json(br#"{"CN": "Policy Root"}"#, "ca").unwrap();
    let key = certgate_ca::PrivateKey::generate(certgate_ca::KeySpec::EcdsaP256).unwrap();
    let root = certgate_ca::RootCaBuilder::new(&csr, Box::new(certgate_ca::KeySigner::new(key)))
        .build()
        .unwrap();
    let info = ClientCertInfo::from_der(root.certificate.der()).unwrap();
    assert_eq!(info.policies(), None);
    let sets = PolicySets::new(["1.2.3.4", "2.5.29.32.0"], ["1.2.3.4"]);
    let verified = Verdict::Verified {
        anchor_subject: "CN=Policy Root".into(),
    };
    // Sets without a verified verdict are not reported, in either order of assertion.
    let info = assert_policies(info, sets.clone());
    assert_eq!(info.policies(), None);
    let info = assert_verdict(info, verified.clone());
    assert_eq!(info.policies(), Some(&sets));
    assert!(info.policies().unwrap().allows("1.2.3.4"));
    assert!(!info.policies().unwrap().allows("2.5.29.32.0"));
    let refused = assert_verdict(info.clone(), Verdict::Failed(FailureReason::Revoked));
    assert_eq!(refused.policies(), None);
    // A verified certificate whose verifier did not process policies has none.
    let plain = assert_verdict(
        ClientCertInfo::from_der(root.certificate.der()).unwrap(),
        verified,
    );
    assert_eq!(plain.policies(), None);
}
