//! PEM splitting and PKCS#10 parsing on arbitrary text: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = certgate_ca::CertificateRequest::from_pem(data, "fuzz");
});
