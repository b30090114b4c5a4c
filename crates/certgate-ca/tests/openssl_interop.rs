//! Certificates and CRLs from certgate-ca, checked by OpenSSL.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_ca::{CaError, CertificateRequest, KeySpec, RevocationReason, RevokedEntry};
use certgate_test_support::require_tool;
use common::*;
use time::Duration;

#[test]
fn root_intermediate_client_chain_verifies_and_pathlen_zero_is_enforced() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root_ca, root_cert) = root(KeySpec::EcdsaP256);
    let (inter_ca, inter_cert) = intermediate(&root_ca, "intermediate", KeySpec::EcdsaP256, 2);
    let (_, csr) = request("iphone", KeySpec::EcdsaP256, &[]);
    let leaf = issue(&inter_ca, &csr, "client", 3);
    write(dir.path(), "root.pem", root_cert.to_pem());
    write(dir.path(), "inter.pem", inter_cert.to_pem());
    write(dir.path(), "leaf.pem", leaf.to_pem());

    let (ok, out) = openssl_verify(
        dir.path(),
        &[
            "-CAfile",
            "root.pem",
            "-untrusted",
            "inter.pem",
            "-purpose",
            "sslclient",
            "leaf.pem",
        ],
    );
    assert!(ok, "{out}");
    let (ok, out) = openssl_verify(
        dir.path(),
        &[
            "-CAfile",
            "root.pem",
            "-untrusted",
            "inter.pem",
            "-purpose",
            "sslserver",
            "leaf.pem",
        ],
    );
    assert!(!ok, "a client certificate passed as a server: {out}");

    let text = openssl_text(dir.path(), "inter.pem");
    assert!(text.contains("CA:TRUE, pathlen:0"), "{text}");

    // A CA below the pathlen-0 intermediate is refused by us...
    let (_, sub_csr) = request("sub CA", KeySpec::EcdsaP256, &[]);
    let err = inter_ca
        .issue(&sub_csr, &profile("intermediate"))
        .with_now(NOW)
        .build()
        .unwrap_err();
    assert!(matches!(err, CaError::PathLength { .. }), "{err}");
    assert!(
        err.to_string().contains("path length constraint of 0"),
        "{err}"
    );
}

#[test]
fn child_ca_path_length_stays_below_its_issuer() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root_ca, root_cert) = root(KeySpec::EcdsaP256);
    let (inter1, inter1_cert) = intermediate(&root_ca, "intermediate1", KeySpec::EcdsaP256, 2);
    // The profile asks for pathlen 1 again; below a pathlen-1 CA it can only be 0.
    let (inter2, inter2_cert) = intermediate(&inter1, "intermediate1", KeySpec::EcdsaP256, 3);
    write(dir.path(), "inter2.pem", inter2_cert.to_pem());
    assert!(openssl_text(dir.path(), "inter2.pem").contains("CA:TRUE, pathlen:0"));
    let (_, csr) = request("leaf", KeySpec::EcdsaP256, &[]);
    let leaf = issue(&inter2, &csr, "client", 4);
    write(dir.path(), "root.pem", root_cert.to_pem());
    write(
        dir.path(),
        "chain.pem",
        format!("{}{}", inter1_cert.to_pem(), inter2_cert.to_pem()),
    );
    write(dir.path(), "leaf.pem", leaf.to_pem());
    let (ok, out) = openssl_verify(
        dir.path(),
        &["-CAfile", "root.pem", "-untrusted", "chain.pem", "leaf.pem"],
    );
    assert!(ok, "{out}");
}

#[test]
fn every_key_type_issues_and_verifies() {
    if !require_tool("openssl") {
        return;
    }
    let specs = [
        KeySpec::Rsa(2048),
        KeySpec::EcdsaP256,
        KeySpec::EcdsaP384,
        KeySpec::Ed25519,
    ];
    for ca_spec in specs {
        let dir = tempfile::tempdir().unwrap();
        let (ca, ca_cert) = root(ca_spec);
        write(dir.path(), "ca.pem", ca_cert.to_pem());
        for (i, leaf_spec) in specs.iter().enumerate() {
            let (key, csr) = request("device", *leaf_spec, &["device.example.com"]);
            let serial = u8::try_from(i + 10).unwrap();
            let leaf = issue(&ca, &csr, "client", serial);
            let name = format!("leaf{i}.pem");
            write(dir.path(), &name, leaf.to_pem());
            let (ok, out) = openssl_verify(
                dir.path(),
                &["-CAfile", "ca.pem", "-purpose", "sslclient", &name],
            );
            assert!(ok, "CA {ca_spec:?}, leaf {leaf_spec:?}: {out}");
            let text = openssl_text(dir.path(), &name);
            let expected_sig = match ca_spec {
                KeySpec::Rsa(_) => "sha256WithRSAEncryption",
                KeySpec::EcdsaP256 => "ecdsa-with-SHA256",
                KeySpec::EcdsaP384 => "ecdsa-with-SHA384",
                _ => "ED25519",
            };
            assert!(text.contains(expected_sig), "{ca_spec:?}: {text}");
            // EC and Ed25519 keys cannot encipher keys: no keyEncipherment for them.
            let has_ke = text.contains("Key Encipherment");
            assert_eq!(
                has_ke,
                matches!(leaf_spec, KeySpec::Rsa(_)),
                "{leaf_spec:?}: {text}"
            );
            assert!(text.contains("DNS:device.example.com"), "{text}");
            assert!(
                text.contains(&format!("Serial Number: {serial} (0x{serial:x})")),
                "{text}"
            );
            // The key we hold matches the certificate.
            let key_path = write(
                dir.path(),
                &format!("key{i}.pem"),
                key.to_pkcs8_pem().unwrap().as_bytes(),
            );
            let out = std::process::Command::new("openssl")
                .args(["x509", "-noout", "-pubkey", "-in", &name])
                .current_dir(dir.path())
                .output()
                .unwrap();
            let from_key = std::process::Command::new("openssl")
                .args(["pkey", "-pubout", "-in"])
                .arg(&key_path)
                .output()
                .unwrap();
            assert_eq!(out.stdout, from_key.stdout, "{leaf_spec:?}");
        }
    }
}

#[test]
fn rsa_hash_follows_cfssl_and_can_be_overridden() {
    use certgate_ca::{CertificateAuthority, KeySigner, PrivateKey, RootCaBuilder, SignatureHash};
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let csr = csr_json("RSA 3072 root", "rsa", 3072);
    let key = PrivateKey::generate(KeySpec::Rsa(3072)).unwrap();
    let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .with_now(NOW)
        .build()
        .unwrap();
    write(dir.path(), "ca.pem", made.certificate.to_pem());
    assert!(openssl_text(dir.path(), "ca.pem").contains("sha384WithRSAEncryption"));

    let key = PrivateKey::from_pkcs8_der(
        &PrivateKey::generate(KeySpec::Rsa(3072))
            .unwrap()
            .to_pkcs8_der()
            .unwrap(),
        "k",
    )
    .unwrap();
    let signer = KeySigner::with_hash(key, SignatureHash::Sha256).unwrap();
    let made = RootCaBuilder::new(&csr, Box::new(signer))
        .with_now(NOW)
        .build()
        .unwrap();
    write(dir.path(), "ca256.pem", made.certificate.to_pem());
    assert!(openssl_text(dir.path(), "ca256.pem").contains("sha256WithRSAEncryption"));
    let _: &CertificateAuthority = &made.ca;

    let p256 = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    assert!(KeySigner::with_hash(p256, SignatureHash::Sha384).is_err());
}

#[test]
fn openssl_made_requests_are_signed() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ca, ca_cert) = root(KeySpec::EcdsaP384);
    write(dir.path(), "ca.pem", ca_cert.to_pem());
    let kinds: [(&str, &[&str]); 4] = [
        ("rsa", &["-newkey", "rsa:2048"]),
        (
            "p256",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        ),
        // openssl signs a P-384 request with SHA-256 by default: accepted.
        (
            "p384",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        ),
        ("ed25519", &["-newkey", "ed25519"]),
    ];
    for (i, (name, newkey)) in kinds.iter().enumerate() {
        let mut args = vec![
            "req",
            "-new",
            "-nodes",
            "-subj",
            "/C=PT/O=Devices/OU=a/OU=b/CN=dev",
            "-addext",
            "subjectAltName=DNS:dev.example.com,IP:10.0.0.7,email:dev@example.com,URI:spiffe://example.com/dev",
            "-addext",
            "keyUsage=critical,digitalSignature",
            "-keyout",
        ];
        let key_file = format!("{name}.key");
        let csr_file = format!("{name}.csr");
        args.push(&key_file);
        args.extend_from_slice(newkey);
        args.extend_from_slice(&["-out", &csr_file]);
        let out = std::process::Command::new("openssl")
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let csr = CertificateRequest::from_pem_file(dir.path().join(&csr_file)).unwrap();
        assert_eq!(csr.hosts().len(), 4, "{name}");
        let leaf = issue(&ca, &csr, "client", u8::try_from(i + 20).unwrap());
        let file = format!("{name}.pem");
        write(dir.path(), &file, leaf.to_pem());
        let (ok, out) = openssl_verify(
            dir.path(),
            &["-CAfile", "ca.pem", "-purpose", "sslclient", &file],
        );
        assert!(ok, "{name}: {out}");
        let text = openssl_text(dir.path(), &file);
        assert!(
            text.contains("Subject: C = PT, O = Devices, OU = a, OU = b, CN = dev"),
            "{text}"
        );
        assert!(text.contains("DNS:dev.example.com, IP Address:10.0.0.7, email:dev@example.com, URI:spiffe://example.com/dev"), "{text}");
        // The certificate's key is the request's key.
        let pub_cert = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-pubkey", "-in", &file])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let pub_key = std::process::Command::new("openssl")
            .args(["pkey", "-pubout", "-in", &key_file])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(pub_cert.stdout, pub_key.stdout, "{name}");
    }
}

#[test]
fn a_request_with_a_bad_signature_is_refused() {
    let (_, csr) = request("dev", KeySpec::EcdsaP256, &[]);
    let mut der = csr.der().to_vec();
    let last = der.len() - 3;
    der[last] ^= 0x01;
    let err = CertificateRequest::from_der(&der, "dev.csr").unwrap_err();
    assert!(matches!(err, CaError::CsrSignature { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "dev.csr: certificate request signature does not verify"
    );
}

#[test]
fn crl_verifies_with_openssl_and_revokes() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root_ca, root_cert) = root(KeySpec::Rsa(2048));
    let (inter, inter_cert) = intermediate(&root_ca, "intermediate", KeySpec::EcdsaP256, 2);
    let (_, csr) = request("revoked", KeySpec::EcdsaP256, &[]);
    let revoked = issue(&inter, &csr, "client", 0x42);
    let (_, csr) = request("good", KeySpec::EcdsaP256, &[]);
    let good = issue(&inter, &csr, "client", 0x43);
    let crl = inter
        .crl(7, NOW, NOW + Duration::days(7))
        .with_entry(RevokedEntry {
            serial: vec![0x42],
            revoked_at: NOW - Duration::hours(1),
            reason: Some(RevocationReason::KeyCompromise),
        })
        .with_entry(RevokedEntry {
            serial: vec![0x99],
            revoked_at: NOW - Duration::hours(2),
            reason: None,
        })
        .build()
        .unwrap();
    let root_crl = root_ca
        .crl(1, NOW, NOW + Duration::days(30))
        .build()
        .unwrap();
    write(dir.path(), "root.pem", root_cert.to_pem());
    write(dir.path(), "inter.pem", inter_cert.to_pem());
    write(
        dir.path(),
        "crl.pem",
        format!("{}{}", crl.to_pem(), root_crl.to_pem()),
    );
    write(dir.path(), "inter-crl.pem", crl.to_pem());
    write(dir.path(), "revoked.pem", revoked.to_pem());
    write(dir.path(), "good.pem", good.to_pem());

    let out = std::process::Command::new("openssl")
        .args([
            "crl",
            "-in",
            "inter-crl.pem",
            "-CAfile",
            "inter.pem",
            "-noout",
            "-text",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("verify OK"), "{text}");
    assert!(
        text.contains("X509v3 CRL Number: \n                7") || text.contains("CRL Number:"),
        "{text}"
    );
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(text.contains("Serial Number: 99"), "{text}");

    let chain = [
        "-CAfile",
        "root.pem",
        "-untrusted",
        "inter.pem",
        "-crl_check_all",
        "-CRLfile",
        "crl.pem",
    ];
    let (ok, out) = openssl_verify(dir.path(), &[&chain[..], &["revoked.pem"]].concat());
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = openssl_verify(dir.path(), &[&chain[..], &["good.pem"]].concat());
    assert!(ok, "{out}");
}

#[test]
fn name_constraints_bind_what_an_intermediate_may_certify() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root_ca, root_cert) = root(KeySpec::EcdsaP256);
    let (inter, inter_cert) = intermediate(&root_ca, "constrained", KeySpec::EcdsaP256, 2);
    write(dir.path(), "root.pem", root_cert.to_pem());
    write(dir.path(), "inter.pem", inter_cert.to_pem());
    let text = openssl_text(dir.path(), "inter.pem");
    assert!(text.contains("X509v3 Name Constraints: critical"), "{text}");
    assert!(text.contains("IP:10.0.0.0/255.0.0.0"), "{text}");
    for (i, (host, allowed)) in [
        ("a.example.com", true),
        ("bad.example.com", false),
        ("example.org", false),
        ("10.1.2.3", true),
        ("192.168.1.1", false),
    ]
    .iter()
    .enumerate()
    {
        let (_, csr) = request("dev", KeySpec::EcdsaP256, &[host]);
        let leaf = issue(&inter, &csr, "server", u8::try_from(i + 5).unwrap());
        let file = format!("leaf{i}.pem");
        write(dir.path(), &file, leaf.to_pem());
        let (ok, out) = openssl_verify(
            dir.path(),
            &["-CAfile", "root.pem", "-untrusted", "inter.pem", &file],
        );
        assert_eq!(ok, *allowed, "{host}: {out}");
    }
}

#[test]
fn encrypted_ca_key_is_read_by_openssl() {
    use certgate_ca::{Password, PrivateKey};
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let pem = key
        .to_encrypted_pkcs8_pem(&Password::new("s3cret"))
        .unwrap();
    write(dir.path(), "ca-key.pem", &pem);
    let out = std::process::Command::new("openssl")
        .args([
            "pkey",
            "-in",
            "ca-key.pem",
            "-passin",
            "pass:s3cret",
            "-pubout",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours =
        PrivateKey::from_pem(pem.as_bytes(), "ca-key.pem", Some(&Password::new("s3cret"))).unwrap();
    assert_eq!(ours.public_key_der(), key.public_key_der());
    // And a key OpenSSL encrypted (its default PBES2/AES-256-CBC, HMAC-SHA256) opens too.
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-aes-256-cbc",
            "-pass",
            "pass:pw",
            "-out",
            "ossl.pem",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PrivateKey::from_pem_file(dir.path().join("ossl.pem"), Some(&Password::new("pw"))).unwrap();
    let err = PrivateKey::from_pem_file(dir.path().join("ossl.pem"), Some(&Password::new("nope")))
        .unwrap_err();
    assert!(matches!(err, CaError::WrongPassword { .. }), "{err}");
}

#[test]
fn profile_urls_and_fixed_dates_reach_the_certificate() {
    use certgate_ca::cfssl::SigningConfig;
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"device": {
            "usages": ["digital signature", "client auth"],
            "crl_url": "http://pki.example.com/ca.crl",
            "ocsp_url": "http://ocsp.example.com",
            "issuer_urls": ["http://pki.example.com/ca.der"],
            "not_before": "2026-01-01T00:00:00Z", "not_after": "2027-01-01T00:00:00Z"}}}}"#,
        "c.json",
    )
    .unwrap();
    let (ca, _) = root(KeySpec::EcdsaP256);
    let (_, csr) = request("dev", KeySpec::EcdsaP256, &[]);
    let cert = ca
        .issue(&csr, config.profile("device").unwrap())
        .with_now(NOW)
        .build()
        .unwrap();
    write(dir.path(), "dev.pem", cert.to_pem());
    let text = openssl_text(dir.path(), "dev.pem");
    for expected in [
        "X509v3 CRL Distribution Points",
        "URI:http://pki.example.com/ca.crl",
        "OCSP - URI:http://ocsp.example.com",
        "CA Issuers - URI:http://pki.example.com/ca.der",
        "Not Before: Jan  1 00:00:00 2026 GMT",
        "Not After : Jan  1 00:00:00 2027 GMT",
        "X509v3 Basic Constraints: critical",
        "X509v3 Key Usage: critical",
        "X509v3 Subject Key Identifier",
        "X509v3 Authority Key Identifier",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
}

#[test]
fn the_clock_and_serial_can_be_fixed_and_notbefore_is_backdated() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ca, _) = root(KeySpec::EcdsaP256);
    let (_, csr) = request("dev", KeySpec::EcdsaP256, &[]);
    let cert = ca
        .issue(&csr, &profile("client"))
        .with_now(NOW + Duration::seconds(40)) // rounds up to 12:01
        .with_serial(&[0x0a, 0xbc])
        .build()
        .unwrap();
    write(dir.path(), "dev.pem", cert.to_pem());
    let text = openssl_text(dir.path(), "dev.pem");
    assert!(text.contains("Serial Number: 2748 (0xabc)"), "{text}");
    assert!(
        text.contains("Not Before: Jun  1 11:56:00 2026 GMT"),
        "{text}"
    );
    assert!(
        text.contains("Not After : Jun  1 11:56:00 2027 GMT"),
        "{text}"
    );
    // Random serials: 20 bytes, positive.
    let random = ca.issue(&csr, &profile("client")).build().unwrap();
    let serial = random.serial().as_bytes();
    assert_eq!(serial.len(), 20);
    assert!(serial[0] < 0x80 && serial[0] != 0);
}

/// A signer held "elsewhere": here a wrapper that counts what it signs, standing in for
/// an HSM or a KMS behind the `CaSigner` trait.
#[derive(Debug)]
struct CountingSigner {
    inner: certgate_ca::KeySigner,
    count: std::sync::atomic::AtomicUsize,
}

impl certgate_ca::CaSigner for CountingSigner {
    fn public_key_der(&self) -> Vec<u8> {
        self.inner.public_key_der()
    }
    fn algorithm(&self) -> certgate_ca::SignatureAlgorithm {
        self.inner.algorithm()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, certgate_ca::SignerError> {
        self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.sign(message)
    }
}

#[test]
fn an_external_signer_signs_through_the_trait() {
    use certgate_ca::{CaSigner, CertificateAuthority, KeySigner, PrivateKey, RootCaBuilder};
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let csr_json = csr_json("HSM root", "ecdsa", 384);
    let signer = CountingSigner {
        inner: KeySigner::new(PrivateKey::generate(KeySpec::EcdsaP384).unwrap()),
        count: 0.into(),
    };
    let made = RootCaBuilder::new(&csr_json, Box::new(signer))
        .with_now(NOW)
        .build()
        .unwrap();
    let ca: &CertificateAuthority = &made.ca;
    let (_, csr) = request("dev", KeySpec::Ed25519, &[]);
    let leaf = issue(ca, &csr, "client", 5);
    let crl = ca.crl(1, NOW, NOW + Duration::days(1)).build().unwrap();
    write(dir.path(), "ca.pem", made.certificate.to_pem());
    write(dir.path(), "leaf.pem", leaf.to_pem());
    write(dir.path(), "crl.pem", crl.to_pem());
    let (ok, out) = openssl_verify(
        dir.path(),
        &[
            "-CAfile",
            "ca.pem",
            "-crl_check",
            "-CRLfile",
            "crl.pem",
            "leaf.pem",
        ],
    );
    assert!(ok, "{out}");
    // Request, root, leaf and CRL: four signatures, all through the trait.
    let signer: &dyn CaSigner = ca.signer();
    assert!(format!("{signer:?}").contains("count: 4"), "{signer:?}");
}
