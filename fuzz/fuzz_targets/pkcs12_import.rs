//! PKCS#12 import on arbitrary bytes and passwords: never panics, and stays within its
//! limits. The first byte's low four bits say how many of the next bytes are the
//! password; its next two bits pick what the rest is:
//!
//! - 0: a bundle. When it imports, the same bundle in BER (indefinite lengths,
//!   OCTET STRINGs in segments, as NSS writes it) must import the same.
//! - 1: scrypt parameters for a key bag: a byte that gives N (2^(b & 63), or, with
//!   the top bit set, the next 8 bytes), r and p (2 bytes each), then the ciphertext.
//! - 2: an encryption `AlgorithmIdentifier` (DER) for a key bag; then the ciphertext.
//!
//! In 1 and 2 the public checker and the import must agree, and a derivation that
//! passes the limits but costs more than a fuzzing run should wait for is not run.
#![no_main]

use certgate_pkcs12::{Limit, MAX_BAGS, MAX_BUNDLE_SIZE, MAX_KDF_WORK, Pkcs12Bundle, Pkcs12Error};
use libfuzzer_sys::fuzz_target;

/// Most key-derivation work run per input in modes 1 and 2: a few milliseconds.
const MAX_FUZZ_WORK: u64 = 1 << 16;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(first % 16).min(rest.len());
    let (password, rest) = rest.split_at(n);
    let password = String::from_utf8_lossy(password);
    match (first >> 4) & 3 {
        1 => scrypt_key(rest, &password),
        2 => spliced_algorithm(rest, &password),
        _ => bundle_and_its_ber(rest, &password),
    }
});

fn check(parsed: &Pkcs12Bundle) {
    assert!(parsed.info.bag_count <= MAX_BAGS);
    assert!(parsed.info.kdf_work <= MAX_KDF_WORK);
    let _ = parsed.leaf();
}

fn bundle_and_its_ber(bundle: &[u8], password: &str) {
    let Ok(parsed) = Pkcs12Bundle::parse(bundle, password) else {
        return;
    };
    check(&parsed);
    let Some(ber) = berize(bundle) else { return };
    if ber.len() > MAX_BUNDLE_SIZE {
        return;
    }
    let again = Pkcs12Bundle::parse(&ber, password).expect("the BER form of a bundle imports");
    assert_eq!(again.certificates, parsed.certificates);
    assert_eq!(again.info, parsed.info);
    let keys = |b: &Pkcs12Bundle| -> Vec<Vec<u8>> {
        b.keys.iter().map(|k| k.pkcs8_der().to_vec()).collect()
    };
    assert_eq!(keys(&again), keys(&parsed));
}

fn scrypt_key(data: &[u8], password: &str) {
    let Some((&b, rest)) = data.split_first() else {
        return;
    };
    let (n, rest) = if b & 0x80 == 0 {
        (1u64 << (b & 63), rest)
    } else if rest.len() >= 8 {
        let (n, rest) = rest.split_at(8);
        (u64::from_be_bytes(n.try_into().expect("8 bytes")), rest)
    } else {
        return;
    };
    if rest.len() < 4 {
        return;
    }
    let (rp, ciphertext) = rest.split_at(4);
    let int = |v: &[u8]| {
        let v: Vec<u8> = v.iter().copied().skip_while(|&b| b == 0).collect();
        let pad = v.first().is_none_or(|&b| b & 0x80 != 0);
        tlv(0x02, &[if pad { &[0][..] } else { &[] }, &v].concat())
    };
    let scrypt = tlv(
        0x30,
        &[
            tlv(
                0x06,
                &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x04, 0x0b],
            ),
            tlv(
                0x30,
                &[
                    tlv(0x04, &[7; 8]),
                    int(&n.to_be_bytes()),
                    int(&rp[..2]),
                    int(&rp[2..]),
                ]
                .concat(),
            ),
        ]
        .concat(),
    );
    let aes = tlv(
        0x30,
        &[
            tlv(
                0x06,
                &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a],
            ),
            tlv(0x04, &[9; 16]),
        ]
        .concat(),
    );
    let pbes2 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
    let alg = tlv(
        0x30,
        &[tlv(0x06, &pbes2), tlv(0x30, &[scrypt, aes].concat())].concat(),
    );
    key_bag_with(&alg, ciphertext, password);
}

fn spliced_algorithm(data: &[u8], password: &str) {
    let Some(len) = element_len(data) else { return };
    let (alg, ciphertext) = data.split_at(len);
    key_bag_with(alg, ciphertext, password);
}

/// Imports a bundle without a MAC whose one key bag is encrypted under `alg`, once the
/// public checker has had its say: the import must agree with it.
fn key_bag_with(alg: &[u8], ciphertext: &[u8], password: &str) {
    let checked = certgate_pkcs12::check_key_derivation(alg);
    if matches!(checked, Ok(work) if work > MAX_FUZZ_WORK) {
        return;
    }
    let epki = tlv(0x30, &[alg, &tlv(0x04, ciphertext)].concat());
    let shrouded = [
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
    ];
    let bag = tlv(0x30, &[tlv(0x06, &shrouded), tlv(0xa0, &epki)].concat());
    let data_oid = tlv(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
    );
    let data = |octets: &[u8]| {
        tlv(
            0x30,
            &[&data_oid[..], &tlv(0xa0, &tlv(0x04, octets))].concat(),
        )
    };
    let auth_safe = tlv(0x30, &data(&tlv(0x30, &bag)));
    let pfx = tlv(0x30, &[&tlv(0x02, &[3])[..], &data(&auth_safe)].concat());
    match (Pkcs12Bundle::parse(&pfx, password), checked) {
        (Ok(parsed), Ok(_)) => check(&parsed),
        (Ok(_), Err(e)) => panic!("imported a key the checker refused: {e}"),
        // The nesting and size limits are the BER reader's, not the checker's.
        (
            Err(Pkcs12Error::LimitExceeded {
                limit: Limit::NestingDepth | Limit::BundleSize,
                ..
            }),
            _,
        ) => {}
        (
            Err(Pkcs12Error::LimitExceeded { limit: a, .. }),
            Err(Pkcs12Error::LimitExceeded { limit: b, .. }),
        ) => {
            assert_eq!(a, b, "the import and the checker disagree")
        }
        (Err(_), _) => {}
    }
}

/// A DER element with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// The header and content length of the DER element at the start of `der` (one-octet
/// tags, minimal lengths), if it is there whole.
fn header(der: &[u8]) -> Option<(usize, usize)> {
    let (&tag, rest) = der.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (header, len) = match first {
        0..=0x7f => (2, usize::from(first)),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7f);
            let bytes = rest.get(..n)?;
            if bytes[0] == 0 {
                return None;
            }
            (
                2 + n,
                bytes.iter().fold(0, |acc, &b| (acc << 8) | usize::from(b)),
            )
        }
        _ => return None,
    };
    (der.len() >= header + len).then_some((header, len))
}

fn element_len(der: &[u8]) -> Option<usize> {
    header(der).map(|(h, l)| h + l)
}

/// The outer structure of a DER bundle in BER: constructed elements with indefinite
/// lengths, OCTET STRINGs in two segments. Their octets are not touched, so the MAC
/// still verifies. None when `der` is not made of DER elements this reads.
fn berize(mut der: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    while !der.is_empty() {
        let (h, len) = header(der)?;
        let (tag, value) = (der[0], &der[h..h + len]);
        der = &der[h + len..];
        if tag & 0x20 != 0 {
            out.extend([tag, 0x80]);
            out.extend(berize(value)?);
            out.extend([0, 0]);
        } else if tag == 0x04 && value.len() > 1 {
            let (a, b) = value.split_at(value.len() / 2);
            out.extend([0x24, 0x80]);
            out.extend(tlv(0x04, a));
            out.extend(tlv(0x04, b));
            out.extend([0, 0]);
        } else {
            out.extend(tlv(tag, value));
        }
    }
    Some(out)
}
