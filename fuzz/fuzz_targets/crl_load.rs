//! CRL loading on arbitrary bytes (DER or PEM): never panics. The issuer is fixed, so
//! inputs mostly fail the signature check after the full walk over their entries.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn issuer() -> &'static Vec<u8> {
    static ISSUER: OnceLock<Vec<u8>> = OnceLock::new();
    ISSUER.get_or_init(|| {
        let csr =
            certgate_ca::cfssl::CsrJson::from_json(br#"{"CN": "fuzz CA"}"#, "fuzz").expect("json");
        let key = certgate_ca::PrivateKey::generate(certgate_ca::KeySpec::EcdsaP256).expect("key");
        certgate_ca::RootCaBuilder::new(&csr, Box::new(certgate_ca::KeySigner::new(key)))
            .build()
            .expect("root")
            .certificate
            .der()
            .to_vec()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(builder) = certgate_verify::RevocationStore::builder([issuer().as_slice()]) else {
        return;
    };
    if let Ok(builder) = builder.with_crls(data, "fuzz") {
        let _ = builder.build();
    }
});
