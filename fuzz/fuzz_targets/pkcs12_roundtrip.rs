//! Export with arbitrary names, passwords, profiles and iteration counts, then import:
//! the key, the certificates and the name come back unchanged (names with control characters
//! are refused at export).
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use certgate_pkcs12::{Pkcs12Builder, Pkcs12Bundle, Pkcs12Profile};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    name: Option<String>,
    password: String,
    legacy: bool,
    iterations: u8,
    with_chain: bool,
}

fn material() -> &'static (Vec<u8>, Vec<u8>) {
    static MATERIAL: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    MATERIAL.get_or_init(|| {
        let csr =
            certgate_ca::cfssl::CsrJson::from_json(br#"{"CN": "fuzz"}"#, "fuzz").expect("json");
        let key = certgate_ca::PrivateKey::generate(certgate_ca::KeySpec::EcdsaP256).expect("key");
        let pkcs8 = key.to_pkcs8_der().expect("pkcs8").to_vec();
        let root =
            certgate_ca::RootCaBuilder::new(&csr, Box::new(certgate_ca::KeySigner::new(key)))
                .build()
                .expect("root");
        (pkcs8, root.certificate.der().to_vec())
    })
}

fuzz_target!(|input: Input| {
    let (key, cert) = material();
    let profile = if input.legacy {
        Pkcs12Profile::Legacy
    } else {
        Pkcs12Profile::Modern
    };
    let mut builder = Pkcs12Builder::new(key, cert, &input.password)
        .with_profile(profile)
        .with_iterations(u32::from(input.iterations % 8) + 1);
    if input.with_chain {
        builder = builder.with_chain([cert.as_slice()]);
    }
    if let Some(name) = &input.name {
        builder = builder.with_friendly_name(name.clone());
    }
    let built = builder.build();
    if input
        .name
        .as_deref()
        .is_some_and(|name| name.chars().any(char::is_control))
    {
        // Refused: a device shows the name, and importers drop Windows' trailing NUL.
        assert!(
            built.is_err(),
            "a friendly name with a control character was exported"
        );
        return;
    }
    let der = built.expect("export");
    let bundle = Pkcs12Bundle::parse(&der, &input.password).expect("import");
    assert_eq!(bundle.key().expect("key").pkcs8_der(), key.as_slice());
    assert_eq!(&bundle.leaf().expect("leaf").der, cert);
    assert_eq!(bundle.certificates.len(), 1 + usize::from(input.with_chain));
    assert_eq!(bundle.key().expect("key").friendly_name, input.name);
});
