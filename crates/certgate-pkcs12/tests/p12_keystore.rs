//! p12-keystore, a second Rust implementation on the same RustCrypto types, as a second
//! producer and reader: its bundles import with us, and it reads ours.

#![allow(clippy::unwrap_used)]

use certgate_ca::cfssl::CsrJson;
use certgate_ca::{KeySigner, KeySpec, PrivateKey, RootCaBuilder};
use certgate_pkcs12::{Pkcs12Builder, Pkcs12Bundle, Pkcs12Profile};
use p12_keystore::{
    EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, Pkcs12ImportPolicy, PrivateKeyChain,
};

fn material() -> (Vec<u8>, Vec<u8>) {
    let csr = CsrJson::from_json(br#"{"CN": "keystore"}"#, "t").unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let pkcs8 = key.to_pkcs8_der().unwrap().to_vec();
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .build()
        .unwrap();
    (pkcs8, root.certificate.der().to_vec())
}

#[test]
fn p12_keystore_bundles_import() {
    let (key, cert) = material();
    for (encryption, mac) in [
        (
            EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
            MacAlgorithm::HmacSha256,
        ),
        (
            EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
            MacAlgorithm::HmacSha1,
        ),
    ] {
        let chain = PrivateKeyChain::new(
            b"id".to_vec(),
            p12_keystore::PrivateKey::from_der(&key).unwrap(),
            [p12_keystore::Certificate::from_der(&cert).unwrap()],
        );
        let mut store = KeyStore::new();
        store.add_entry("device", KeyStoreEntry::PrivateKeyChain(chain));
        let der = store
            .writer("pw")
            .encryption_algorithm(encryption)
            .mac_algorithm(mac)
            .write()
            .unwrap();
        let bundle = Pkcs12Bundle::parse(&der, "pw").unwrap();
        assert_eq!(
            bundle.key().unwrap().pkcs8_der(),
            key.as_slice(),
            "{encryption:?}"
        );
        assert_eq!(bundle.leaf().unwrap().der, cert, "{encryption:?}");
        assert_eq!(
            bundle.key().unwrap().friendly_name.as_deref(),
            Some("device")
        );
    }
}

#[test]
fn p12_keystore_reads_ours() {
    let (key, cert) = material();
    for profile in [Pkcs12Profile::Modern, Pkcs12Profile::Legacy] {
        let der = Pkcs12Builder::new(&key, &cert, "pw")
            .with_friendly_name("device")
            .with_profile(profile)
            .build()
            .unwrap();
        let store = KeyStore::from_pkcs12(&der, "pw", Pkcs12ImportPolicy::Strict).unwrap();
        let (alias, chain) = store.private_key_chain().unwrap();
        assert_eq!(alias, "device", "{profile:?}");
        assert_eq!(chain.key().as_der(), key.as_slice(), "{profile:?}");
        assert_eq!(chain.certs()[0].as_der(), cert.as_slice(), "{profile:?}");
    }
}
