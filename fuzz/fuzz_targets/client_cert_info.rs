//! `ClientCertInfo` parsing, the per-handshake hot path, on arbitrary DER: never panics,
//! and every accessor works on what parses.
#![no_main]

use certgate_verify::ClientCertInfo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = ClientCertInfo::from_der(data) {
        assert_eq!(info.der(), Some(data));
        let _ = info.subject_rfc4514();
        let _ = info.subject_rfc2253();
        let _ = info.issuer_rfc4514();
        let _ = info.issuer_rfc2253();
        let _ = info.subject_attributes();
        let _ = info.common_name();
        let _ = info.serial_hex();
        let _ = info.ski();
        let _ = info.issuer_key_id();
        let _ = info.spki_der();
        assert!(!info.verified());
    }
});
