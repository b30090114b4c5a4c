//! Property: export then import gives back the same key, certificates and name, for
//! random names, passwords (Unicode, empty), profiles, key types and chains.

#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use certgate_ca::cfssl::CsrJson;
use certgate_ca::{KeySigner, KeySpec, PrivateKey, RootCaBuilder};
use certgate_pkcs12::{Pkcs12Builder, Pkcs12Bundle, Pkcs12Profile};
use proptest::prelude::*;

/// Keys (P-256, P-384, Ed25519) and self-signed certificates to draw from.
fn material() -> &'static Vec<(Vec<u8>, Vec<u8>)> {
    static MATERIAL: OnceLock<Vec<(Vec<u8>, Vec<u8>)>> = OnceLock::new();
    MATERIAL.get_or_init(|| {
        [
            KeySpec::EcdsaP256,
            KeySpec::EcdsaP384,
            KeySpec::Ed25519,
            KeySpec::EcdsaP256,
        ]
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let csr =
                CsrJson::from_json(format!(r#"{{"CN": "prop {i}"}}"#).as_bytes(), "t").unwrap();
            let key = PrivateKey::generate(*spec).unwrap();
            let pkcs8 = key.to_pkcs8_der().unwrap().to_vec();
            let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
                .build()
                .unwrap();
            (pkcs8, root.certificate.der().to_vec())
        })
        .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn export_then_import_is_identity(
        which in 0usize..4,
        chain_len in 0usize..4,
        name in proptest::option::of("\\PC{0,24}"),
        password in "\\PC{0,16}",
        legacy in any::<bool>(),
        iterations in 1u32..64,
    ) {
        let material = material();
        let (key, cert) = &material[which];
        let chain: Vec<&[u8]> = material.iter().take(chain_len).map(|(_, c)| c.as_slice()).collect();
        let profile = if legacy { Pkcs12Profile::Legacy } else { Pkcs12Profile::Modern };
        let mut builder = Pkcs12Builder::new(key, cert, &password)
            .with_chain(chain.clone())
            .with_profile(profile)
            .with_iterations(iterations);
        if let Some(name) = &name {
            builder = builder.with_friendly_name(name.clone());
        }
        let der = builder.build().unwrap();
        let bundle = Pkcs12Bundle::parse(&der, &password).unwrap();
        prop_assert_eq!(bundle.keys.len(), 1);
        prop_assert_eq!(bundle.key().unwrap().pkcs8_der(), key.as_slice());
        prop_assert_eq!(&bundle.key().unwrap().friendly_name, &name);
        let certs: Vec<&[u8]> = bundle.certificates.iter().map(|c| c.der.as_slice()).collect();
        let mut expected = vec![cert.as_slice()];
        expected.extend(chain);
        prop_assert_eq!(certs, expected);
        prop_assert_eq!(&bundle.leaf().unwrap().der, cert);
        prop_assert_eq!(&bundle.leaf().unwrap().friendly_name, &name);
    }
}
