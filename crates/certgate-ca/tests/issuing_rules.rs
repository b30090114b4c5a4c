//! What a CA refuses to issue (an expired or future CA, a certificate outliving its CA),
//! and what a failing signer tells the caller. Fixed clock, fixed serials.

#![allow(clippy::unwrap_used)]

mod common;

use std::error::Error as _;

use certgate_ca::cfssl::CsrJson;
use certgate_ca::{
    CaError, CaSigner, CertificateAuthority, KeySigner, KeySpec, PrivateKey, RootCaBuilder,
    SignatureAlgorithm, SignerError,
};
use common::*;
use time::Duration;

/// A root that lives `expiry` from [`NOW`] (less cfssl's 5-minute backdate).
fn root_for(expiry: &str) -> (CertificateAuthority, certgate_ca::IssuedCertificate) {
    let json = format!(r#"{{"CN": "Short Root", "ca": {{"expiry": "{expiry}"}}}}"#);
    let csr = CsrJson::from_json(json.as_bytes(), "short-ca-csr.json").unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .with_now(NOW)
        .with_serial(&[1])
        .build()
        .unwrap();
    (made.ca, made.certificate)
}

#[test]
fn an_expired_ca_refuses_to_issue() {
    let (ca, root_cert) = root_for("720h");
    let (_, csr) = request("dev", KeySpec::EcdsaP256, &[]);
    let later = NOW + Duration::days(31);
    let err = ca
        .issue(&csr, &profile("client"))
        .with_now(later)
        .with_clamp_to_ca(true)
        .build()
        .unwrap_err();
    match &err {
        CaError::CaExpired {
            origin,
            not_before,
            not_after,
            now,
        } => {
            assert_eq!(origin, "new root CA");
            assert_eq!(*not_before, root_cert.not_before());
            assert_eq!(*not_after, root_cert.not_after());
            assert_eq!(*now, later);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "new root CA: the CA certificate has expired at 2026-07-02T12:00:00Z \
         (valid from 2026-06-01T11:55:00Z to 2026-07-01T11:55:00Z)"
    );
}

#[test]
fn a_ca_not_valid_yet_refuses_to_issue() {
    let (ca, root_cert) = root_for("720h");
    let (_, csr) = request("dev", KeySpec::EcdsaP256, &[]);
    let earlier = NOW - Duration::hours(1);
    let err = ca
        .issue(&csr, &profile("client"))
        .with_now(earlier)
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, CaError::CaNotYetValid { now, not_before, .. }
            if *now == earlier && *not_before == root_cert.not_before()),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("is not valid yet at 2026-06-01T11:00:00Z"),
        "{err}"
    );
    // Within the CA's backdated notBefore, it issues.
    ca.issue(&csr, &profile("server"))
        .with_now(NOW - Duration::minutes(4))
        .with_clamp_to_ca(true)
        .build()
        .unwrap();
}

#[test]
fn a_leaf_that_would_outlive_its_ca_is_refused_unless_clamped() {
    let (ca, root_cert) = root_for("720h");
    let (_, csr) = request("dev", KeySpec::EcdsaP256, &[]);
    // The client profile asks for 8760h, beyond the CA's 720h.
    let err = ca
        .issue(&csr, &profile("client"))
        .with_now(NOW)
        .with_serial(&[2])
        .build()
        .unwrap_err();
    match &err {
        CaError::OutlivesCa {
            not_after,
            ca_not_after,
            ..
        } => {
            assert_eq!(*ca_not_after, root_cert.not_after());
            assert_eq!(*not_after, root_cert.not_before() + Duration::hours(8760));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains(
            "the certificate would end at 2027-06-01T11:55:00Z, after its CA, which ends at 2026-07-01T11:55:00Z"
        ),
        "{err}"
    );

    let clamped = ca
        .issue(&csr, &profile("client"))
        .with_now(NOW)
        .with_serial(&[2])
        .with_clamp_to_ca(true)
        .build()
        .unwrap();
    assert_eq!(clamped.not_after(), root_cert.not_after());
    assert_eq!(clamped.not_before(), root_cert.not_before());
    let info = certgate_ca::CfsslCertInfo::from_der(clamped.der(), "leaf").unwrap();
    assert_eq!(info.not_after, "2026-07-01T11:55:00Z");

    // A certificate within the CA's life is not touched by the option.
    let (long_ca, _) = root(KeySpec::EcdsaP256);
    let leaf = long_ca
        .issue(&csr, &profile("client"))
        .with_now(NOW)
        .with_clamp_to_ca(true)
        .build()
        .unwrap();
    assert_eq!(leaf.not_after(), leaf.not_before() + Duration::hours(8760));
}

#[test]
fn an_intermediate_may_not_outlive_its_root_either_but_a_root_is_exempt() {
    let (ca, _) = root_for("8760h");
    // The intermediate profile asks for 43800h.
    let (_, csr) = request("sub", KeySpec::EcdsaP256, &[]);
    let err = ca
        .issue(&csr, &profile("intermediate"))
        .with_now(NOW)
        .build()
        .unwrap_err();
    assert!(matches!(err, CaError::OutlivesCa { .. }), "{err:?}");
    // A root's validity is its own: made at any time, for any length.
    let (_, long_root) = root_for("438000h");
    assert_eq!(
        long_root.not_after(),
        long_root.not_before() + Duration::hours(438_000)
    );
}

/// What an HSM might say.
#[derive(Debug)]
struct HsmError {
    slot: u32,
}

impl std::fmt::Display for HsmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HSM slot {} did not answer", self.slot)
    }
}

impl std::error::Error for HsmError {}

/// A signer with the CA's public key whose device has gone away.
#[derive(Debug)]
struct UnpluggedHsm {
    public_key: Vec<u8>,
    algorithm: SignatureAlgorithm,
}

impl CaSigner for UnpluggedHsm {
    fn public_key_der(&self) -> Vec<u8> {
        self.public_key.clone()
    }
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }
    fn sign(&self, _message: &[u8]) -> Result<Vec<u8>, SignerError> {
        Err(SignerError::new(HsmError { slot: 3 }))
    }
}

/// The signer's cause, found by walking the chain from the error the caller got.
fn hsm_cause(err: &CaError) -> Option<&HsmError> {
    let mut source = err.source();
    while let Some(s) = source {
        if let Some(hsm) = s.downcast_ref::<HsmError>() {
            return Some(hsm);
        }
        source = s.source();
    }
    None
}

#[test]
fn a_failing_signer_s_own_error_reaches_the_caller() {
    let (good, _) = root(KeySpec::EcdsaP256);
    let hsm = UnpluggedHsm {
        public_key: good.signer().public_key_der(),
        algorithm: good.signer().algorithm(),
    };
    let ca = CertificateAuthority::new(good.certificate().clone(), Box::new(hsm)).unwrap();
    let (_, csr) = request("dev", KeySpec::EcdsaP256, &[]);

    let err = ca
        .issue(&csr, &profile("client"))
        .with_now(NOW)
        .build()
        .unwrap_err();
    assert!(matches!(err, CaError::Signing { .. }), "{err:?}");
    assert_eq!(err.to_string(), "signing failed: HSM slot 3 did not answer");
    let signer_error = err.source().unwrap();
    assert!(signer_error.is::<SignerError>());
    assert_eq!(hsm_cause(&err).unwrap().slot, 3);

    let err = ca.crl(1, NOW, NOW + Duration::days(1)).build().unwrap_err();
    assert_eq!(hsm_cause(&err).unwrap().slot, 3);

    let subject = certgate_ca::SubjectName::with_common_name("x");
    let err = certgate_ca::CertificateRequest::create(ca.signer(), &subject, &[]).unwrap_err();
    assert_eq!(hsm_cause(&err).unwrap().slot, 3);

    // The cause comes back out whole.
    let back = SignerError::new(HsmError { slot: 7 }).into_source();
    assert_eq!(back.downcast_ref::<HsmError>().unwrap().slot, 7);
}

#[test]
fn a_dedicated_crl_signer_names_its_own_key_and_keeps_the_ca_as_issuer() {
    let (ca, _) = root(KeySpec::EcdsaP256);
    let signer = KeySigner::new(PrivateKey::generate(KeySpec::EcdsaP256).unwrap());
    let key_id = [0x5a; 20];
    let crl = ca
        .crl(7, NOW, NOW + Duration::days(1))
        .with_crl_signer(&signer, &key_id)
        .build()
        .unwrap();
    let view = certgate_x509::CrlView::parse(crl.der()).unwrap();
    assert_eq!(view.authority_key_id().unwrap(), Some(&key_id[..]));
    let ca_view = certgate_x509::CertView::parse(ca.certificate().der()).unwrap();
    assert_eq!(view.issuer.der(), ca_view.subject.der());
    // Signed by the dedicated key, not the CA's: the CA's own CRL differs in AKI.
    let own = ca.crl(7, NOW, NOW + Duration::days(1)).build().unwrap();
    let own = certgate_x509::CrlView::parse(own.der()).unwrap();
    assert_eq!(
        own.authority_key_id().unwrap(),
        Some(ca.certificate().key_id())
    );
}

#[test]
fn the_serial_is_the_one_in_the_certificate() {
    // A serial given with leading zero octets is encoded without them: serial() and
    // serial_hex() say what the certificate holds, as certgate-x509 reads it.
    let (ca, _) = root_for("8760h");
    let (_, csr) = request("dev", KeySpec::EcdsaP256, &[]);
    let issued = ca
        .issue(&csr, &profile("client"))
        .with_now(NOW)
        .with_serial(&[0x00, 0x00, 0x85])
        .build()
        .unwrap();
    let view = certgate_x509::CertView::parse(issued.der()).unwrap();
    assert_eq!(issued.serial(), view.serial);
    assert_eq!(issued.serial().as_bytes(), [0x00, 0x85]);
    assert_eq!(issued.serial_hex(), "85");
    assert_eq!(issued.serial_hex(), view.serial.to_hex());
}
