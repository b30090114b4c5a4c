//! PKCS#10 parsing and signature checking on arbitrary DER: never panics, and a request
//! that parses keeps the DER it came from.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(csr) = certgate_ca::CertificateRequest::from_der(data, "fuzz") {
        assert_eq!(csr.der(), data);
        let _ = csr.subject();
        let _ = csr.hosts();
    }
});
