//! The usage-generic heart: [`ChainVerifier::verify_chain`]. Path building and signatures
//! on rustls-webpki (`verify_for_usage`, given no CRLs); in its path-verification hook,
//! what RFC 5280 forbids and webpki lets through, anchor validity, the chain depth, and
//! revocation from our own store.

use std::cell::Cell;

use rustls_pki_types::{
    CertificateDer, ServerName, SignatureVerificationAlgorithm, TrustAnchor, UnixTime,
};
use webpki::EndEntityCert;

use crate::anchor::check_trust_anchor;
use crate::der_walk::{SEQUENCE, wrap};
use crate::info::{ClientCertInfo, FailureReason, Verdict};
use crate::revocation::{
    RevocationCheckDepth, RevocationPolicy, RevocationStatus, UnknownStatusPolicy,
};
use crate::rfc5280::{self, CertView, Role};
use crate::usage::Usage;
use crate::{RevocationStore, VerifyError};

/// Builds a [`ChainVerifier`]: anchors required, the rest options.
#[derive(Debug)]
pub struct ChainVerifierBuilder {
    anchors: Vec<CertificateDer<'static>>,
    intermediates: Vec<CertificateDer<'static>>,
    revocation: Option<(RevocationStore, RevocationPolicy)>,
    max_intermediates: Option<usize>,
    check_time: Option<UnixTime>,
}

/// Verifies certificate chains for any usage against trust anchors given as
/// certificates, with revocation from a [`RevocationStore`] (without one, revocation is
/// not checked).
#[derive(Debug)]
pub struct ChainVerifier {
    anchors: Vec<TrustAnchor<'static>>,
    /// notBefore and notAfter of each anchor (webpki does not keep them).
    anchor_validity: Vec<(u64, u64)>,
    anchor_certs: Vec<CertificateDer<'static>>,
    intermediates: Vec<CertificateDer<'static>>,
    /// The result of the RFC 5280 checks of each configured intermediate, computed once.
    intermediate_checks: Vec<Result<(), String>>,
    revocation: Option<(RevocationStore, RevocationPolicy)>,
    max_intermediates: Option<usize>,
    algorithms: &'static [&'static dyn SignatureVerificationAlgorithm],
}

/// What a successful verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedChain {
    /// The anchor's subject, RFC 4514.
    pub anchor_subject: String,
    /// How many intermediates the path has.
    pub intermediates: usize,
}

impl ChainVerifier {
    /// Starts a verifier trusting `anchors` (DER certificates; rustls-pki-types'
    /// `PemObject` reads them from PEM).
    pub fn builder(anchors: Vec<CertificateDer<'static>>) -> ChainVerifierBuilder {
        ChainVerifierBuilder {
            anchors,
            intermediates: Vec::new(),
            revocation: None,
            max_intermediates: None,
            check_time: None,
        }
    }
}

impl ChainVerifierBuilder {
    /// Intermediates to build paths with, for peers that send only their leaf.
    pub fn with_intermediates(mut self, intermediates: Vec<CertificateDer<'static>>) -> Self {
        self.intermediates = intermediates;
        self
    }

    /// Checks revocation against `store` under `policy`. Without a store, revocation is
    /// not checked at all.
    pub fn with_revocation(mut self, store: RevocationStore, policy: RevocationPolicy) -> Self {
        self.revocation = Some((store, policy));
        self
    }

    /// Refuses paths with more than `max` intermediates (default: webpki's own limit).
    pub fn with_max_intermediates(mut self, max: usize) -> Self {
        self.max_intermediates = Some(max);
        self
    }

    /// The time the anchors' validity is checked at in [`build`](Self::build) (default:
    /// the system clock). Verification checks it again at the time it is given.
    pub fn with_check_time(mut self, time: UnixTime) -> Self {
        self.check_time = Some(time);
        self
    }

    /// Checks every anchor and intermediate, and builds the verifier.
    ///
    /// # Errors
    /// [`VerifyError::BadTrustAnchor`] when there is no anchor, or one is not a CA that
    /// may sign certificates, lacks a subjectKeyIdentifier, is not valid at the check
    /// time, or has a critical extension we do not know.
    pub fn build(self) -> Result<ChainVerifier, VerifyError> {
        if self.anchors.is_empty() {
            return Err(VerifyError::BadTrustAnchor {
                index: 0,
                reason: "no trust anchors given".into(),
            });
        }
        let now = self.check_time.unwrap_or_else(UnixTime::now);
        let mut anchors = Vec::with_capacity(self.anchors.len());
        let mut anchor_validity = Vec::with_capacity(self.anchors.len());
        for (index, der) in self.anchors.iter().enumerate() {
            let bad = |reason: String| VerifyError::BadTrustAnchor { index, reason };
            let (not_before, not_after) = check_trust_anchor(der, now).map_err(bad)?;
            let anchor = webpki::anchor_from_trusted_cert(der)
                .map_err(|e| bad(format!("{e}")))?
                .to_owned();
            anchors.push(anchor);
            anchor_validity.push((not_before, not_after));
        }
        let intermediate_checks = self
            .intermediates
            .iter()
            .map(|der| {
                let view = CertView::parse(der).map_err(|e| e.to_string())?;
                rfc5280::check(&view, Role::Intermediate)
            })
            .collect();
        Ok(ChainVerifier {
            anchors,
            anchor_validity,
            anchor_certs: self.anchors,
            intermediates: self.intermediates,
            intermediate_checks,
            revocation: self.revocation,
            max_intermediates: self.max_intermediates,
            algorithms: webpki::ALL_VERIFICATION_ALGS,
        })
    }
}

/// Maps webpki's verdict to ours.
pub(crate) fn reason_of(err: &webpki::Error) -> FailureReason {
    use webpki::Error as E;
    match err {
        E::CertExpired { .. } => FailureReason::Expired,
        E::CertNotValidYet { .. } => FailureReason::NotYetValid,
        E::UnknownIssuer => FailureReason::UnknownIssuer,
        E::CertRevoked => FailureReason::Revoked,
        E::RequiredEkuNotFoundContext(_) => FailureReason::WrongKeyUsage,
        E::InvalidSignatureForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | E::UnsupportedSignatureAlgorithmContext(_) => FailureReason::BadSignature,
        E::CertNotValidForName(_) => FailureReason::NameMismatch,
        other => FailureReason::Malformed(other.to_string()),
    }
}

impl ChainVerifier {
    /// Verifies `leaf` with the `intermediates` its peer sent (and the configured ones):
    /// a path to an anchor, signatures, validity at `now` (anchors included), `usage`,
    /// what RFC 5280 forbids, revocation, and the `expected_peer_name` when one is given
    /// (servers are checked against the name a client dialled; client auth passes none).
    ///
    /// # Errors
    /// The [`FailureReason`] that refused it.
    pub fn verify_chain(
        &self,
        leaf: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        usage: &Usage,
        expected_peer_name: Option<&ServerName<'_>>,
        now: UnixTime,
    ) -> Result<VerifiedChain, FailureReason> {
        self.verify(
            leaf,
            intermediates,
            usage,
            expected_peer_name,
            now,
            |anchor, n| VerifiedChain {
                anchor_subject: anchor_subject(anchor.subject.as_ref()),
                intermediates: n,
            },
        )
    }

    /// [`verify_chain`](Self::verify_chain) without a result to build: the handshake
    /// path, which needs only yes or no.
    pub(crate) fn check_chain(
        &self,
        leaf: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        usage: &Usage,
        now: UnixTime,
    ) -> Result<(), FailureReason> {
        self.verify(leaf, intermediates, usage, None, now, |_, _| ())
    }

    fn verify<T>(
        &self,
        leaf: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        usage: &Usage,
        expected_peer_name: Option<&ServerName<'_>>,
        now: UnixTime,
        found: impl FnOnce(&TrustAnchor<'_>, usize) -> T,
    ) -> Result<T, FailureReason> {
        let cert = EndEntityCert::try_from(leaf).map_err(|e| reason_of(&e))?;
        let view = CertView::parse(leaf).map_err(|e| FailureReason::Malformed(e.to_string()))?;
        rfc5280::check(&view, Role::Leaf).map_err(FailureReason::Malformed)?;
        if usage.leaf_must_list() && !rfc5280::has_eku(&view) {
            return Err(FailureReason::WrongKeyUsage);
        }
        if usage
            .key_usage()
            .iter()
            .any(|bit| view.key_usage(bit.bit()) == Some(false))
        {
            return Err(FailureReason::WrongKeyUsage);
        }
        if let Some(name) = expected_peer_name {
            cert.verify_is_valid_for_subject_name(name)
                .map_err(|_| FailureReason::NameMismatch)?;
            let peer = match name {
                ServerName::DnsName(dns) => Some(dns.as_ref()),
                _ => None,
            };
            crate::names::check_server_names(&view, peer).map_err(FailureReason::Malformed)?;
        }
        // The peer's intermediates, then the configured ones (joined only when there are
        // configured ones: the common handshake allocates nothing here).
        let joined: Vec<CertificateDer<'_>>;
        let all = if self.intermediates.is_empty() {
            intermediates
        } else {
            joined = intermediates
                .iter()
                .chain(&self.intermediates)
                .map(|c| CertificateDer::from(c.as_ref()))
                .collect();
            &joined
        };
        let ours: Cell<Option<FailureReason>> = Cell::new(None);
        let fail = |reason: FailureReason, err: webpki::Error| {
            ours.set(Some(reason));
            Err(err)
        };
        let seconds = now.as_secs();
        let check_path = |path: &webpki::VerifiedPath<'_>| -> Result<(), webpki::Error> {
            let anchor = path.anchor();
            let anchor_index = self.anchors.iter().position(|a| std::ptr::eq(a, anchor));
            if let Some(&(not_before, not_after)) =
                anchor_index.and_then(|i| self.anchor_validity.get(i))
            {
                if seconds > not_after {
                    return fail(FailureReason::Expired, webpki::Error::BadDer);
                }
                if seconds < not_before {
                    return fail(FailureReason::NotYetValid, webpki::Error::BadDer);
                }
            }
            let mut certs: Vec<&webpki::Cert<'_>> = vec![path.end_entity()];
            let mut count = 0;
            for cert in path.intermediate_certificates() {
                // Self-issued certificates do not count (RFC 5280 6.1.4 (l)).
                if cert.issuer() != cert.subject() {
                    count += 1;
                }
                if let Err(reason) = self.check_intermediate(cert.der().as_ref()) {
                    return fail(FailureReason::Malformed(reason), webpki::Error::BadDer);
                }
                certs.push(cert);
            }
            if self.max_intermediates.is_some_and(|max| count > max) {
                return fail(
                    FailureReason::Malformed(format!("path has {count} intermediates")),
                    webpki::Error::MaximumPathDepthExceeded,
                );
            }
            if let Some((_, policy)) = &self.revocation {
                let checked = match policy.depth {
                    RevocationCheckDepth::EndEntity => &certs[..1],
                    RevocationCheckDepth::Chain => &certs[..],
                };
                let anchor_der = anchor_index
                    .and_then(|i| self.anchor_certs.get(i))
                    .map(|c| c.as_ref())
                    .unwrap_or_default();
                for (i, cert) in checked.iter().enumerate() {
                    let issuer_der = match certs.get(i + 1) {
                        Some(issuer) => issuer.der(),
                        None => CertificateDer::from(anchor_der),
                    };
                    if let Err(reason) =
                        self.revocation_verdict(cert.der().as_ref(), issuer_der.as_ref(), seconds)
                    {
                        let err = match reason {
                            FailureReason::Revoked => webpki::Error::CertRevoked,
                            _ => webpki::Error::UnknownRevocationStatus,
                        };
                        return fail(reason, err);
                    }
                }
            }
            ours.set(None);
            Ok(())
        };
        let result = cert.verify_for_usage(
            self.algorithms,
            &self.anchors,
            all,
            now,
            usage.validator(),
            None,
            Some(&check_path),
        );
        match (result, ours.take()) {
            (Ok(path), _) => Ok(found(
                path.anchor(),
                path.intermediate_certificates().count(),
            )),
            // webpki refuses every rfc822Name constraint; one path shape it cannot check
            // is checked here (leaf, one email-constrained intermediate, anchor).
            (Err(webpki::Error::NameConstraintViolation), None) => {
                match crate::email_nc::verify(self, &cert, &view, intermediates, usage, now) {
                    Some(Ok(index)) => match self.anchors.get(index) {
                        Some(anchor) => Ok(found(anchor, 1)),
                        None => Err(FailureReason::UnknownIssuer),
                    },
                    Some(Err(reason)) => Err(reason),
                    None => Err(reason_of(&webpki::Error::NameConstraintViolation)),
                }
            }
            (Err(e), ours) => Err(ours.unwrap_or_else(|| reason_of(&e))),
        }
    }

    /// The verdict and fields of a presented chain (leaf first), verified for `usage`
    /// and, when given, `expected_peer_name`.
    pub fn verify_presented(
        &self,
        presented: Option<&[CertificateDer<'_>]>,
        usage: &Usage,
        expected_peer_name: Option<&ServerName<'_>>,
        now: UnixTime,
    ) -> ClientCertInfo {
        let Some((leaf, intermediates)) = presented.and_then(<[_]>::split_first) else {
            return ClientCertInfo::not_presented();
        };
        let info = match ClientCertInfo::from_der(leaf) {
            Ok(info) => info,
            Err(e) => {
                return ClientCertInfo::not_presented()
                    .presented_but_unreadable(FailureReason::Malformed(e.to_string()));
            }
        };
        let verdict = match self.verify_chain(leaf, intermediates, usage, expected_peer_name, now) {
            Ok(chain) => Verdict::Verified {
                anchor_subject: chain.anchor_subject,
            },
            Err(reason) => Verdict::Failed(reason),
        };
        info.with_verdict(verdict)
    }

    /// What the revocation store and policy say of the certificate `cert_der`, issued by
    /// the certificate `issuer_der`. `Ok` without a store.
    pub(crate) fn revocation_verdict(
        &self,
        cert_der: &[u8],
        issuer_der: &[u8],
        seconds: u64,
    ) -> Result<(), FailureReason> {
        let Some((store, policy)) = &self.revocation else {
            return Ok(());
        };
        let Ok(cert) = certgate_x509::CertView::parse(cert_der) else {
            return Err(FailureReason::Malformed(
                "unreadable certificate on the path".into(),
            ));
        };
        match store.status_on_path(&cert, issuer_der, seconds, policy.expiration) {
            RevocationStatus::Good => Ok(()),
            RevocationStatus::Revoked(_) => Err(FailureReason::Revoked),
            RevocationStatus::Unknown | RevocationStatus::Stale
                if policy.unknown_status == UnknownStatusPolicy::Allow =>
            {
                Ok(())
            }
            RevocationStatus::Unknown | RevocationStatus::Stale => {
                Err(FailureReason::RevocationStatusUnknown)
            }
        }
    }

    /// Whether the whole chain's revocation is checked (not only the leaf's).
    pub(crate) fn checks_chain_revocation(&self) -> bool {
        self.revocation
            .as_ref()
            .is_some_and(|(_, p)| p.depth == RevocationCheckDepth::Chain)
    }

    /// Accessors for the email name-constraint path.
    pub(crate) fn trust_anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    pub(crate) fn anchor_validity(&self, index: usize) -> Option<(u64, u64)> {
        self.anchor_validity.get(index).copied()
    }

    pub(crate) fn configured_intermediates(&self) -> &[CertificateDer<'static>] {
        &self.intermediates
    }

    pub(crate) fn max_intermediates(&self) -> Option<usize> {
        self.max_intermediates
    }

    pub(crate) fn algorithms(&self) -> &'static [&'static dyn SignatureVerificationAlgorithm] {
        self.algorithms
    }

    /// The RFC 5280 checks of an intermediate: computed at build for configured ones.
    pub(crate) fn check_intermediate(&self, der: &[u8]) -> Result<(), String> {
        if let Some(i) = self
            .intermediates
            .iter()
            .position(|c| std::ptr::eq(c.as_ref().as_ptr(), der.as_ptr()))
            && let Some(result) = self.intermediate_checks.get(i)
        {
            return result.clone();
        }
        let view = CertView::parse(der).map_err(|e| e.to_string())?;
        rfc5280::check(&view, Role::Intermediate)
    }

    /// The anchors, as given.
    pub fn anchors(&self) -> &[CertificateDer<'static>] {
        &self.anchor_certs
    }

    /// The subjects of the anchors, DER `Name`s, for a TLS CertificateRequest.
    pub(crate) fn anchor_subjects(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.anchors
            .iter()
            .map(|a| wrap(SEQUENCE, a.subject.as_ref()))
    }
}

/// An anchor's subject (the Name's content, as webpki keeps it) in RFC 4514 form.
fn anchor_subject(content: &[u8]) -> String {
    let whole = wrap(SEQUENCE, content);
    certgate_x509::NameView::parse(&whole).map_or_else(|_| String::new(), |n| n.to_rfc4514())
}
