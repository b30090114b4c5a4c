//! `ClientVerifier`: a `rustls::server::danger::ClientCertVerifier` with CRL checks kept
//! in our own store, clientAuth required, and two modes: enforce in the handshake, or
//! report to the application.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use rustls_pki_types::{CertificateDer, UnixTime};

use crate::info::{ClientCertInfo, FailureReason, Verdict};
use crate::path::chain::{ChainVerifier, ChainVerifierBuilder, VerifiedChain, default_provider};
use crate::path::policy::PolicySets;
use crate::path::rfc5280::Rfc5280Rules;
use crate::path::usage::Usage;
use crate::path::violation::Rfc5280Violation;
use crate::revocation::policy::RevocationPolicy;
use crate::tls::memo::{VerdictMemo, chain_key};
use crate::{RevocationStore, VerifyError};

/// How a verifier acts on a bad or missing certificate.
#[non_exhaustive]
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
    chain: ChainVerifierBuilder,
    mode: VerifyMode,
    usage: Usage,
    memo: bool,
}

/// Verifies client certificates against trust anchors, with revocation from a
/// [`RevocationStore`]: a [`ChainVerifier`] for [`Usage::client_auth`] behind rustls'
/// `ClientCertVerifier`. Without a store, revocation is not checked.
#[derive(Debug)]
pub struct ClientVerifier {
    chain: ChainVerifier,
    hints: Vec<DistinguishedName>,
    mode: VerifyMode,
    usage: Usage,
    algorithms: WebPkiSupportedAlgorithms,
    memo: Option<VerdictMemo>,
}

impl ClientVerifier {
    /// Starts a verifier trusting `anchors` (DER certificates; rustls-pki-types'
    /// `PemObject` reads them from PEM), checking signatures with aws-lc-rs.
    pub fn builder(anchors: Vec<CertificateDer<'static>>) -> ClientVerifierBuilder {
        Self::builder_with_provider(anchors, default_provider())
    }

    /// Starts a verifier trusting `anchors` that checks certificate and handshake
    /// signatures with the `signature_verification_algorithms` of `provider` (ring's, a
    /// FIPS build's, ...).
    pub fn builder_with_provider(
        anchors: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> ClientVerifierBuilder {
        ClientVerifierBuilder {
            chain: ChainVerifier::builder_with_provider(anchors, provider),
            mode: VerifyMode::Enforce,
            usage: Usage::client_auth(),
            memo: false,
        }
    }
}

impl ClientVerifierBuilder {
    /// Intermediates to build paths with, for clients that send only their leaf.
    pub fn with_intermediates(mut self, intermediates: Vec<CertificateDer<'static>>) -> Self {
        self.chain = self.chain.with_intermediates(intermediates);
        self
    }

    /// Checks revocation against `store` under `policy` (defaults: whole chain, unknown
    /// status refused, stale CRLs refused). Without a store, revocation is not checked.
    pub fn with_revocation(mut self, store: RevocationStore, policy: RevocationPolicy) -> Self {
        self.chain = self.chain.with_revocation(store, policy);
        self
    }

    /// Enforce (default) or report.
    pub fn with_mode(mut self, mode: VerifyMode) -> Self {
        self.mode = mode;
        self
    }

    /// Verifies every full handshake in the handshake, in both modes, and keeps the
    /// verdict for [`ClientVerifier::handshake_info`], which reads it once the handshake
    /// is done: one verification per full handshake, none repeated after it. Without
    /// this, a report-mode verifier verifies nothing in the handshake and the
    /// application verifies with [`ClientVerifier::verify_presented`].
    pub fn with_handshake_verdicts(mut self) -> Self {
        self.memo = true;
        self
    }

    /// Which rules of RFC 5280 to enforce: the relying party's (the default: a CA
    /// certificate without authorityKeyIdentifier, as rcgen makes them, is accepted), or
    /// [`Rfc5280Rules::Strict`], which adds the CA's duties.
    pub fn with_rfc5280_rules(mut self, rules: Rfc5280Rules) -> Self {
        self.chain = self.chain.with_rfc5280_rules(rules);
        self
    }

    /// How many verified links between CA certificates to remember across handshakes
    /// (default [`crate::DEFAULT_LINK_CACHE_ENTRIES`]; 0 remembers none): once an
    /// intermediate's signature by its issuer has been checked, a handshake with it costs
    /// one signature check, the client certificate's. As
    /// [`crate::ChainVerifierBuilder::with_link_cache`].
    pub fn with_link_cache(mut self, entries: usize) -> Self {
        self.chain = self.chain.with_link_cache(entries);
        self
    }

    /// The certificate-policy inputs of RFC 5280 6.1.1: the user-initial-policy-set and
    /// the three initial flags. As [`crate::ChainVerifierBuilder::with_policy_options`];
    /// the verified path's sets are in [`ClientCertInfo::policies`].
    pub fn with_policy_options(mut self, options: crate::PolicyOptions) -> Self {
        self.chain = self.chain.with_policy_options(options);
        self
    }

    /// Checks the anchors and builds the verifier.
    ///
    /// # Errors
    /// [`VerifyError::BadTrustAnchor`] when there is none, or one cannot be a trust
    /// anchor (see [`crate::check_trust_anchor`]).
    pub fn build(self) -> Result<ClientVerifier, VerifyError> {
        let chain = self.chain.build()?;
        let hints = chain
            .anchor_subjects()
            .map(DistinguishedName::from)
            .collect();
        let algorithms = chain.provider().signature_verification_algorithms;
        Ok(ClientVerifier {
            chain,
            hints,
            mode: self.mode,
            usage: self.usage,
            algorithms,
            memo: self.memo.then(VerdictMemo::default),
        })
    }

    /// The builder accepting leaves without an extendedKeyUsage extension (see
    /// [`crate::danger::allow_leaf_without_eku`]).
    pub(crate) fn allowing_leaf_without_eku(self) -> Self {
        Self {
            usage: self.usage.allowing_leaf_without_eku(),
            ..self
        }
    }
}

fn certificate_error(reason: &FailureReason) -> CertificateError {
    match reason {
        FailureReason::Expired => CertificateError::Expired,
        FailureReason::NotYetValid => CertificateError::NotValidYet,
        FailureReason::UnknownIssuer => CertificateError::UnknownIssuer,
        FailureReason::Revoked => CertificateError::Revoked,
        FailureReason::RevocationStatusUnknown => CertificateError::UnknownRevocationStatus,
        FailureReason::CrlExpired { .. } => CertificateError::ExpiredRevocationList,
        FailureReason::WrongKeyUsage => CertificateError::InvalidPurpose,
        FailureReason::BadSignature => CertificateError::BadSignature,
        FailureReason::NameMismatch => CertificateError::NotValidForName,
        FailureReason::Malformed(Rfc5280Violation::UnsupportedCriticalExtension) => {
            CertificateError::UnhandledCriticalExtension
        }
        FailureReason::Malformed(_) | FailureReason::Other(_) => CertificateError::BadEncoding,
    }
}

impl ClientVerifier {
    /// Verifies a client's chain at `now`: [`ChainVerifier::verify_chain`] for
    /// clientAuth, with no peer name.
    ///
    /// # Errors
    /// The [`FailureReason`] that refused it.
    pub fn verify_client(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<VerifiedChain, FailureReason> {
        self.chain
            .verify_chain(end_entity, intermediates, &self.usage, None, now)
    }

    /// The usage-generic verifier inside.
    pub fn chain_verifier(&self) -> &ChainVerifier {
        &self.chain
    }

    /// The verdict and fields of what a client presented (`conn.peer_certificates()`):
    /// for [`VerifyMode::Report`], and for logging in either mode.
    pub fn verify_presented(
        &self,
        presented: Option<&[CertificateDer<'_>]>,
        now: UnixTime,
    ) -> ClientCertInfo {
        self.chain
            .verify_presented(presented, &self.usage, None, now)
    }

    /// The verdict and fields of what a client presented (`conn.peer_certificates()`),
    /// after the handshake: the verdict the handshake reached for exactly this chain
    /// under the store's current CRLs (see
    /// [`ClientVerifierBuilder::with_handshake_verdicts`]), or, when there is none (a
    /// resumed session, which skips the verifier; a CRL reload since; no memo), the
    /// verdict of verifying it now.
    pub fn handshake_info(
        &self,
        presented: Option<&[CertificateDer<'_>]>,
        now: UnixTime,
    ) -> ClientCertInfo {
        let memo = self.memo.as_ref();
        let Some(((leaf, intermediates), memo)) = presented.and_then(<[_]>::split_first).zip(memo)
        else {
            return self.verify_presented(presented, now);
        };
        let key = chain_key(leaf, intermediates);
        match memo.take(&key, self.generation()) {
            Some((verdict, policies)) => match ClientCertInfo::from_der(leaf) {
                Ok(info) => info.with_verdict(verdict).with_policies(policies),
                Err(_) => self.verify_presented(presented, now),
            },
            None => self.verify_presented(presented, now),
        }
    }

    /// The revocation store's generation (0 without a store): it changes with every
    /// reload, so a verdict reached under another generation is out of date.
    pub fn generation(&self) -> u64 {
        self.chain
            .revocation()
            .map_or(0, |(store, _)| store.generation())
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
        if let Some(memo) = &self.memo {
            let generation = self.generation();
            let mut policies = PolicySets::default();
            let verdict = match self.verify_client(end_entity, intermediates, now) {
                Ok(chain) => {
                    policies = chain.policies;
                    Verdict::Verified {
                        anchor_subject: chain.anchor_subject,
                    }
                }
                Err(reason) if self.mode == VerifyMode::Enforce => {
                    return Err(rustls::Error::InvalidCertificate(certificate_error(
                        &reason,
                    )));
                }
                Err(reason) => Verdict::Failed(reason),
            };
            memo.put(
                chain_key(end_entity, intermediates),
                generation,
                verdict,
                policies,
            );
            return Ok(ClientCertVerified::assertion());
        }
        // In report mode the application verifies after the handshake
        // (`verify_presented`); the handshake only proves the client holds the key.
        if self.mode == VerifyMode::Report {
            return Ok(ClientCertVerified::assertion());
        }
        self.chain
            .check_chain(end_entity, intermediates, &self.usage, now)
            .map(|()| ClientCertVerified::assertion())
            .map_err(|reason| rustls::Error::InvalidCertificate(certificate_error(&reason)))
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
