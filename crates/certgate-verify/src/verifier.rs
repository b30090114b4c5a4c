//! `ClientVerifier`: a `rustls::server::danger::ClientCertVerifier` with CRL checks kept
//! in our own store, clientAuth required, and two modes: enforce in the handshake, or
//! report to the application.

use std::cell::Cell;
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use crate::info::{ClientCertInfo, FailureReason, Verdict};
use crate::revocation::{
    RevocationCheckDepth, RevocationPolicy, RevocationStatus, UnknownStatusPolicy,
};
use crate::{RevocationStore, VerifyError};

/// DER of the id-kp-clientAuth OID's value.
const EKU_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];

/// How a verifier acts on a bad or missing certificate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VerifyMode {
    /// Fail the handshake with the matching alert (the default).
    #[default]
    Enforce,
    /// Let every handshake complete (the CertificateVerify signature is still checked)
    /// and report the verdict through [`ClientVerifier::verify_presented`], so an HTTP
    /// layer can answer 403 with the reason, as Cloudflare Access does.
    Report,
}

/// Builds a [`ClientVerifier`]: anchors required, the rest options.
#[derive(Debug)]
pub struct ClientVerifierBuilder {
    anchors: Vec<CertificateDer<'static>>,
    intermediates: Vec<CertificateDer<'static>>,
    revocation: Option<(RevocationStore, RevocationPolicy)>,
    mode: VerifyMode,
    require_client_auth_eku: bool,
}

/// Verifies client certificates against trust anchors, with revocation from a
/// [`RevocationStore`]. Without a store, revocation is not checked.
#[derive(Debug)]
pub struct ClientVerifier {
    anchor_certs: Vec<CertificateDer<'static>>,
    intermediates: Vec<CertificateDer<'static>>,
    hints: Vec<DistinguishedName>,
    revocation: Option<(RevocationStore, RevocationPolicy)>,
    mode: VerifyMode,
    require_client_auth_eku: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientVerifier {
    /// Starts a verifier trusting `anchors` (DER certificates; rustls-pki-types'
    /// `PemObject` reads them from PEM).
    pub fn builder(anchors: Vec<CertificateDer<'static>>) -> ClientVerifierBuilder {
        ClientVerifierBuilder {
            anchors,
            intermediates: Vec::new(),
            revocation: None,
            mode: VerifyMode::Enforce,
            require_client_auth_eku: true,
        }
    }
}

impl ClientVerifierBuilder {
    /// Intermediates to build paths with, for clients that send only their leaf.
    pub fn with_intermediates(mut self, intermediates: Vec<CertificateDer<'static>>) -> Self {
        self.intermediates = intermediates;
        self
    }

    /// Checks revocation against `store` under `policy` (defaults: whole chain, unknown
    /// status refused, stale CRLs refused).
    pub fn with_revocation(mut self, store: RevocationStore, policy: RevocationPolicy) -> Self {
        self.revocation = Some((store, policy));
        self
    }

    /// Enforce (default) or report.
    pub fn with_mode(mut self, mode: VerifyMode) -> Self {
        self.mode = mode;
        self
    }

    /// Checks the anchors and builds the verifier.
    ///
    /// # Errors
    /// [`VerifyError::BadTrustAnchor`] when there is none, or one does not parse as a
    /// trust anchor.
    pub fn build(self) -> Result<ClientVerifier, VerifyError> {
        if self.anchors.is_empty() {
            return Err(VerifyError::BadTrustAnchor {
                index: 0,
                reason: "no trust anchors given".into(),
            });
        }
        let mut hints = Vec::new();
        for (index, der) in self.anchors.iter().enumerate() {
            let anchor =
                webpki::anchor_from_trusted_cert(der).map_err(|e| VerifyError::BadTrustAnchor {
                    index,
                    reason: format!("{e:?}"),
                })?;
            check_anchor(der).map_err(|reason| VerifyError::BadTrustAnchor { index, reason })?;
            let mut name = vec![0x30];
            push_len(&mut name, anchor.subject.len());
            name.extend_from_slice(&anchor.subject);
            hints.push(DistinguishedName::from(name));
        }
        Ok(ClientVerifier {
            anchor_certs: self.anchors,
            intermediates: self.intermediates,
            hints,
            revocation: self.revocation,
            mode: self.mode,
            require_client_auth_eku: self.require_client_auth_eku,
            algorithms: rustls::crypto::aws_lc_rs::default_provider()
                .signature_verification_algorithms,
        })
    }
}

/// Danger: options that weaken verification. Use them knowing why.
pub mod danger {
    use super::ClientVerifierBuilder;

    /// Accepts leaves without an extendedKeyUsage extension (webpki's behaviour). By
    /// default certgate requires clientAuth to be listed.
    pub fn allow_leaf_without_eku(builder: ClientVerifierBuilder) -> ClientVerifierBuilder {
        ClientVerifierBuilder {
            require_client_auth_eku: false,
            ..builder
        }
    }
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap_or(0));
        out.extend(bytes);
    }
}

/// Extensions whose meaning we (and webpki) know, so they may be critical on an anchor.
const KNOWN_EXTENSIONS: [&str; 9] = [
    "2.5.29.14", // subjectKeyIdentifier
    "2.5.29.15", // keyUsage
    "2.5.29.17", // subjectAltName
    "2.5.29.19", // basicConstraints
    "2.5.29.30", // nameConstraints
    "2.5.29.32", // certificatePolicies
    "2.5.29.35", // authorityKeyIdentifier
    "2.5.29.36", // policyConstraints
    "2.5.29.37", // extKeyUsage
];

/// Checks an anchor the way a `RootCertStore` cannot (it keeps only subject, key and
/// name constraints): a CA that may sign certificates, with a subjectKeyIdentifier,
/// valid now, and no critical extension we do not understand.
fn check_anchor(der: &[u8]) -> Result<(), String> {
    use der::Decode;
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage as Ku, KeyUsages, SubjectKeyIdentifier};
    let cert = x509_cert::Certificate::from_der(der).map_err(|e| e.to_string())?;
    let tbs = cert.tbs_certificate();
    match tbs.get_extension::<BasicConstraints>() {
        Ok(Some((_, bc))) if bc.ca => {}
        _ => return Err("not a CA (basicConstraints cA is not TRUE)".into()),
    }
    if let Ok(Some((_, ku))) = tbs.get_extension::<Ku>()
        && !ku.0.contains(KeyUsages::KeyCertSign)
    {
        return Err("keyUsage lacks keyCertSign".into());
    }
    if !matches!(tbs.get_extension::<SubjectKeyIdentifier>(), Ok(Some(_))) {
        return Err(
            "no subjectKeyIdentifier (RFC 5280 4.2.1.2 requires one on CA certificates)".into(),
        );
    }
    let now = std::time::SystemTime::now();
    let validity = tbs.validity();
    if validity.not_after.to_system_time() < now {
        return Err(format!("expired on {}", validity.not_after));
    }
    if validity.not_before.to_system_time() > now {
        return Err(format!("not valid before {}", validity.not_before));
    }
    for ext in tbs.extensions().into_iter().flatten() {
        let oid = ext.extn_id.to_string();
        if ext.critical && !KNOWN_EXTENSIONS.contains(&oid.as_str()) {
            return Err(format!("unknown critical extension {oid}"));
        }
    }
    Ok(())
}

/// Maps webpki's verdict to ours.
fn reason_of(err: &webpki::Error) -> FailureReason {
    use webpki::Error as E;
    match err {
        E::CertExpired { .. } => FailureReason::Expired,
        E::CertNotValidYet { .. } => FailureReason::NotYetValid,
        E::UnknownIssuer => FailureReason::UnknownIssuer,
        E::CertRevoked => FailureReason::Revoked,
        E::RequiredEkuNotFoundContext(_) => FailureReason::WrongKeyUsage,
        E::InvalidSignatureForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => FailureReason::BadSignature,
        other => FailureReason::Other(format!("{other:?}")),
    }
}

fn certificate_error(reason: &FailureReason) -> CertificateError {
    match reason {
        FailureReason::Expired => CertificateError::Expired,
        FailureReason::NotYetValid => CertificateError::NotValidYet,
        FailureReason::UnknownIssuer => CertificateError::UnknownIssuer,
        FailureReason::Revoked => CertificateError::Revoked,
        FailureReason::RevocationStatusUnknown => CertificateError::UnknownRevocationStatus,
        FailureReason::WrongKeyUsage => CertificateError::InvalidPurpose,
        FailureReason::BadSignature => CertificateError::BadSignature,
        FailureReason::Other(_) => CertificateError::BadEncoding,
    }
}

impl ClientVerifier {
    /// Verifies a chain: path to an anchor, signatures, validity at `now`, clientAuth,
    /// serials, and revocation. Returns the anchor's subject (RFC 4514).
    ///
    /// # Errors
    /// The [`FailureReason`] that refused it.
    pub fn verify_chain(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<String, FailureReason> {
        let cert = EndEntityCert::try_from(end_entity).map_err(|e| reason_of(&e))?;
        let anchors: Vec<TrustAnchor<'_>> = self
            .anchor_certs
            .iter()
            .filter_map(|a| webpki::anchor_from_trusted_cert(a).ok())
            .collect();
        let mut all: Vec<CertificateDer<'_>> = intermediates.to_vec();
        all.extend(self.intermediates.iter().cloned());
        let usage = if self.require_client_auth_eku {
            KeyUsage::required(EKU_CLIENT_AUTH)
        } else {
            KeyUsage::client_auth()
        };
        let ours: Cell<Option<FailureReason>> = Cell::new(None);
        let seconds = now.as_secs();
        let check_path = |path: &webpki::VerifiedPath<'_>| -> Result<(), webpki::Error> {
            let leaf = path.end_entity();
            let mut certs: Vec<&webpki::Cert<'_>> = vec![leaf];
            certs.extend(path.intermediate_certificates());
            for cert in &certs {
                let serial = cert.serial();
                let trimmed = match serial {
                    [0, rest @ ..] if !rest.is_empty() => rest,
                    s => s,
                };
                if trimmed.iter().all(|b| *b == 0) || trimmed.len() > 20 {
                    ours.set(Some(FailureReason::Other(
                        "serial number is zero or longer than 20 octets".into(),
                    )));
                    return Err(webpki::Error::BadDer);
                }
            }
            if let Some((store, policy)) = &self.revocation {
                let checked = match policy.depth {
                    RevocationCheckDepth::EndEntity => &certs[..1],
                    RevocationCheckDepth::Chain => &certs[..],
                };
                for cert in checked {
                    match store.status(cert.issuer(), cert.serial(), seconds, policy.expiration) {
                        RevocationStatus::Good => {}
                        RevocationStatus::Revoked(_) => {
                            ours.set(Some(FailureReason::Revoked));
                            return Err(webpki::Error::CertRevoked);
                        }
                        RevocationStatus::Unknown | RevocationStatus::Stale
                            if policy.unknown_status == UnknownStatusPolicy::Allow => {}
                        RevocationStatus::Unknown | RevocationStatus::Stale => {
                            ours.set(Some(FailureReason::RevocationStatusUnknown));
                            return Err(webpki::Error::UnknownRevocationStatus);
                        }
                    }
                }
            }
            Ok(())
        };
        let result = cert.verify_for_usage(
            self.algorithms.all,
            &anchors,
            &all,
            now,
            usage,
            None,
            Some(&check_path),
        );
        match result {
            Ok(path) => {
                let subject = path.anchor().subject.as_ref();
                let mut name = vec![0x30];
                push_len(&mut name, subject.len());
                name.extend_from_slice(subject);
                Ok(crate::dn::format(&name, false))
            }
            Err(e) => Err(ours.take().unwrap_or_else(|| reason_of(&e))),
        }
    }

    /// The verdict and fields of what a client presented (`conn.peer_certificates()`):
    /// for [`VerifyMode::Report`], and for logging in either mode.
    pub fn verify_presented(
        &self,
        presented: Option<&[CertificateDer<'_>]>,
        now: UnixTime,
    ) -> ClientCertInfo {
        let Some((leaf, intermediates)) = presented.and_then(<[_]>::split_first) else {
            return ClientCertInfo::not_presented();
        };
        let info = match ClientCertInfo::from_der(leaf) {
            Ok(info) => info,
            Err(e) => {
                return ClientCertInfo::not_presented()
                    .presented_but_unreadable(FailureReason::Other(e.to_string()));
            }
        };
        let verdict = match self.verify_chain(leaf, intermediates, now) {
            Ok(anchor_subject) => Verdict::Verified { anchor_subject },
            Err(reason) => Verdict::Failed(reason),
        };
        info.with_verdict(verdict)
    }

    /// The mode.
    pub fn mode(&self) -> VerifyMode {
        self.mode
    }
}

impl ClientCertVerifier for ClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        self.mode == VerifyMode::Enforce
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        match (self.mode, self.verify_chain(end_entity, intermediates, now)) {
            (VerifyMode::Report, _) | (VerifyMode::Enforce, Ok(_)) => {
                Ok(ClientCertVerified::assertion())
            }
            (VerifyMode::Enforce, Err(reason)) => Err(rustls::Error::InvalidCertificate(
                certificate_error(&reason),
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Shares a verifier between `ServerConfig`s.
pub fn shared(verifier: ClientVerifier) -> Arc<ClientVerifier> {
    Arc::new(verifier)
}
