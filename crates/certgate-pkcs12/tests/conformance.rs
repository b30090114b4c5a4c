//! Every bundle in `shared/conformance/pkcs12/` (made by OpenSSL, pyca/cryptography, Java
//! and others) imports, and what comes out agrees with Python's `cryptography`: the
//! same certificates with the same friendly names, and a key that matches the leaf.

#![allow(clippy::unwrap_used)]

use certgate_pkcs12::Pkcs12Bundle;
use certgate_test_support::{require_python_module, run_ok, shared_dir};
use serde_json::Value;

/// Python's view of a bundle, and whether our key matches our leaf certificate.
const ORACLE: &str = r#"
import json, sys
from cryptography.hazmat.primitives.serialization import pkcs12, load_der_private_key, Encoding, PublicFormat
path, password, key_der, leaf_der = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
b = pkcs12.load_pkcs12(open(path, 'rb').read(), password.encode() if password else None)
certs = ([b.cert] if b.cert else []) + list(b.additional_certs)
out = {
    "has_key": b.key is not None,
    "leaf": b.cert.certificate.public_bytes(Encoding.DER).hex() if b.cert else None,
    "certs": sorted([c.certificate.public_bytes(Encoding.DER).hex(), (c.friendly_name or b"").decode()] for c in certs),
}
if key_der and leaf_der:
    from cryptography import x509
    ours = load_der_private_key(bytes.fromhex(key_der), None)
    leaf = x509.load_der_x509_certificate(bytes.fromhex(leaf_der))
    spki = lambda k: k.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    out["our_key_matches_our_leaf"] = spki(ours.public_key()) == spki(leaf.public_key())
print(json.dumps(out))
"#;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn every_conformance_bundle_imports_with_the_right_contents() {
    let Some(shared) = shared_dir() else { return };
    if !require_python_module("cryptography") {
        return;
    }
    let dir = shared.join("conformance/pkcs12");
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let mut checked = 0;
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut fields = line.split('\t');
        let file = fields.next().unwrap();
        let password = fields.next().unwrap_or("");
        let path = dir.join(file);
        let bytes = std::fs::read(&path).unwrap();
        let bundle =
            Pkcs12Bundle::parse(&bytes, password).unwrap_or_else(|e| panic!("{file}: {e}"));

        let key_der = bundle.key().map(|k| hex(k.pkcs8_der())).unwrap_or_default();
        let leaf = bundle
            .key()
            .and(bundle.leaf())
            .map(|c| hex(&c.der))
            .unwrap_or_default();
        let out = run_ok(
            "python3",
            &[
                "-c",
                ORACLE,
                path.to_str().unwrap(),
                password,
                &key_der,
                &leaf,
            ],
            &dir,
        );
        let theirs: Value = serde_json::from_str(&out.stdout).unwrap();

        assert_eq!(theirs["has_key"], bundle.key().is_some(), "{file}");
        if bundle.key().is_some() && !bundle.certificates.is_empty() {
            assert_eq!(
                theirs["our_key_matches_our_leaf"], true,
                "{file}: our key is not our leaf's"
            );
            assert_eq!(
                theirs["leaf"],
                Value::String(leaf.clone()),
                "{file}: another leaf"
            );
        }
        let mut ours: Vec<Value> = bundle
            .certificates
            .iter()
            .map(|c| serde_json::json!([hex(&c.der), c.friendly_name.clone().unwrap_or_default()]))
            .collect();
        ours.sort_by_key(|v| v.to_string());
        let mut expected = theirs["certs"].as_array().unwrap().clone();
        expected.sort_by_key(|v| v.to_string());
        assert_eq!(ours, expected, "{file}: certificates or names differ");
        checked += 1;
    }
    assert_eq!(checked, 48, "the manifest lists 48 bundles");
}
