//! Issuing certificates: self-signed roots, intermediates and leaves, one path for all.

use std::path::Path;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use certgate_x509::{Serial, SerialRef};
use der::asn1::BitString;
use der::{Decode, Encode};
use time::{Duration, OffsetDateTime};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

use crate::cfssl::{SanEntry, SigningProfile};
use crate::signer_adapter::BuilderSigner;
use crate::x509::x509_time;
use crate::{
    CaCertificate, CaError, CaSigner, CertificateRequest, ConfigProblem, KeySigner, KeySpec,
    Password, PrivateKey, SignatureHash, pem,
};

/// cfssl's default backdate of notBefore, which absorbs clock skew between machines.
pub const DEFAULT_BACKDATE: Duration = Duration::minutes(5);

/// cfssl's default lifetime of a root CA made by `-initca`: 43800 hours, five years.
pub const DEFAULT_ROOT_EXPIRY: Duration = Duration::hours(43_800);

/// Length of the serial numbers we draw: 20 bytes, the most RFC 5280 allows.
pub const SERIAL_LEN: usize = 20;

/// A certificate that was just issued.
#[derive(Clone, Debug)]
pub struct IssuedCertificate {
    der: Vec<u8>,
    serial: Serial,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

impl IssuedCertificate {
    /// The certificate's DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as PEM.
    pub fn to_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.der)
    }

    /// The serial number, as certgate-x509 reads it from the certificate.
    pub fn serial(&self) -> SerialRef<'_> {
        self.serial.as_ref()
    }

    /// The serial number as lower-case hex, as certgate prints serials everywhere
    /// ([`SerialRef::to_hex`]: the magnitude, without leading zero octets).
    pub fn serial_hex(&self) -> String {
        self.serial.as_ref().to_hex()
    }

    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }
}

/// A CA: its certificate and a signer for its key.
#[derive(Debug)]
pub struct CertificateAuthority {
    cert: CaCertificate,
    signer: Box<dyn CaSigner>,
}

impl CertificateAuthority {
    /// Pairs a CA certificate with its signer.
    ///
    /// # Errors
    /// [`CaError::KeyMismatch`] when the signer's public key is not the certificate's.
    pub fn new(cert: CaCertificate, signer: Box<dyn CaSigner>) -> Result<Self, CaError> {
        if cert.public_key_der()? != signer.public_key_der() {
            return Err(CaError::KeyMismatch {
                key: "the signer".into(),
                cert: cert.origin().to_owned(),
            });
        }
        Ok(Self { cert, signer })
    }

    /// Loads a CA certificate and its private key from PEM files (the key in PKCS#8,
    /// PKCS#1, SEC1 or encrypted PKCS#8 form; `password` opens the last).
    ///
    /// # Errors
    /// [`CaError::Io`] for unreadable files, [`CaError::NotCa`] when the certificate
    /// may not issue, [`CaError::WrongPassword`], and [`CaError::KeyMismatch`] when the
    /// key is not the certificate's.
    pub fn load(
        cert_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
        password: Option<&Password>,
    ) -> Result<Self, CaError> {
        Self::load_with_hash(cert_path, key_path, password, None)
    }

    /// Like [`CertificateAuthority::load`], signing with `hash` instead of cfssl's
    /// choice for the key when one is given.
    ///
    /// # Errors
    /// As [`CertificateAuthority::load`], and [`CaError::UnsupportedHash`] when the key
    /// cannot sign with that hash.
    pub fn load_with_hash(
        cert_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
        password: Option<&Password>,
        hash: Option<SignatureHash>,
    ) -> Result<Self, CaError> {
        let cert = CaCertificate::from_pem_file(cert_path.as_ref())?;
        let key = PrivateKey::from_pem_file(key_path.as_ref(), password)?;
        let signer = match hash {
            Some(hash) => KeySigner::with_hash(key, hash)?,
            None => KeySigner::new(key),
        };
        Self::new(cert, Box::new(signer)).map_err(|e| match e {
            CaError::KeyMismatch { cert, .. } => CaError::KeyMismatch {
                key: key_path.as_ref().display().to_string(),
                cert,
            },
            other => other,
        })
    }

    /// The CA's certificate.
    pub fn certificate(&self) -> &CaCertificate {
        &self.cert
    }

    /// The CA's signer.
    pub fn signer(&self) -> &dyn CaSigner {
        self.signer.as_ref()
    }

    /// Starts issuing a certificate for `csr` under `profile`.
    pub fn issue<'a>(
        &'a self,
        csr: &'a CertificateRequest,
        profile: &'a SigningProfile,
    ) -> IssueBuilder<'a> {
        IssueBuilder {
            ca: self,
            csr,
            profile,
            now: None,
            serial: None,
            hosts: None,
            clamp_to_ca: false,
        }
    }

    /// Issues a certificate for `csr` under `profile`, now, with a random serial.
    ///
    /// # Errors
    /// As [`IssueBuilder::build`].
    pub fn sign_csr(
        &self,
        csr: &CertificateRequest,
        profile: &SigningProfile,
    ) -> Result<IssuedCertificate, CaError> {
        self.issue(csr, profile).build()
    }
}

/// Options for one certificate; made by [`CertificateAuthority::issue`].
#[derive(Debug)]
pub struct IssueBuilder<'a> {
    ca: &'a CertificateAuthority,
    csr: &'a CertificateRequest,
    profile: &'a SigningProfile,
    now: Option<OffsetDateTime>,
    serial: Option<Vec<u8>>,
    hosts: Option<Vec<SanEntry>>,
    clamp_to_ca: bool,
}

impl IssueBuilder<'_> {
    /// Issues as if the time were `now` (tests, reproducible output).
    pub fn with_now(mut self, now: OffsetDateTime) -> Self {
        self.now = Some(now);
        self
    }

    /// Uses this serial number instead of 20 random bytes.
    pub fn with_serial(mut self, serial: &[u8]) -> Self {
        self.serial = Some(serial.to_vec());
        self
    }

    /// Certifies these names instead of the ones the request asks for (cfssl's `-hostname`).
    pub fn with_hosts(mut self, hosts: Vec<SanEntry>) -> Self {
        self.hosts = Some(hosts);
        self
    }

    /// When the certificate would end after the CA, ends it when the CA ends instead of
    /// refusing it ([`CaError::OutlivesCa`]). cfssl 1.2 issues such a certificate as
    /// asked, outliving its CA; signers built on cfssl (Kubernetes') shorten it without
    /// a word. Off by default: a certificate shorter than its profile says should be a
    /// choice.
    pub fn with_clamp_to_ca(mut self, clamp: bool) -> Self {
        self.clamp_to_ca = clamp;
        self
    }

    /// Signs the certificate.
    ///
    /// # Errors
    /// [`CaError::CaNotYetValid`] or [`CaError::CaExpired`] when the CA certificate is
    /// not valid at the time of issue, [`CaError::OutlivesCa`] for a certificate that
    /// would end after the CA (unless [`IssueBuilder::with_clamp_to_ca`]),
    /// [`CaError::PathLength`] for a CA below a path-length-0 CA (a self-issued one, for
    /// the CA's own name, is allowed), [`CaError::NameNotAllowed`]
    /// for a name the profile's whitelist refuses, [`CaError::InvalidConfig`] for a
    /// profile that cannot make a valid certificate, [`CaError::Signing`] when the
    /// signer fails.
    pub fn build(self) -> Result<IssuedCertificate, CaError> {
        let ca = self.ca;
        let profile = self.profile;
        let now = self.now.unwrap_or_else(OffsetDateTime::now_utc);
        let (not_before, not_after) = self.validity_within_ca(now)?;
        let hosts = self.hosts.unwrap_or_else(|| self.csr.hosts().to_vec());
        check_names(profile, self.csr, &hosts)?;
        // A CA certificate for the issuer's own name (a key-rollover link) is
        // self-issued: RFC 5280 6.1.4 (l) does not count it against path lengths.
        let self_issued = self.csr.subject_name() == ca.cert.subject_name();
        let path_len = if profile.ca_constraint.is_ca {
            match ca.cert.path_len() {
                Some(n) if self_issued => {
                    Some(profile.ca_constraint.max_path_len.map_or(n, |p| p.min(n)))
                }
                Some(0) => {
                    return Err(CaError::PathLength {
                        origin: ca.cert.origin().to_owned(),
                    });
                }
                // A child CA's path length is below its issuer's, whatever the profile says.
                Some(n) => Some(
                    profile
                        .ca_constraint
                        .max_path_len
                        .map_or(n - 1, |p| p.min(n - 1)),
                ),
                None => profile.ca_constraint.max_path_len,
            }
        } else {
            None
        };
        let params = CertParams {
            subject: self.csr.subject_name().clone(),
            public_key: self.csr.public_key_der().to_vec(),
            key_spec: self.csr.key_spec(),
            hosts,
            profile,
            path_len,
            not_before,
            not_after,
            serial: self.serial,
        };
        build_certificate(
            &params,
            ca.cert.subject_name().clone(),
            ca.cert.key_id().to_vec(),
            ca.signer.as_ref(),
        )
    }
}

impl IssueBuilder<'_> {
    /// The validity window the profile gives at `now`, checked against the CA's: the CA
    /// must be valid at `now`, and the certificate may not end after it (unless clamped).
    fn validity_within_ca(
        &self,
        now: OffsetDateTime,
    ) -> Result<(OffsetDateTime, OffsetDateTime), CaError> {
        let cert = &self.ca.cert;
        let (ca_not_before, ca_not_after) = (cert.not_before(), cert.not_after());
        let origin = || cert.origin().to_owned();
        if now < ca_not_before {
            return Err(CaError::CaNotYetValid {
                origin: origin(),
                not_before: ca_not_before,
                not_after: ca_not_after,
                now,
            });
        }
        if now > ca_not_after {
            return Err(CaError::CaExpired {
                origin: origin(),
                not_before: ca_not_before,
                not_after: ca_not_after,
                now,
            });
        }
        let (not_before, mut not_after) = validity(self.profile, now);
        if not_after > ca_not_after {
            if !self.clamp_to_ca || ca_not_after <= not_before {
                return Err(CaError::OutlivesCa {
                    origin: origin(),
                    not_after,
                    ca_not_after,
                });
            }
            not_after = ca_not_after;
        }
        Ok((not_before, not_after))
    }
}

fn check_names(
    profile: &SigningProfile,
    csr: &CertificateRequest,
    hosts: &[SanEntry],
) -> Result<(), CaError> {
    if profile.name_whitelist().is_none() {
        return Ok(());
    }
    let mut names: Vec<String> = Vec::new();
    if let Ok(Some(cn)) = csr.subject_name().common_name() {
        names.push(cn.value().into_owned());
    }
    names.extend(hosts.iter().map(ToString::to_string));
    match names.into_iter().find(|n| !profile.allows_name(n)) {
        Some(name) => Err(CaError::NameNotAllowed {
            name,
            profile: profile.name.clone(),
        }),
        None => Ok(()),
    }
}

/// What goes into one certificate.
pub(crate) struct CertParams<'a> {
    pub(crate) subject: Name,
    pub(crate) public_key: Vec<u8>,
    pub(crate) key_spec: KeySpec,
    pub(crate) hosts: Vec<SanEntry>,
    pub(crate) profile: &'a SigningProfile,
    pub(crate) path_len: Option<u8>,
    pub(crate) not_before: OffsetDateTime,
    pub(crate) not_after: OffsetDateTime,
    pub(crate) serial: Option<Vec<u8>>,
}

/// The single issuing path: every certificate certgate makes is built here.
pub(crate) fn build_certificate(
    params: &CertParams<'_>,
    issuer: Name,
    issuer_key_id: Vec<u8>,
    signer: &dyn CaSigner,
) -> Result<IssuedCertificate, CaError> {
    let enc = |e: x509_cert::builder::Error| CaError::encoding("certificate", e);
    let der_enc = |e: der::Error| CaError::encoding("certificate", e);
    let (not_before, not_after) = (params.not_before, params.not_after);
    if not_after <= not_before {
        return Err(CaError::config(
            "signing profile",
            format!("{}.not_after", params.profile.name),
            ConfigProblem::EndsBeforeItBegins,
        ));
    }
    let serial = match &params.serial {
        Some(s) => s.clone(),
        None => random_serial()?,
    };
    let extensions = crate::extensions::extensions(params, &issuer_key_id)?;
    let cert_profile = FixedProfile {
        issuer,
        subject: params.subject.clone(),
        extensions,
    };
    let validity = Validity::new(x509_time(not_before)?, x509_time(not_after)?);
    let spki = SubjectPublicKeyInfoOwned::from_der(&params.public_key).map_err(der_enc)?;
    let mut builder = CertificateBuilder::new(
        cert_profile,
        SerialNumber::new(&serial).map_err(der_enc)?,
        validity,
        spki,
    )
    .map_err(enc)?;
    let adapter = BuilderSigner::new(signer)?;
    let tbs = builder.finalize(&adapter).map_err(enc)?;
    let signature = signer.sign(&tbs)?;
    let cert = builder
        .assemble(
            BitString::from_bytes(&signature).map_err(der_enc)?,
            &adapter,
        )
        .map_err(enc)?;
    Ok(IssuedCertificate {
        der: cert.to_der().map_err(der_enc)?,
        // What SerialNumber::new encoded: the positive integer, leading zeros dropped.
        serial: Serial::from_magnitude(&serial),
        not_before,
        not_after,
    })
}

/// cfssl's validity window: notBefore is now rounded to the minute less the backdate,
/// notAfter is notBefore plus the expiry; explicit not_before/not_after win.
pub(crate) fn validity(
    profile: &SigningProfile,
    now: OffsetDateTime,
) -> (OffsetDateTime, OffsetDateTime) {
    let rounded = round_to_minute(now);
    let not_before = profile
        .not_before
        .unwrap_or(rounded - profile.backdate.unwrap_or(DEFAULT_BACKDATE));
    let not_after = profile.not_after.unwrap_or(not_before + profile.expiry);
    (not_before, not_after)
}

fn round_to_minute(t: OffsetDateTime) -> OffsetDateTime {
    let secs = t.unix_timestamp();
    let rounded = (secs + 30).div_euclid(60) * 60;
    OffsetDateTime::from_unix_timestamp(rounded).unwrap_or(t)
}

/// 20 random bytes, top bit clear so the INTEGER is positive, first byte non-zero so it
/// keeps all 20 bytes in DER.
fn random_serial() -> Result<Vec<u8>, CaError> {
    let mut serial = vec![0u8; SERIAL_LEN];
    SystemRandom::new()
        .fill(&mut serial)
        .map_err(|e| CaError::Randomness {
            purpose: "serial number",
            source: Box::new(e),
        })?;
    serial[0] &= 0x7f;
    if serial[0] == 0 {
        serial[0] = 1;
    }
    Ok(serial)
}

/// A builder profile whose answers were all worked out beforehand.
struct FixedProfile {
    issuer: Name,
    subject: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for FixedProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        _tbs: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}
