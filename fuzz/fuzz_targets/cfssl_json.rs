//! cfssl's CSR and config JSON models on arbitrary bytes: never panics; a CSR that parses
//! survives its own JSON round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(csr) = certgate_ca::cfssl::CsrJson::from_json(data, "fuzz") {
        let _ = csr.key_spec();
        let _ = csr.host_names();
        let again = certgate_ca::cfssl::CsrJson::from_json(csr.to_json().as_bytes(), "again");
        assert!(again.is_ok());
    }
    let _ = certgate_ca::cfssl::SigningConfig::from_json(data, "fuzz");
});
