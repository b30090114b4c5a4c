//! Chain verification on arbitrary certificates: the leaf, or an intermediate the peer
//! presents, is fuzzed; the RFC 5280 checks walk it before and after webpki. Never
//! panics, and never accepts: nothing here is signed by the fixed anchor.
#![no_main]

use std::sync::OnceLock;

use certgate_verify::{ChainVerifier, Usage};
use libfuzzer_sys::fuzz_target;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

fn verifier() -> &'static ChainVerifier {
    static VERIFIER: OnceLock<ChainVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let csr =
            certgate_ca::cfssl::CsrJson::from_json(br#"{"CN": "fuzz CA"}"#, "fuzz").expect("json");
        let key = certgate_ca::PrivateKey::generate(certgate_ca::KeySpec::EcdsaP256).expect("key");
        let root =
            certgate_ca::RootCaBuilder::new(&csr, Box::new(certgate_ca::KeySigner::new(key)))
                .build()
                .expect("root");
        ChainVerifier::builder(vec![CertificateDer::from(root.certificate.der().to_vec())])
            .build()
            .expect("verifier")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, cert)) = data.split_first() else {
        return;
    };
    let cert = CertificateDer::from(cert);
    let now = UnixTime::now();
    let name = ServerName::try_from("www.example.com").expect("name");
    let result = match mode % 3 {
        0 => verifier().verify_chain(&cert, &[], &Usage::client_auth(), None, now),
        1 => verifier().verify_chain(&cert, &[], &Usage::server_auth(), Some(&name), now),
        _ => verifier().verify_chain(&cert, &[cert.clone()], &Usage::any(), None, now),
    };
    assert!(result.is_err(), "nothing fuzzed chains to the fixed anchor");
});
