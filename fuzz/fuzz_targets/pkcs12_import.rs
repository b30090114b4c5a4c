//! PKCS#12 import on arbitrary bytes and passwords: never panics, and stays within its
//! limits. The first byte says how many of the next bytes are the password.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else { return };
    let n = usize::from(n % 16).min(rest.len());
    let (password, bundle) = rest.split_at(n);
    let password = String::from_utf8_lossy(password);
    if let Ok(parsed) = certgate_pkcs12::Pkcs12Bundle::parse(bundle, &password) {
        assert!(parsed.info.bag_count <= certgate_pkcs12::MAX_BAGS);
        let _ = parsed.leaf();
    }
});
