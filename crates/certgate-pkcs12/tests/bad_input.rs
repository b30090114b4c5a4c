//! Hostile and broken bundles: each gets the typed error that says what is wrong.

#![allow(clippy::unwrap_used)]

use certgate_ca::{CertificateRequest, KeySigner, KeySpec, PrivateKey, RootCaBuilder};
use certgate_pkcs12::{
    BagProblem, Limit, MAX_BUNDLE_SIZE, Pkcs12Builder, Pkcs12Bundle, Pkcs12Error, Pkcs12Profile,
};
use der::{Decode, Encode};

fn bundle(profile: Pkcs12Profile) -> Vec<u8> {
    let csr = certgate_ca::cfssl::CsrJson::from_json(br#"{"CN": "bad input"}"#, "t").unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let pkcs8 = key.to_pkcs8_der().unwrap().to_vec();
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .build()
        .unwrap();
    let _: &CertificateRequest = &root.request;
    Pkcs12Builder::new(&pkcs8, root.certificate.der(), "pw")
        .with_profile(profile)
        .build()
        .unwrap()
}

fn reencode(der: &[u8], change: impl FnOnce(&mut pkcs12::Pfx)) -> Vec<u8> {
    let mut pfx = pkcs12::Pfx::from_der(der).unwrap();
    change(&mut pfx);
    pfx.to_der().unwrap()
}

#[test]
fn truncated_and_oversized() {
    let der = bundle(Pkcs12Profile::Modern);
    for cut in [0, 1, 10, der.len() / 2, der.len() - 1] {
        let err = Pkcs12Bundle::parse(&der[..cut], "pw").unwrap_err();
        assert!(
            matches!(err, Pkcs12Error::Malformed { .. }),
            "cut at {cut}: {err}"
        );
    }
    let err = Pkcs12Bundle::parse(&vec![0u8; MAX_BUNDLE_SIZE + 1], "pw").unwrap_err();
    assert!(
        matches!(
            err,
            Pkcs12Error::LimitExceeded {
                limit: Limit::BundleSize,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn wrong_password_is_not_a_parse_error() {
    for profile in [Pkcs12Profile::Modern, Pkcs12Profile::Legacy] {
        let err = Pkcs12Bundle::parse(&bundle(profile), "PW").unwrap_err();
        assert!(
            matches!(err, Pkcs12Error::WrongPassword { checked_by: "MAC" }),
            "{err}"
        );
        // Without a MAC, decryption tells. Wrong keys give valid padding now and then
        // (about 1 in 256): those must still say "wrong password", so try many salts.
        for _ in 0..100 {
            let no_mac = reencode(&bundle(profile), |p| p.mac_data = None);
            let err = Pkcs12Bundle::parse(&no_mac, "PW").unwrap_err();
            assert!(
                matches!(err, Pkcs12Error::WrongPassword { .. }),
                "{profile:?}: {err}"
            );
        }
        let no_mac = reencode(&bundle(profile), |p| p.mac_data = None);
        assert!(Pkcs12Bundle::parse(&no_mac, "pw").is_ok());
    }
}

#[test]
fn mac_mismatch_on_a_modified_bundle() {
    let der = bundle(Pkcs12Profile::Modern);
    let tampered = reencode(&der, |p| {
        let mac = p.mac_data.as_mut().unwrap();
        let mut digest = mac.mac.digest.as_bytes().to_vec();
        digest[0] ^= 1;
        mac.mac.digest = der::asn1::OctetString::new(digest).unwrap();
    });
    let err = Pkcs12Bundle::parse(&tampered, "pw").unwrap_err();
    assert_eq!(
        err.to_string(),
        "wrong password, or a modified bundle (the MAC does not verify)"
    );
}

#[test]
fn unsupported_mac_algorithm() {
    let md5 = const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.2.5");
    let der = reencode(&bundle(Pkcs12Profile::Modern), |p| {
        p.mac_data.as_mut().unwrap().mac.algorithm.oid = md5
    });
    let err = Pkcs12Bundle::parse(&der, "pw").unwrap_err();
    assert!(
        matches!(err, Pkcs12Error::UnsupportedAlgorithm { what: "MAC", .. }),
        "{err}"
    );
    assert!(err.to_string().contains("1.2.840.113549.2.5"), "{err}");
}

#[test]
fn iteration_count_over_the_limit() {
    let der = reencode(&bundle(Pkcs12Profile::Legacy), |p| {
        p.mac_data.as_mut().unwrap().iterations = 2_000_000_000
    });
    let err = Pkcs12Bundle::parse(&der, "pw").unwrap_err();
    assert!(
        matches!(
            err,
            Pkcs12Error::LimitExceeded {
                limit: Limit::Iterations,
                ..
            }
        ),
        "{err}"
    );
    // Firefox's 600,000 is fine.
    const { assert!(600_000 <= certgate_pkcs12::MAX_ITERATIONS) };
}

#[test]
fn a_bag_that_is_not_what_it_claims() {
    use der::asn1::OctetString;
    // A certBag holding something that is not a certificate, in a bundle without a MAC.
    let bag = pkcs12::SafeBag {
        bag_id: const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3"),
        bag_value: pkcs12::CertBag {
            cert_id: const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1"),
            cert_value: OctetString::new(b"not a certificate".to_vec()).unwrap(),
        }
        .to_der()
        .unwrap(),
        bag_attributes: None,
    };
    let data = const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
    let contents = vec![bag].to_der().unwrap();
    let info = cms::content_info::ContentInfo {
        content_type: data,
        content: der::Any::encode_from(&OctetString::new(contents).unwrap()).unwrap(),
    };
    let auth_safe = vec![info].to_der().unwrap();
    let pfx = pkcs12::Pfx {
        version: pkcs12::pfx::Version::V3,
        auth_safe: cms::content_info::ContentInfo {
            content_type: data,
            content: der::Any::encode_from(&OctetString::new(auth_safe).unwrap()).unwrap(),
        },
        mac_data: None,
    };
    let err = Pkcs12Bundle::parse(&pfx.to_der().unwrap(), "").unwrap_err();
    assert!(
        matches!(
            err,
            Pkcs12Error::BadBag {
                index: 1,
                bag_type: "certBag",
                problem: BagProblem::NotAnX509Certificate,
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("not an X.509 certificate"),
        "{err}"
    );
}

#[test]
fn export_refuses_what_is_not_a_key_or_a_certificate() {
    let err = Pkcs12Builder::new(b"junk", b"junk", "pw")
        .build()
        .unwrap_err();
    assert!(matches!(err, Pkcs12Error::InvalidInput { .. }), "{err}");
    assert!(err.to_string().contains("not PKCS#8"), "{err}");
}

#[test]
fn export_refuses_a_friendly_name_with_a_control_character() {
    let csr = certgate_ca::cfssl::CsrJson::from_json(br#"{"CN": "named"}"#, "t").unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let pkcs8 = key.to_pkcs8_der().unwrap().to_vec();
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .build()
        .unwrap();
    for (name, position) in [("\0", 0), ("Sam's\u{7}phone", 5), ("phone\u{85}", 5)] {
        let err = Pkcs12Builder::new(&pkcs8, root.certificate.der(), "pw")
            .with_friendly_name(name)
            .build()
            .unwrap_err();
        assert!(
            matches!(
                &err,
                Pkcs12Error::InvalidInput {
                    problem: certgate_pkcs12::InputProblem::FriendlyNameControlCharacter { position: p }
                } if *p == position
            ),
            "{name:?}: {err}"
        );
        assert!(err.to_string().contains("control character"), "{err}");
    }
}
