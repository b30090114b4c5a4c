//! The matrix's test PKI: roots, CAs and leaves issued with certgate-ca at a fixed clock
//! with fixed serials, profiles given as JSON fragments, and "twin" CAs (the same name
//! and key as a CA on the path, another certificate) for what certgate-ca refuses to
//! issue directly.

use certgate_ca::cfssl::{CsrJson, SigningConfig, SigningProfile};
use certgate_ca::{
    CaCertificate, CertificateAuthority, CertificateRequest, KeySigner, KeySpec, PrivateKey,
    RootCaBuilder, SubjectName,
};
use time::OffsetDateTime;
use time::macros::datetime;

/// The clock of every case: certificates are issued at it and verified at it.
pub(crate) const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

/// A CA profile: cert sign, one year, plus `extra` JSON members (`"name_constraints":
/// {..}`, `"policies": [..]`, ...), each with its leading comma.
pub(crate) fn ca_profile(extra: &str) -> SigningProfile {
    profile(&format!(
        r#""usages": ["cert sign", "crl sign"], "expiry": "8760h", "ca_constraint": {{"is_ca": true}}{extra}"#
    ))
}

/// A CA profile with pathLenConstraint 0.
pub(crate) fn ca_profile_len0(extra: &str) -> SigningProfile {
    profile(&format!(
        r#""usages": ["cert sign", "crl sign"], "expiry": "8760h",
           "ca_constraint": {{"is_ca": true, "max_path_len": 0, "max_path_len_zero": true}}{extra}"#
    ))
}

/// A client-auth leaf profile for 30 days, plus `extra` JSON members.
pub(crate) fn leaf_profile(extra: &str) -> SigningProfile {
    profile(&format!(
        r#""usages": ["digital signature", "client auth"], "expiry": "720h"{extra}"#
    ))
}

fn profile(members: &str) -> SigningProfile {
    let json = format!(r#"{{"signing": {{"profiles": {{"p": {{{members}}}}}}}}}"#);
    let config = SigningConfig::from_json(json.as_bytes(), "matrix profile")
        .unwrap_or_else(|e| panic!("{e}: {json}"));
    config.profile("p").unwrap().clone()
}

/// A fresh P-256 key.
pub(crate) fn key() -> PrivateKey {
    PrivateKey::generate(KeySpec::EcdsaP256).unwrap()
}

/// A second handle on `key` (keys are not Clone).
pub(crate) fn copy(key: &PrivateKey) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap(), "key").unwrap()
}

/// A name with a common name and, when given, one organization.
pub(crate) fn name(o: Option<&str>, cn: &str) -> SubjectName {
    let mut name = SubjectName::with_common_name(cn);
    name.organization.extend(o.map(str::to_owned));
    name
}

/// A CA: what issues, its certificate and its key.
pub(crate) struct Ca {
    pub(crate) ca: CertificateAuthority,
    pub(crate) der: Vec<u8>,
    pub(crate) key: PrivateKey,
}

impl Ca {
    /// A CA from its certificate and key.
    pub(crate) fn new(der: Vec<u8>, key: PrivateKey) -> Self {
        let cert = CaCertificate::from_der(&der, "matrix CA").unwrap();
        let ca = CertificateAuthority::new(cert, Box::new(KeySigner::new(copy(&key)))).unwrap();
        Self { ca, der, key }
    }

    /// A CA with this certificate and the key of `self`: a twin that issues under
    /// `self`'s name and key identifier, for what certgate-ca will not issue from
    /// `self`'s own certificate (a CA below pathLenConstraint 0).
    pub(crate) fn twin(&self, der: Vec<u8>) -> Ca {
        Ca::new(der, copy(&self.key))
    }

    /// The DER of a certificate for `subject` and `key` under `profile`, with `serial`,
    /// and `hosts` as SANs (DNS names, IPs, emails, URIs as cfssl reads them).
    pub(crate) fn issue_der(
        &self,
        subject: &SubjectName,
        key: &PrivateKey,
        hosts: &[&str],
        profile: &SigningProfile,
        serial: u8,
    ) -> Vec<u8> {
        let hosts: Vec<_> = hosts
            .iter()
            .enumerate()
            .filter_map(|(i, h)| certgate_ca::cfssl::classify_host("matrix", i, h).unwrap())
            .collect();
        let csr = CertificateRequest::create(&KeySigner::new(copy(key)), subject, &hosts).unwrap();
        self.ca
            .issue(&csr, profile)
            .with_now(NOW)
            .with_serial(&[serial])
            .build()
            .unwrap_or_else(|e| panic!("issuing {subject:?}: {e}"))
            .der()
            .to_vec()
    }

    /// A subordinate CA named `cn` under `profile`, with a new key.
    pub(crate) fn sub_ca(&self, subject: &SubjectName, profile: &SigningProfile, serial: u8) -> Ca {
        self.sub_ca_with_key(subject, key(), profile, serial)
    }

    /// A subordinate CA named `cn` under `profile`, with `key`.
    pub(crate) fn sub_ca_with_key(
        &self,
        subject: &SubjectName,
        key: PrivateKey,
        profile: &SigningProfile,
        serial: u8,
    ) -> Ca {
        let der = self.issue_der(subject, &key, &[], profile, serial);
        Ca::new(der, key)
    }

    /// A client-auth leaf with a new key.
    pub(crate) fn leaf(&self, subject: &SubjectName, hosts: &[&str], serial: u8) -> Vec<u8> {
        self.leaf_with(subject, hosts, &leaf_profile(""), serial)
    }

    /// A leaf under `profile`, with a new key.
    pub(crate) fn leaf_with(
        &self,
        subject: &SubjectName,
        hosts: &[&str],
        profile: &SigningProfile,
        serial: u8,
    ) -> Vec<u8> {
        self.issue_der(subject, &key(), hosts, profile, serial)
    }
}

/// A self-signed root named `cn`.
pub(crate) fn root(cn: &str) -> Ca {
    root_with_key(cn, key())
}

/// A self-signed root named `cn` with `key`.
pub(crate) fn root_with_key(cn: &str, key: PrivateKey) -> Ca {
    let csr = CsrJson::from_json(format!(r#"{{"CN": "{cn}"}}"#).as_bytes(), "root").unwrap();
    let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(copy(&key))))
        .with_now(NOW)
        .with_serial(&[1])
        .build()
        .unwrap();
    Ca::new(made.certificate.der().to_vec(), key)
}

/// `root` (named `cn`) issued again by itself under `profile`: its name and key, so
/// self-signed; how a root gets name constraints, which `RootCaBuilder` does not write.
pub(crate) fn reissued_root(root: &Ca, cn: &str, profile: &SigningProfile) -> Ca {
    let der = root.issue_der(
        &SubjectName::with_common_name(cn),
        &root.key,
        &[],
        profile,
        9,
    );
    root.twin(der)
}
