//! certgate-x509's views on arbitrary bytes: the first byte picks the structure
//! (0 certificate, 1 CRL, 2 CSR, anything else PEM), the rest is the input. Never
//! panics; every accessor works on what parses; and what the strict reader accepts,
//! x509-cert (a second DER reader) accepts too and reads the same way.
#![no_main]

use certgate_x509::{CertView, CertificateInfo, CrlView, CsrView, pem};
use der::{Decode, Encode};
use libfuzzer_sys::fuzz_target;

fn certificate(data: &[u8]) {
    let Ok(view) = CertView::parse(data) else {
        return;
    };
    let _ = view.basic_constraints();
    let _ = view.key_usage();
    let _ = view.key_purposes();
    let _ = view.subject_key_id();
    let _ = view.authority_key_id();
    let _ = view.subject_alt_names();
    let _ = view.crl_distribution_point_names();
    let _ = view.public_key();
    let _ = (
        view.subject.to_rfc4514(),
        view.issuer.to_rfc2253(),
        view.subject.to_attributes(),
    );
    let _ = (
        view.serial.to_hex(),
        view.serial.to_decimal(),
        view.serial.fixed_key(),
    );
    let _ = (view.not_before.to_string(), view.not_after.to_string());
    if let Ok(info) = CertificateInfo::from_der(data) {
        assert_eq!(info.der(), data);
        assert_eq!(info.serial(), view.serial);
        let _ = (
            info.common_name(),
            info.sans(),
            info.signature_algorithm_oid(),
        );
    }
    // The differential oracle: a second DER reader agrees on what we accepted.
    let other = match x509_cert::Certificate::from_der(data) {
        Ok(other) => other,
        // x509-cert reads a narrower DER than X.509 allows: const-oid's OIDs (a second arc
        // of at most 39, arcs of at most 32 bits, at most 39 bytes: 2.999.1 and
        // 2.25.<UUID> are beyond it) and der's universal tags (no GraphicString or
        // UniversalString, which a DirectoryString may be), and der's times (from 1970). Such input is no disagreement
        // about the DER; every other refusal is.
        Err(e) if beyond_x509_cert(e.kind()) && has_value_beyond_x509_cert(data, 0) => return,
        // der's times start in 1970; RFC 5280's UTCTime reads 50 as 1950.
        Err(e)
            if matches!(e.kind(), der::ErrorKind::Value { .. })
                && (view.not_before.unix_seconds() < 0 || view.not_after.unix_seconds() < 0) =>
        {
            return;
        }
        Err(e) => panic!("x509-cert refuses a certificate certgate-x509 accepts: {e:?}"),
    };
    let tbs = other.tbs_certificate();
    assert_eq!(tbs.serial_number().as_bytes(), view.serial.as_bytes());
    assert_eq!(tbs.issuer().to_der().expect("issuer"), view.issuer.der());
    assert_eq!(tbs.subject().to_der().expect("subject"), view.subject.der());
    assert_eq!(
        tbs.subject_public_key_info().to_der().expect("spki"),
        view.spki
    );
}

/// The refusals of x509-cert that [`has_value_beyond_x509_cert`] explains.
fn beyond_x509_cert(kind: der::ErrorKind) -> bool {
    matches!(
        kind,
        der::ErrorKind::OidMalformed | der::ErrorKind::TagUnknown { byte: 0x19 | 0x1c }
    )
}

/// Whether the DER in `data` holds a value X.690 allows and x509-cert cannot read: an
/// OBJECT IDENTIFIER well formed by certgate-x509's check that const-oid cannot represent,
/// or a GraphicString or UniversalString.
fn has_value_beyond_x509_cert(mut data: &[u8], depth: usize) -> bool {
    while let Some((tag, value, rest)) = next_tlv(data) {
        if tag == 0x06
            && certgate_x509::der::oid(value).is_ok()
            && const_oid::ObjectIdentifier::from_bytes(value).is_err()
        {
            return true;
        }
        if matches!(tag, 0x19 | 0x1c) {
            return true;
        }
        if tag & 0x20 != 0 && depth < 32 && has_value_beyond_x509_cert(value, depth + 1) {
            return true;
        }
        data = rest;
    }
    false
}

/// One TLV with a one-byte tag and a definite length of at most four bytes.
fn next_tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

fn crl(data: &[u8]) {
    let Ok(view) = CrlView::parse(data) else {
        return;
    };
    let _ = view.crl_number();
    let _ = view.authority_key_id();
    let _ = view
        .issuing_distribution_point()
        .map(|i| i.map(|i| i.full_names()));
    let counted = view.entry_count();
    let mut read = 0usize;
    for entry in view.entries() {
        match entry {
            Ok(e) => {
                let _ = (e.serial.to_hex(), e.reason, e.invalidity_date);
                read += 1;
            }
            Err(_) => return,
        }
    }
    assert_eq!(counted.ok(), Some(read));
}

fn csr(data: &[u8]) {
    let Ok(view) = CsrView::parse(data) else {
        return;
    };
    let _ = view.attributes().count();
    let _ = view.extensions.iter().count();
    let _ = view.subject.to_rfc4514();
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    match kind {
        0 => certificate(rest),
        1 => crl(rest),
        2 => csr(rest),
        _ => {
            if let Ok(blocks) = pem::parse_blocks(rest) {
                for b in blocks {
                    certificate(&b.der);
                    crl(&b.der);
                    csr(&b.der);
                }
            }
        }
    }
});
