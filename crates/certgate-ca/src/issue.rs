//! Issuing certificates: self-signed roots, intermediates and leaves, one path for all.

use std::path::Path;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use time::{Duration, OffsetDateTime};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::constraints::name::{GeneralSubtree, NameConstraints};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, ExtendedKeyUsage as EkuExt, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

use crate::cfssl::{CsrJson, HostName, KeyUsageBit, NameConstraintsSpec, SigningProfile};
use crate::signer_adapter::BuilderSigner;
use crate::x509::{
    SubjectName, extension, general_name, ip_subtree, key_identifier, uri_name, x509_time,
};
use crate::{
    CaCertificate, CaError, CaSigner, CertificateRequest, KeySigner, KeySpec, Password, PrivateKey,
    SignatureHash, pem,
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
    serial: Vec<u8>,
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

    /// The serial number's bytes (big-endian, without a sign byte).
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// The serial number as lower-case hex.
    pub fn serial_hex(&self) -> String {
        self.serial.iter().map(|b| format!("{b:02x}")).collect()
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
    /// As [`CertificateAuthority::load`], and [`CaError::Signing`] when the key cannot
    /// sign with that hash.
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
    hosts: Option<Vec<HostName>>,
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
    pub fn with_hosts(mut self, hosts: Vec<HostName>) -> Self {
        self.hosts = Some(hosts);
        self
    }

    /// Signs the certificate.
    ///
    /// # Errors
    /// [`CaError::PathLength`] for a CA below a path-length-0 CA, [`CaError::NameNotAllowed`]
    /// for a name the profile's whitelist refuses, [`CaError::InvalidConfig`] for a
    /// profile that cannot make a valid certificate, [`CaError::Signing`] when the
    /// signer fails.
    pub fn build(self) -> Result<IssuedCertificate, CaError> {
        let ca = self.ca;
        let profile = self.profile;
        let hosts = self.hosts.unwrap_or_else(|| self.csr.hosts().to_vec());
        check_names(profile, self.csr, &hosts)?;
        let path_len = if profile.ca_constraint.is_ca {
            match ca.cert.path_len() {
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
            now: self.now.unwrap_or_else(OffsetDateTime::now_utc),
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

fn check_names(
    profile: &SigningProfile,
    csr: &CertificateRequest,
    hosts: &[HostName],
) -> Result<(), CaError> {
    if profile.name_whitelist().is_none() {
        return Ok(());
    }
    let mut names: Vec<String> = Vec::new();
    if let Ok(Some(cn)) = csr.subject_name().common_name() {
        names.push(cn.value().into_owned());
    }
    names.extend(hosts.iter().map(|h| match h {
        HostName::Dns(s) | HostName::Email(s) | HostName::Uri(s) => s.clone(),
        HostName::Ip(ip) => ip.to_string(),
    }));
    match names.into_iter().find(|n| !profile.allows_name(n)) {
        Some(name) => Err(CaError::NameNotAllowed { name }),
        None => Ok(()),
    }
}

/// What goes into one certificate.
struct CertParams<'a> {
    subject: Name,
    public_key: Vec<u8>,
    key_spec: KeySpec,
    hosts: Vec<HostName>,
    profile: &'a SigningProfile,
    path_len: Option<u8>,
    now: OffsetDateTime,
    serial: Option<Vec<u8>>,
}

/// The single issuing path: every certificate certgate makes is built here.
fn build_certificate(
    params: &CertParams<'_>,
    issuer: Name,
    issuer_key_id: Vec<u8>,
    signer: &dyn CaSigner,
) -> Result<IssuedCertificate, CaError> {
    let enc = |e: &dyn std::fmt::Display| CaError::encoding("certificate", e);
    let profile = params.profile;
    let (not_before, not_after) = validity(profile, params.now);
    if not_after <= not_before {
        return Err(CaError::InvalidConfig {
            origin: "signing profile".into(),
            field: format!("{}.not_after", profile.name),
            reason: "the certificate would end before it begins".into(),
        });
    }
    let serial = match &params.serial {
        Some(s) => s.clone(),
        None => random_serial()?,
    };
    let extensions = extensions(params, &issuer_key_id)?;
    let cert_profile = FixedProfile {
        issuer,
        subject: params.subject.clone(),
        extensions,
    };
    let validity = Validity::new(x509_time(not_before)?, x509_time(not_after)?);
    let spki = SubjectPublicKeyInfoOwned::from_der(&params.public_key).map_err(|e| enc(&e))?;
    let mut builder = CertificateBuilder::new(
        cert_profile,
        SerialNumber::new(&serial).map_err(|e| enc(&e))?,
        validity,
        spki,
    )
    .map_err(|e| enc(&e))?;
    let adapter = BuilderSigner::new(signer)?;
    let tbs = builder.finalize(&adapter).map_err(|e| enc(&e))?;
    let signature = signer.sign(&tbs)?;
    let cert = builder
        .assemble(
            BitString::from_bytes(&signature).map_err(|e| enc(&e))?,
            &adapter,
        )
        .map_err(|e| enc(&e))?;
    Ok(IssuedCertificate {
        der: cert.to_der().map_err(|e| enc(&e))?,
        serial,
        not_before,
        not_after,
    })
}

/// cfssl's validity window: notBefore is now rounded to the minute less the backdate,
/// notAfter is notBefore plus the expiry; explicit not_before/not_after win.
fn validity(profile: &SigningProfile, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
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
        .map_err(|_| CaError::Signing {
            reason: "no randomness for the serial number".into(),
        })?;
    serial[0] &= 0x7f;
    if serial[0] == 0 {
        serial[0] = 1;
    }
    Ok(serial)
}

fn extensions(params: &CertParams<'_>, issuer_key_id: &[u8]) -> Result<Vec<Extension>, CaError> {
    let profile = params.profile;
    let is_ca = profile.ca_constraint.is_ca;
    let mut bits = profile.key_usage.clone();
    if is_ca {
        bits.insert(KeyUsageBit::KeyCertSign);
        bits.insert(KeyUsageBit::CrlSign);
    } else if bits.contains(&KeyUsageBit::KeyCertSign) {
        return Err(CaError::InvalidConfig {
            origin: "signing profile".into(),
            field: format!("{}.usages", profile.name),
            reason: "\"cert sign\" needs ca_constraint.is_ca: a leaf may not sign certificates"
                .into(),
        });
    }
    if !matches!(params.key_spec, KeySpec::Rsa(_)) {
        // EC and Ed25519 keys cannot encrypt a key; cfssl sets the bit anyway.
        bits.remove(&KeyUsageBit::KeyEncipherment);
    }
    if bits.is_empty() && profile.ext_key_usage.is_empty() {
        return Err(CaError::InvalidConfig {
            origin: "signing profile".into(),
            field: format!("{}.usages", profile.name),
            reason: "the profile gives no key usage".into(),
        });
    }
    let mut exts = Vec::new();
    if !bits.is_empty() {
        let flags = bits.iter().fold(0u16, |acc, b| acc | (1u16 << b.bit()));
        let ku = KeyUsage(der::flagset::FlagSet::<KeyUsages>::new_truncated(flags));
        exts.push(extension(&ku, true)?);
    }
    if !profile.ext_key_usage.is_empty() {
        let ekus = EkuExt(profile.ext_key_usage.iter().map(|e| e.oid()).collect());
        exts.push(extension(&ekus, false)?);
    }
    let bc = BasicConstraints {
        ca: is_ca,
        path_len_constraint: params.path_len,
    };
    exts.push(extension(&bc, true)?);
    let ski = key_identifier(&params.public_key)?;
    exts.push(extension(&SubjectKeyIdentifier(octets(&ski)?), false)?);
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(octets(issuer_key_id)?),
        ..Default::default()
    };
    exts.push(extension(&aki, false)?);
    if !params.hosts.is_empty() {
        let names = params
            .hosts
            .iter()
            .map(general_name)
            .collect::<Result<Vec<_>, _>>()?;
        // RFC 5280 4.2.1.6: the SAN is critical when the subject is empty.
        exts.push(extension(
            &SubjectAltName(names),
            params.subject.is_empty(),
        )?);
    }
    let mut access = Vec::new();
    if let Some(ocsp) = &profile.ocsp_url {
        access.push(AccessDescription {
            access_method: const_oid::db::rfc5280::ID_AD_OCSP,
            access_location: uri_name(ocsp)?,
        });
    }
    for url in &profile.issuer_urls {
        access.push(AccessDescription {
            access_method: const_oid::db::rfc5280::ID_AD_CA_ISSUERS,
            access_location: uri_name(url)?,
        });
    }
    if !access.is_empty() {
        exts.push(extension(&AuthorityInfoAccessSyntax(access), false)?);
    }
    if let Some(url) = &profile.crl_url {
        let dp = DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![uri_name(url)?])),
            reasons: None,
            crl_issuer: None,
        };
        exts.push(extension(&CrlDistributionPoints(vec![dp]), false)?);
    }
    if let Some(nc) = profile.name_constraints.as_ref().filter(|_| is_ca) {
        exts.push(extension(&name_constraints(nc)?, true)?);
    }
    Ok(exts)
}

fn octets(bytes: &[u8]) -> Result<OctetString, CaError> {
    OctetString::new(bytes).map_err(|e| CaError::encoding("key identifier", e))
}

fn name_constraints(spec: &NameConstraintsSpec) -> Result<NameConstraints, CaError> {
    let subtrees = |dns: &[String], email: &[String], ip: &[crate::cfssl::IpNet]| {
        let mut out = Vec::new();
        for d in dns {
            out.push(general_name(&HostName::Dns(d.clone()))?);
        }
        for e in email {
            out.push(GeneralName::Rfc822Name(
                der::asn1::Ia5String::new(e)
                    .map_err(|err| CaError::encoding("name constraint", err))?,
            ));
        }
        for net in ip {
            out.push(ip_subtree(net)?);
        }
        let out: Vec<GeneralSubtree> = out
            .into_iter()
            .map(|base| GeneralSubtree {
                base,
                minimum: 0,
                maximum: None,
            })
            .collect();
        Ok::<_, CaError>((!out.is_empty()).then_some(out))
    };
    let constraints = NameConstraints {
        permitted_subtrees: subtrees(
            &spec.permitted_dns,
            &spec.permitted_email,
            &spec.permitted_ip,
        )?,
        excluded_subtrees: subtrees(&spec.excluded_dns, &spec.excluded_email, &spec.excluded_ip)?,
    };
    if constraints.permitted_subtrees.is_none() && constraints.excluded_subtrees.is_none() {
        return Err(CaError::InvalidConfig {
            origin: "signing profile".into(),
            field: "name_constraints".into(),
            reason: "no permitted or excluded names given".into(),
        });
    }
    Ok(constraints)
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

/// A new self-signed root CA: its key's signer, certificate and request.
#[derive(Debug)]
pub struct NewRootCa {
    /// The CA, ready to issue.
    pub ca: CertificateAuthority,
    /// The root certificate.
    pub certificate: IssuedCertificate,
    /// The request the root was made from (cfssl writes it as `ca.csr`).
    pub request: CertificateRequest,
}

/// Makes a self-signed root CA from cfssl CSR JSON, as `cfssl genkey -initca` does.
#[derive(Debug)]
pub struct RootCaBuilder<'a> {
    csr: &'a CsrJson,
    signer: Box<dyn CaSigner>,
    now: Option<OffsetDateTime>,
    serial: Option<Vec<u8>>,
}

impl<'a> RootCaBuilder<'a> {
    /// A root for `csr`, signed by `signer` (use [`KeySigner`] over a key generated for
    /// [`CsrJson::key_spec`]).
    pub fn new(csr: &'a CsrJson, signer: Box<dyn CaSigner>) -> Self {
        Self {
            csr,
            signer,
            now: None,
            serial: None,
        }
    }

    /// Issues as if the time were `now`.
    pub fn with_now(mut self, now: OffsetDateTime) -> Self {
        self.now = Some(now);
        self
    }

    /// Uses this serial number instead of 20 random bytes.
    pub fn with_serial(mut self, serial: &[u8]) -> Self {
        self.serial = Some(serial.to_vec());
        self
    }

    /// Signs the root: keyCertSign and cRLSign, cA=TRUE with the CSR's path length,
    /// `ca.expiry` or 43800h, backdated by `ca.backdate` or 5 minutes.
    ///
    /// # Errors
    /// [`CaError::InvalidRequest`] for names that cannot be encoded, [`CaError::Signing`].
    pub fn build(self) -> Result<NewRootCa, CaError> {
        let subject = SubjectName::from_csr_json(self.csr);
        let hosts = self.csr.host_names()?;
        let request = CertificateRequest::create(self.signer.as_ref(), &subject, &hosts)?;
        let ca_req = self.csr.ca.clone().unwrap_or_default();
        let profile = SigningProfile::root_ca(
            ca_req.expiry.unwrap_or(DEFAULT_ROOT_EXPIRY),
            ca_req.backdate,
            self.csr.ca_path_len(),
        );
        let params = CertParams {
            subject: request.subject_name().clone(),
            public_key: request.public_key_der().to_vec(),
            key_spec: request.key_spec(),
            hosts,
            profile: &profile,
            path_len: profile.ca_constraint.max_path_len,
            now: self.now.unwrap_or_else(OffsetDateTime::now_utc),
            serial: self.serial,
        };
        let own_key_id = key_identifier(&params.public_key)?;
        let certificate = build_certificate(
            &params,
            params.subject.clone(),
            own_key_id,
            self.signer.as_ref(),
        )?;
        let cert = CaCertificate::from_der(certificate.der(), "new root CA")?;
        let ca = CertificateAuthority::new(cert, self.signer)?;
        Ok(NewRootCa {
            ca,
            certificate,
            request,
        })
    }
}
