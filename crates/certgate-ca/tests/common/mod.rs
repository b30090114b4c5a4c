//! Shared helpers for certgate-ca's integration tests: a test PKI made with a fixed clock
//! and fixed serials, and files for the external tools.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use certgate_ca::cfssl::{CsrJson, SigningConfig, SigningProfile};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, IssuedCertificate, KeySigner, KeySpec, PrivateKey,
    RootCaBuilder, SubjectName,
};
use time::OffsetDateTime;
use time::macros::datetime;

/// The fixed clock of the test PKI.
pub const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

/// Profiles used by the tests: client and server leaves, an intermediate with pathlen 0,
/// one with pathlen 1, and a name-constrained intermediate.
pub const CONFIG: &str = r#"{
  "signing": {
    "default": {"expiry": "8760h"},
    "profiles": {
      "client": {"usages": ["signing", "key encipherment", "client auth"], "expiry": "8760h"},
      "server": {"usages": ["signing", "key encipherment", "server auth"], "expiry": "8760h"},
      "intermediate": {"usages": ["cert sign", "crl sign"], "expiry": "43800h",
                       "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}},
      "intermediate1": {"usages": ["cert sign", "crl sign"], "expiry": "43800h",
                        "ca_constraint": {"is_ca": true, "max_path_len": 1}},
      "constrained": {"usages": ["cert sign", "crl sign"], "expiry": "43800h",
                      "ca_constraint": {"is_ca": true, "max_path_len": 0, "max_path_len_zero": true},
                      "name_constraints": {"permitted_dns": ["example.com"], "excluded_dns": ["bad.example.com"],
                                           "permitted_ip": ["10.0.0.0/8"]}}
    }
  }
}"#;

/// The test signing configuration.
pub fn config() -> SigningConfig {
    SigningConfig::from_json(CONFIG.as_bytes(), "test config").unwrap()
}

/// One profile of [`CONFIG`].
pub fn profile(name: &str) -> SigningProfile {
    config().profile(name).unwrap().clone()
}

/// cfssl CSR JSON for a subject in the seed's style.
pub fn csr_json(cn: &str, algo: &str, size: u32) -> CsrJson {
    let json = format!(
        r#"{{"CN": "{cn}", "key": {{"algo": "{algo}", "size": {size}}},
            "names": [{{"C": "PT", "L": "Lisboa", "O": "Money App Test", "OU": "Sam Projects", "ST": "Lisboa"}}]}}"#
    );
    CsrJson::from_json(json.as_bytes(), "test csr").unwrap()
}

/// A root CA with a fixed serial at [`NOW`].
pub fn root(spec: KeySpec) -> (CertificateAuthority, IssuedCertificate) {
    let csr = csr_json("Test Root", spec.algo(), spec.size());
    let key = PrivateKey::generate(spec).unwrap();
    let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .with_now(NOW)
        .with_serial(&[0x01])
        .build()
        .unwrap();
    (made.ca, made.certificate)
}

/// A fresh key and a request for it.
pub fn request(cn: &str, spec: KeySpec, hosts: &[&str]) -> (PrivateKey, CertificateRequest) {
    let key = PrivateKey::generate(spec).unwrap();
    let signer =
        KeySigner::new(PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap());
    let hosts: Vec<_> = hosts
        .iter()
        .enumerate()
        .filter_map(|(i, h)| certgate_ca::cfssl::classify_host("test", i, h).unwrap())
        .collect();
    let csr =
        CertificateRequest::create(&signer, &SubjectName::with_common_name(cn), &hosts).unwrap();
    (key, csr)
}

/// Issues under `profile` with a fixed serial at [`NOW`].
pub fn issue(
    ca: &CertificateAuthority,
    csr: &CertificateRequest,
    profile_name: &str,
    serial: u8,
) -> IssuedCertificate {
    ca.issue(csr, &profile(profile_name))
        .with_now(NOW)
        .with_serial(&[serial])
        .build()
        .unwrap()
}

/// An intermediate CA issued by `parent`.
pub fn intermediate(
    parent: &CertificateAuthority,
    profile_name: &str,
    spec: KeySpec,
    serial: u8,
) -> (CertificateAuthority, IssuedCertificate) {
    let key = PrivateKey::generate(spec).unwrap();
    let signer =
        KeySigner::new(PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "k").unwrap());
    let csr = CertificateRequest::create(
        &signer,
        &SubjectName::with_common_name(format!("Intermediate {serial}")),
        &[],
    )
    .unwrap();
    let cert = issue(parent, &csr, profile_name, serial);
    let ca_cert = certgate_ca::CaCertificate::from_der(cert.der(), "intermediate").unwrap();
    (
        CertificateAuthority::new(ca_cert, Box::new(KeySigner::new(key))).unwrap(),
        cert,
    )
}

/// Writes `contents` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// `openssl verify` at the test clock; returns (success, output).
pub fn openssl_verify(dir: &Path, args: &[&str]) -> (bool, String) {
    let attime = NOW.unix_timestamp().to_string();
    let mut all = vec!["verify", "-attime", attime.as_str()];
    all.extend_from_slice(args);
    let out = std::process::Command::new("openssl")
        .args(&all)
        .current_dir(dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `openssl x509 -noout -text` of a PEM certificate file.
pub fn openssl_text(dir: &Path, file: &str) -> String {
    openssl_text_of(dir, "x509", file)
}

/// `openssl KIND -noout -text` of a PEM file (`x509`, `crl`, `req`).
pub fn openssl_text_of(dir: &Path, kind: &str, file: &str) -> String {
    let out = std::process::Command::new("openssl")
        .args([kind, "-noout", "-text", "-in", file])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
