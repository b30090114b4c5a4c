//! Crafted bundles that ask for too much: each is refused with the limit it hits, before
//! the work or the memory it asks for; and BER, as NSS writes it, read like DER.

#![allow(clippy::unwrap_used)]

use certgate_ca::cfssl::CsrJson;
use certgate_ca::{KeySigner, KeySpec, PrivateKey, RootCaBuilder};
use certgate_pkcs12::{
    Limit, MAX_BAGS, MAX_BUNDLE_SIZE, MAX_NESTING_DEPTH, MalformedProblem, Pkcs12Builder,
    Pkcs12Bundle, Pkcs12Error, Pkcs12Profile, check_key_derivation,
};
use cms::content_info::ContentInfo;
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode};
use pkcs5::pbes2::{EncryptionScheme, Kdf, Parameters, ScryptParams};
use spki::AlgorithmIdentifierOwned;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");

/// A P-256 key (PKCS#8) and a self-signed certificate for it.
fn material() -> (Vec<u8>, Vec<u8>) {
    let csr = CsrJson::from_json(br#"{"CN": "limits"}"#, "t").unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let pkcs8 = key.to_pkcs8_der().unwrap().to_vec();
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .build()
        .unwrap();
    (pkcs8, root.certificate.der().to_vec())
}

/// A DER element with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap());
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap());
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A bundle without a MAC whose only content is `safe_contents`, unencrypted.
fn bundle_of(safe_contents: Vec<u8>) -> Vec<u8> {
    let data = |octets: Vec<u8>| ContentInfo {
        content_type: ID_DATA,
        content: der::Any::encode_from(&OctetString::new(octets).unwrap()).unwrap(),
    };
    let auth_safe = vec![data(safe_contents)].to_der().unwrap();
    pkcs12::Pfx {
        version: pkcs12::pfx::Version::V3,
        auth_safe: data(auth_safe),
        mac_data: None,
    }
    .to_der()
    .unwrap()
}

/// PBES2 with scrypt (N, r, p) and AES-256-CBC.
fn scrypt_scheme(n: u64, r: u16, p: u16) -> pkcs5::EncryptionScheme {
    Parameters {
        kdf: Kdf::Scrypt(ScryptParams {
            salt: pkcs5::pbes2::Salt::new([7u8; 16]).unwrap(),
            cost_parameter: n,
            block_size: r,
            parallelization: p,
            key_length: None,
        }),
        encryption: EncryptionScheme::Aes256Cbc { iv: [9u8; 16] },
    }
    .into()
}

/// A bundle without a MAC holding one key bag encrypted under `scheme`.
fn key_bundle(scheme: &pkcs5::EncryptionScheme, ciphertext: Vec<u8>) -> Vec<u8> {
    let epki = pkcs12::pbe_params::EncryptedPrivateKeyInfo {
        encryption_algorithm: AlgorithmIdentifierOwned::from_der(&scheme.to_der().unwrap())
            .unwrap(),
        encrypted_data: OctetString::new(ciphertext).unwrap(),
    };
    let bag = pkcs12::SafeBag {
        bag_id: SHROUDED_KEY_BAG,
        bag_value: epki.to_der().unwrap(),
        bag_attributes: None,
    };
    bundle_of(vec![bag].to_der().unwrap())
}

fn limit_of(err: &Pkcs12Error) -> Option<Limit> {
    match err {
        Pkcs12Error::LimitExceeded { limit, .. } => Some(*limit),
        _ => None,
    }
}

#[test]
fn scrypt_with_n_of_zero_is_malformed_not_a_panic() {
    for n in [0, 1, 3, 1000] {
        let der = key_bundle(&scrypt_scheme(n, 8, 1), vec![0; 32]);
        let err = Pkcs12Bundle::parse(&der, "pw").unwrap_err();
        assert!(
            matches!(
                err,
                Pkcs12Error::Malformed {
                    what: "scrypt parameters",
                    problem: MalformedProblem::ScryptCostNotPowerOfTwo,
                    source: None,
                    ..
                }
            ),
            "N = {n}: {err}"
        );
    }
}

#[test]
fn hostile_scrypt_parameters_are_refused_before_any_work() {
    for (n, r, p, limit) in [
        (1u64 << 30, 8, 1, Limit::ScryptMemory), // 1 TiB: aborted the process
        (1 << 22, 8, 1, Limit::ScryptMemory),    // 4 GiB and 13 s
        (1 << 20, 8, 1, Limit::ScryptMemory),    // 1 GiB
        (1 << 63, 8, 1, Limit::ScryptMemory),
        (1 << 14, 8, 65_535, Limit::ScryptParallelism), // half an hour
        (1 << 10, 1_000, 1, Limit::ScryptBlockSize),
        (1 << 18, 8, 16, Limit::ScryptWork),
    ] {
        let scheme = scrypt_scheme(n, r, p);
        let err = Pkcs12Bundle::parse(&key_bundle(&scheme, vec![0; 32]), "pw").unwrap_err();
        assert_eq!(limit_of(&err), Some(limit), "N={n} r={r} p={p}: {err}");
        // The public checker says the same of the algorithm alone.
        let err = check_key_derivation(&scheme.to_der().unwrap()).unwrap_err();
        assert_eq!(limit_of(&err), Some(limit), "N={n} r={r} p={p}: {err}");
    }
}

#[test]
fn scrypt_within_the_limits_decrypts() {
    let (key, _) = material();
    let scheme = scrypt_scheme(1 << 10, 8, 1);
    let ciphertext = scheme.encrypt("pw", &key).unwrap();
    let bundle = Pkcs12Bundle::parse(&key_bundle(&scheme, ciphertext), "pw").unwrap();
    assert_eq!(bundle.key().unwrap().pkcs8_der(), key.as_slice());
    assert_eq!(
        bundle.info.encryptions,
        ["PBES2, scrypt with N=1024, r=8, p=1, AES-256-CBC"]
    );
    assert_eq!(bundle.info.kdf_work, 1024 * 8);
    assert_eq!(
        check_key_derivation(&scheme.to_der().unwrap()).unwrap(),
        8192
    );
}

#[test]
fn kdf_work_counts_every_derivation() {
    let (key, cert) = material();
    for (profile, work) in [
        // MAC, certificates, key: one block each.
        (Pkcs12Profile::Modern, 3 * 1000),
        // MAC one block; 3DES key and IV three, for the certificates and the key.
        (Pkcs12Profile::Legacy, 1000 + 2 * 3 * 1000),
    ] {
        let der = Pkcs12Builder::new(&key, &cert, "pw")
            .with_profile(profile)
            .with_iterations(1000)
            .build()
            .unwrap();
        let bundle = Pkcs12Bundle::parse(&der, "pw").unwrap();
        assert_eq!(bundle.info.kdf_work, work, "{profile:?}");
    }
}

#[test]
fn bags_are_counted_before_they_are_decoded() {
    // secretBags with an empty value (17 bytes each): valid, and skipped on import.
    let secret_bag = tlv(
        0x30,
        &[
            &[
                0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x05,
            ][..],
            &[0xa0, 0x00],
        ]
        .concat(),
    );
    // Close to 16 MiB of them, then something that is not a bag at all: decoding the
    // whole list first took hundreds of MB, and then failed on the last element.
    let mut bags = secret_bag.repeat(MAX_BUNDLE_SIZE / 17 - 100);
    bags.extend([0x02, 0x01, 0x00]);
    let der = bundle_of(tlv(0x30, &bags));
    assert!(der.len() <= MAX_BUNDLE_SIZE);
    let err = Pkcs12Bundle::parse(&der, "").unwrap_err();
    assert!(
        matches!(
            err,
            Pkcs12Error::LimitExceeded {
                limit: Limit::Bags,
                value,
                ..
            } if value == MAX_BAGS as u64 + 1
        ),
        "{err}"
    );
    // As many bags as allowed are fine.
    let der = bundle_of(tlv(0x30, &secret_bag.repeat(MAX_BAGS)));
    assert_eq!(
        Pkcs12Bundle::parse(&der, "").unwrap().info.bag_count,
        MAX_BAGS
    );
}

#[test]
fn deeply_nested_ber_is_refused_without_overflowing_the_stack() {
    let depth = 1_000_000;
    let mut ber = [0x30, 0x80].repeat(depth);
    ber.extend([0, 0].repeat(depth));
    let err = Pkcs12Bundle::parse(&ber, "pw").unwrap_err();
    assert_eq!(limit_of(&err), Some(Limit::NestingDepth), "{err}");
    assert!(
        err.to_string()
            .ends_with(&format!("over the limit of {MAX_NESTING_DEPTH}")),
        "{err}"
    );
    // Constructed OCTET STRINGs nest their segments the same way.
    let mut ber = [0x30, 0x80, 0x24, 0x80].to_vec();
    ber.extend([0x24, 0x80].repeat(depth));
    let err = Pkcs12Bundle::parse(&ber, "pw").unwrap_err();
    assert_eq!(limit_of(&err), Some(Limit::NestingDepth), "{err}");
}

#[test]
fn ber_that_grows_past_the_size_limit_is_refused() {
    // 20 indefinite lengths around 16 MiB of content: each grows by one byte in DER.
    let levels = 20;
    let filler = MAX_BUNDLE_SIZE - 4 * levels - 5;
    let mut ber = [0x30, 0x80].repeat(levels);
    ber.extend(tlv(0x04, &vec![0; filler]));
    ber.extend([0, 0].repeat(levels));
    assert_eq!(ber.len(), MAX_BUNDLE_SIZE);
    let err = Pkcs12Bundle::parse(&ber, "pw").unwrap_err();
    assert_eq!(limit_of(&err), Some(Limit::BundleSize), "{err}");
}

/// Splits the first DER element of `der` (single-octet tags only) into its tag, its
/// value and what follows it.
fn split(der: &[u8]) -> (u8, &[u8], &[u8]) {
    let (header, len) = match der[1] {
        short @ 0..0x80 => (2, usize::from(short)),
        long => {
            let n = usize::from(long & 0x7f);
            let len = der[2..2 + n]
                .iter()
                .fold(0, |acc, &b| (acc << 8) | usize::from(b));
            (2 + n, len)
        }
    };
    (der[0], &der[header..header + len], &der[header + len..])
}

/// BER as NSS writes it, for one level: every constructed element with an indefinite
/// length, and every OCTET STRING (and an EncryptedData's primitive `[0]` content) in
/// two constructed segments. The octets themselves are unchanged.
fn berize(mut der: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while !der.is_empty() {
        let (tag, value, rest) = split(der);
        der = rest;
        if tag & 0x20 != 0 {
            out.extend([tag, 0x80]);
            out.extend(berize(value));
            out.extend([0, 0]);
        } else if (tag == 0x04 || tag == 0x80) && value.len() > 1 {
            out.extend(segments(tag | 0x20, value));
        } else {
            out.extend(tlv(tag, value));
        }
    }
    out
}

/// `octets` as a constructed, indefinite-length string of two segments.
fn segments(tag: u8, octets: &[u8]) -> Vec<u8> {
    let (a, b) = octets.split_at(octets.len() / 2);
    [&[tag, 0x80][..], &tlv(0x04, a), &tlv(0x04, b), &[0, 0]].concat()
}

/// A bundle without a MAC in BER at every level: the PFX, the AuthenticatedSafe inside
/// its octets, and the SafeContents inside each data ContentInfo's octets.
fn berize_every_level(pfx_der: &[u8]) -> Vec<u8> {
    let pfx = pkcs12::Pfx::from_der(pfx_der).unwrap();
    let auth_safe = pfx.auth_safe.content.decode_as::<OctetString>().unwrap();
    let (_, mut infos, _) = split(auth_safe.as_bytes());
    let mut auth_safe_ber = vec![0x30, 0x80];
    while !infos.is_empty() {
        let (_, info, rest) = split(infos);
        let whole = &infos[..infos.len() - rest.len()];
        infos = rest;
        let (_, oid, content) = split(info);
        if oid == ID_DATA.as_bytes() {
            let (_, explicit, _) = split(content);
            let (_, safe_contents, _) = split(explicit);
            let inner = segments(0x24, &berize(safe_contents));
            let data_oid = tlv(0x06, ID_DATA.as_bytes());
            auth_safe_ber.extend([&[0x30, 0x80][..], &data_oid, &[0xa0, 0x80]].concat());
            auth_safe_ber.extend(inner);
            auth_safe_ber.extend([0, 0, 0, 0]);
        } else {
            auth_safe_ber.extend(berize(whole));
        }
    }
    auth_safe_ber.extend([0, 0]);
    let version = tlv(0x02, &[3]);
    let data_oid = tlv(0x06, ID_DATA.as_bytes());
    [
        &[0x30, 0x80][..],
        &version,
        &[0x30, 0x80],
        &data_oid,
        &[0xa0, 0x80],
        &segments(0x24, &auth_safe_ber),
        &[0, 0, 0, 0, 0, 0],
    ]
    .concat()
}

#[test]
fn ber_bundles_import_like_der() {
    let (key, cert) = material();
    for profile in [Pkcs12Profile::Modern, Pkcs12Profile::Legacy] {
        let der = Pkcs12Builder::new(&key, &cert, "pw")
            .with_profile(profile)
            .with_friendly_name("ber")
            .with_iterations(10)
            .build()
            .unwrap();
        // The outside in BER: the MAC still covers the same octets.
        let ber = berize(&der);
        assert_ne!(ber, der);
        let bundle = Pkcs12Bundle::parse(&ber, "pw").unwrap();
        assert_eq!(bundle.key().unwrap().pkcs8_der(), key.as_slice());
        assert_eq!(bundle.leaf().unwrap().der, cert);
        assert_eq!(bundle.leaf().unwrap().friendly_name.as_deref(), Some("ber"));
        // Without a MAC, every level in BER, encrypted content included.
        let mut pfx = pkcs12::Pfx::from_der(&der).unwrap();
        pfx.mac_data = None;
        let ber = berize_every_level(&pfx.to_der().unwrap());
        let bundle = Pkcs12Bundle::parse(&ber, "pw").unwrap();
        assert_eq!(bundle.key().unwrap().pkcs8_der(), key.as_slice());
        assert_eq!(bundle.leaf().unwrap().der, cert);
        assert_eq!(bundle.info.encryptions.len(), 2, "{profile:?}");
    }
}
