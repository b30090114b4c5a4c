//! Self-signed root CAs, as `cfssl genkey -initca` makes them.

use time::OffsetDateTime;

use crate::cfssl::{CsrJson, SigningProfile};
use crate::issue::{
    CertParams, DEFAULT_ROOT_EXPIRY, IssuedCertificate, build_certificate, validity,
};
use crate::x509::{SubjectName, key_identifier};
use crate::{CaCertificate, CaError, CaSigner, CertificateAuthority, CertificateRequest};

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
    /// A root for `csr`, signed by `signer` (use [`KeySigner`](crate::KeySigner) over a key generated for
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
    /// A root is self-signed, so unlike [`IssueBuilder`](crate::IssueBuilder) there is
    /// no issuer whose validity bounds its own.
    ///
    /// # Errors
    /// [`CaError::InvalidName`] for names that cannot be encoded, [`CaError::InvalidHost`]
    /// for bad `hosts`, [`CaError::Signing`] when the signer fails.
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
        let (not_before, not_after) =
            validity(&profile, self.now.unwrap_or_else(OffsetDateTime::now_utc));
        let params = CertParams {
            subject: request.subject_name().clone(),
            public_key: request.public_key_der().to_vec(),
            key_spec: request.key_spec(),
            hosts,
            profile: &profile,
            path_len: profile.ca_constraint.max_path_len,
            not_before,
            not_after,
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
