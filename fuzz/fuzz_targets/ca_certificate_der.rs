//! Reading a certificate to issue with (and printing its fields) on arbitrary DER: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = certgate_ca::CaCertificate::from_der(data, "fuzz");
    let _ = certgate_ca::CfsslCertInfo::from_der(data, "fuzz");
});
