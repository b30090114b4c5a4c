//! Our bundles, read by OpenSSL, Python `cryptography` and NSS; OpenSSL's, read by us.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, KeySigner, KeySpec, PrivateKey, RootCaBuilder,
};
use certgate_pkcs12::{Pkcs12Builder, Pkcs12Bundle, Pkcs12Profile};
use certgate_test_support::{require_python_module, require_tool, run, run_ok};

/// A root, an intermediate and a client certificate with a `spec` key.
#[derive(Debug)]
struct Pki {
    root: Vec<u8>,
    intermediate: Vec<u8>,
    leaf: Vec<u8>,
    key: Vec<u8>,
}

fn pki(spec: KeySpec) -> Pki {
    let config = SigningConfig::from_json(
        br#"{"signing": {"profiles": {
            "client": {"usages": ["digital signature", "key encipherment", "client auth"], "expiry": "8760h"},
            "ica": {"usages": ["cert sign", "crl sign"], "expiry": "17520h", "ca_constraint": {"is_ca": true, "max_path_len_zero": true}}}}}"#,
        "config",
    )
    .unwrap();
    let root_json = CsrJson::from_json(
        br#"{"CN": "P12 Root", "key": {"algo": "ecdsa", "size": 256}}"#,
        "root",
    )
    .unwrap();
    let root = RootCaBuilder::new(
        &root_json,
        Box::new(KeySigner::new(
            PrivateKey::generate(KeySpec::EcdsaP256).unwrap(),
        )),
    )
    .build()
    .unwrap();
    let ica_json = CsrJson::from_json(
        br#"{"CN": "P12 Intermediate", "key": {"algo": "ecdsa", "size": 256}}"#,
        "ica",
    )
    .unwrap();
    let (ica_key, ica_csr) = CertificateRequest::generate(&ica_json).unwrap();
    let ica_cert = root
        .ca
        .sign_csr(&ica_csr, config.profile("ica").unwrap())
        .unwrap();
    let ica = CertificateAuthority::new(
        certgate_ca::CaCertificate::from_der(ica_cert.der(), "ica").unwrap(),
        Box::new(KeySigner::new(ica_key)),
    )
    .unwrap();
    let leaf_json = CsrJson::from_json(
        format!(
            r#"{{"CN": "iphone", "key": {{"algo": "{}", "size": {}}}}}"#,
            spec.algo(),
            spec.size()
        )
        .as_bytes(),
        "leaf",
    )
    .unwrap();
    let (key, csr) = CertificateRequest::generate(&leaf_json).unwrap();
    let leaf = ica
        .sign_csr(&csr, config.profile("client").unwrap())
        .unwrap();
    Pki {
        root: root.certificate.der().to_vec(),
        intermediate: ica_cert.der().to_vec(),
        leaf: leaf.der().to_vec(),
        key: key.to_pkcs8_der().unwrap().to_vec(),
    }
}

fn export(pki: &Pki, profile: Pkcs12Profile, password: &str) -> Vec<u8> {
    Pkcs12Builder::new(&pki.key, &pki.leaf, password)
        .with_chain([pki.intermediate.as_slice(), pki.root.as_slice()])
        .with_friendly_name("Sam's iPhone")
        .with_profile(profile)
        .build()
        .unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

const SPECS: [KeySpec; 4] = [
    KeySpec::Rsa(2048),
    KeySpec::EcdsaP256,
    KeySpec::EcdsaP384,
    KeySpec::Ed25519,
];
const PROFILES: [Pkcs12Profile; 2] = [Pkcs12Profile::Modern, Pkcs12Profile::Legacy];

#[test]
fn openssl_reads_both_profiles_without_legacy_flag() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for spec in SPECS {
        let pki = pki(spec);
        for profile in PROFILES {
            let name = format!("{}-{profile:?}.p12", spec.algo());
            write(dir.path(), &name, &export(&pki, profile, "s3cret"));
            let out = run_ok(
                "openssl",
                &[
                    "pkcs12",
                    "-info",
                    "-in",
                    &name,
                    "-passin",
                    "pass:s3cret",
                    "-nodes",
                ],
                dir.path(),
            );
            let all = format!("{}{}", out.stdout, out.stderr);
            let (mac, enc) = if profile == Pkcs12Profile::Legacy {
                ("MAC: sha1", "pbeWithSHA1And3-KeyTripleDES-CBC")
            } else {
                ("MAC: sha256", "PBES2, PBKDF2, AES-256-CBC")
            };
            assert!(all.contains(mac) && all.contains(enc), "{name}: {all}");
            assert_eq!(
                all.matches("-----BEGIN CERTIFICATE-----").count(),
                3,
                "{name}: {all}"
            );
            assert!(all.contains("friendlyName: Sam's iPhone"), "{name}: {all}");
            assert!(all.contains("PRIVATE KEY-----"), "{name}: {all}");
            // The key OpenSSL decrypted is ours.
            let ours = run_ok(
                "openssl",
                &[
                    "pkcs12",
                    "-in",
                    &name,
                    "-passin",
                    "pass:s3cret",
                    "-nocerts",
                    "-nodes",
                ],
                dir.path(),
            );
            write(dir.path(), "k.pem", ours.stdout.as_bytes());
            write(dir.path(), "orig.der", &pki.key);
            let a = run_ok("openssl", &["pkey", "-in", "k.pem", "-pubout"], dir.path());
            let b = run_ok(
                "openssl",
                &["pkey", "-inform", "DER", "-in", "orig.der", "-pubout"],
                dir.path(),
            );
            assert_eq!(a.stdout, b.stdout, "{name}");
            let wrong = run(
                "openssl",
                &[
                    "pkcs12",
                    "-info",
                    "-in",
                    &name,
                    "-passin",
                    "pass:nope",
                    "-nodes",
                ],
                dir.path(),
            );
            assert!(!wrong.success(), "{name} opened with a wrong password");
        }
    }
}

#[test]
fn python_cryptography_reads_both_profiles() {
    if !require_python_module("cryptography") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for spec in SPECS {
        let pki = pki(spec);
        for profile in PROFILES {
            let name = format!("{}-{profile:?}.p12", spec.algo());
            write(dir.path(), &name, &export(&pki, profile, "s3cret"));
            let script = format!(
                "from cryptography.hazmat.primitives.serialization import pkcs12, Encoding, PublicFormat\n\
                 b = pkcs12.load_pkcs12(open('{name}','rb').read(), b's3cret')\n\
                 assert b.key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) == \
                 b.cert.certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)\n\
                 print(b.cert.friendly_name.decode(), len(b.additional_certs), b.cert.certificate.subject.rfc4514_string())"
            );
            let out = run_ok("python3", &["-c", &script], dir.path());
            assert_eq!(out.stdout.trim(), "Sam's iPhone 2 CN=iphone", "{name}");
        }
    }
}

#[test]
fn nss_pk12util_imports_both_profiles() {
    if !require_tool("pk12util") || !require_tool("certutil") {
        return;
    }
    // NSS cannot import Ed25519 bundles (not even OpenSSL's): RSA and ECDSA only.
    for spec in [KeySpec::Rsa(2048), KeySpec::EcdsaP256, KeySpec::EcdsaP384] {
        let pki = pki(spec);
        for profile in PROFILES {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            write(d, "b.p12", &export(&pki, profile, "s3cret"));
            run_ok("certutil", &["-N", "-d", "sql:.", "--empty-password"], d);
            let out = run_ok(
                "pk12util",
                &["-i", "b.p12", "-d", "sql:.", "-W", "s3cret"],
                d,
            );
            assert!(
                out.stdout.contains("PKCS12 IMPORT SUCCESSFUL"),
                "{spec:?} {profile:?}: {}",
                out.stdout
            );
            let keys = run_ok("certutil", &["-K", "-d", "sql:."], d);
            assert!(
                keys.stdout.contains("Sam's iPhone"),
                "{spec:?} {profile:?}: {}",
                keys.stdout
            );
            let wrong = run("pk12util", &["-i", "b.p12", "-d", "sql:.", "-W", "nope"], d);
            assert!(!wrong.success());
        }
    }
}

#[test]
fn openssl_made_bundles_round_trip() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pki = pki(KeySpec::EcdsaP256);
    write(d, "key.der", &pki.key);
    write(d, "leaf.der", &pki.leaf);
    write(d, "ica.der", &pki.intermediate);
    run_ok(
        "openssl",
        &[
            "pkey", "-inform", "DER", "-in", "key.der", "-out", "key.pem",
        ],
        d,
    );
    run_ok(
        "openssl",
        &[
            "x509", "-inform", "DER", "-in", "leaf.der", "-out", "leaf.pem",
        ],
        d,
    );
    run_ok(
        "openssl",
        &[
            "x509", "-inform", "DER", "-in", "ica.der", "-out", "ica.pem",
        ],
        d,
    );
    for (file, extra) in [("default.p12", vec![]), ("legacy.p12", vec!["-legacy"])] {
        let mut args = vec![
            "pkcs12",
            "-export",
            "-inkey",
            "key.pem",
            "-in",
            "leaf.pem",
            "-certfile",
            "ica.pem",
            "-name",
            "dev",
            "-passout",
            "pass:pw",
            "-out",
            file,
        ];
        args.extend(extra);
        run_ok("openssl", &args, d);
        let bundle = Pkcs12Bundle::parse(&std::fs::read(d.join(file)).unwrap(), "pw").unwrap();
        let ours = PrivateKey::from_pkcs8_der(bundle.key().unwrap().pkcs8_der(), file).unwrap();
        assert_eq!(
            ours.public_key_der(),
            PrivateKey::from_pkcs8_der(&pki.key, "k")
                .unwrap()
                .public_key_der()
        );
        assert_eq!(bundle.leaf().unwrap().der, pki.leaf);
        assert_eq!(bundle.leaf().unwrap().friendly_name.as_deref(), Some("dev"));
        let all: Vec<&[u8]> = bundle
            .certificates
            .iter()
            .map(|c| c.der.as_slice())
            .collect();
        assert_eq!(
            all,
            [pki.leaf.as_slice(), pki.intermediate.as_slice()],
            "{file}"
        );
    }
}

#[test]
fn our_bundles_round_trip_through_our_reader() {
    for spec in SPECS {
        let pki = pki(spec);
        for profile in PROFILES {
            let der = export(&pki, profile, "pässwörd");
            let bundle = Pkcs12Bundle::parse(&der, "pässwörd").unwrap();
            assert_eq!(bundle.key().unwrap().pkcs8_der(), pki.key.as_slice());
            assert_eq!(
                bundle.key().unwrap().friendly_name.as_deref(),
                Some("Sam's iPhone")
            );
            let certs: Vec<&[u8]> = bundle
                .certificates
                .iter()
                .map(|c| c.der.as_slice())
                .collect();
            assert_eq!(
                certs,
                [
                    pki.leaf.as_slice(),
                    pki.intermediate.as_slice(),
                    pki.root.as_slice()
                ]
            );
            assert_eq!(bundle.leaf().unwrap().der, pki.leaf);
            let err = Pkcs12Bundle::parse(&der, "wrong").unwrap_err();
            assert!(
                matches!(err, certgate_pkcs12::Pkcs12Error::WrongPassword { .. }),
                "{err}"
            );
        }
    }
}

#[test]
fn nss_pk12util_exports_ber_that_we_import() {
    if !require_tool("pk12util") || !require_tool("certutil") {
        return;
    }
    for spec in [KeySpec::Rsa(2048), KeySpec::EcdsaP256] {
        let pki = pki(spec);
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            "ours.p12",
            &export(&pki, Pkcs12Profile::Modern, "s3cret"),
        );
        run_ok("certutil", &["-N", "-d", "sql:.", "--empty-password"], d);
        run_ok(
            "pk12util",
            &["-i", "ours.p12", "-d", "sql:.", "-W", "s3cret"],
            d,
        );
        run_ok(
            "pk12util",
            &[
                "-o",
                "nss.p12",
                "-n",
                "Sam's iPhone",
                "-d",
                "sql:.",
                "-W",
                "from nss",
            ],
            d,
        );
        let nss = std::fs::read(d.join("nss.p12")).unwrap();
        // BER with indefinite lengths: what DER readers refuse at byte 2.
        assert_eq!(&nss[..2], &[0x30, 0x80], "{spec:?}: NSS wrote DER");
        let bundle = Pkcs12Bundle::parse(&nss, "from nss").unwrap();
        let key = bundle.key().unwrap();
        let theirs = PrivateKey::from_pkcs8_der(key.pkcs8_der(), "nss.p12").unwrap();
        let ours = PrivateKey::from_pkcs8_der(&pki.key, "ours").unwrap();
        assert_eq!(theirs.public_key_der(), ours.public_key_der(), "{spec:?}");
        assert_eq!(bundle.leaf().unwrap().der, pki.leaf, "{spec:?}");
        assert_eq!(key.friendly_name.as_deref(), Some("Sam's iPhone"));
        assert!(
            bundle
                .certificates
                .iter()
                .any(|c| c.der == pki.intermediate),
            "{spec:?}: NSS exports the chain it knows"
        );
        assert!(
            bundle.info.mac.is_some() && !bundle.info.encryptions.is_empty(),
            "{:?}",
            bundle.info
        );
        let err = Pkcs12Bundle::parse(&nss, "wrong").unwrap_err();
        assert!(
            matches!(err, certgate_pkcs12::Pkcs12Error::WrongPassword { .. }),
            "{err}"
        );
    }
}

#[test]
fn windows_friendly_names_lose_their_trailing_nul() {
    // Windows' certificate export ends friendlyName values with a NUL character.
    // certgate refuses to write one, so pyca/cryptography (OpenSSL) makes the bundle.
    if !require_python_module("cryptography") {
        return;
    }
    let pki = pki(KeySpec::EcdsaP256);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "key.der", &pki.key);
    write(dir.path(), "leaf.der", &pki.leaf);
    let script = r#"
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
key = serialization.load_der_private_key(open("key.der", "rb").read(), None)
cert = x509.load_der_x509_certificate(open("leaf.der", "rb").read())
der = pkcs12.serialize_key_and_certificates(
    b"Sam's iPhone\x00", key, cert, None, serialization.BestAvailableEncryption(b"pw"))
open("windows.p12", "wb").write(der)
"#;
    run_ok("python3", &["-c", script], dir.path());
    let der = std::fs::read(dir.path().join("windows.p12")).unwrap();
    let bundle = Pkcs12Bundle::parse(&der, "pw").unwrap();
    assert_eq!(
        bundle.key().unwrap().friendly_name.as_deref(),
        Some("Sam's iPhone")
    );
    assert_eq!(
        bundle.leaf().unwrap().friendly_name.as_deref(),
        Some("Sam's iPhone")
    );
}
