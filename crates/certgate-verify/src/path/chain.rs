//! The usage-generic heart: [`ChainVerifier::verify_chain`]. Path building and signatures
//! on rustls-webpki (`verify_for_usage`, given no CRLs); in its path-verification hook,
//! what RFC 5280 forbids and webpki lets through, anchor validity, the chain depth, and
//! revocation from our own store.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls_pki_types::{
    CertificateDer, ServerName, SignatureVerificationAlgorithm, TrustAnchor, UnixTime,
};
use webpki::{EndEntityCert, VerifiedPath};

use crate::info::{ClientCertInfo, FailureReason, Verdict};
use crate::path::anchor::check_trust_anchor;
use crate::path::der_walk::{SEQUENCE, wrap};
use crate::path::link_cache::{CachedAlgorithms, DEFAULT_LINK_CACHE_ENTRIES, LinkCache};
use crate::path::rank::{Best, HOOK_REFUSED, rank, reason_of};
use crate::path::rfc5280::{self, CertView, Rfc5280Rules, Role};
use crate::path::usage::Usage;
use crate::path::violation::{AnchorError, Rfc5280Violation};
use crate::revocation::policy::RevocationPolicy;
use crate::{RevocationStore, VerifyError};

/// Builds a [`ChainVerifier`]: anchors required, the rest options.
#[derive(Debug)]
pub struct ChainVerifierBuilder {
    anchors: Vec<CertificateDer<'static>>,
    intermediates: Vec<CertificateDer<'static>>,
    revocation: Option<(RevocationStore, RevocationPolicy)>,
    max_intermediates: Option<usize>,
    check_time: Option<UnixTime>,
    rules: Rfc5280Rules,
    provider: Arc<CryptoProvider>,
    link_cache: usize,
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
    intermediate_checks: Vec<Result<(), Rfc5280Violation>>,
    revocation: Option<(RevocationStore, RevocationPolicy)>,
    max_intermediates: Option<usize>,
    rules: Rfc5280Rules,
    provider: Arc<CryptoProvider>,
    /// Signature checks between CA certificates that succeeded.
    links: LinkCache,
}

/// What a successful verification found.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedChain {
    /// The anchor's subject, RFC 4514.
    pub anchor_subject: String,
    /// How many intermediates the path has.
    pub intermediates: usize,
}

/// The default crypto provider: aws-lc-rs.
pub(crate) fn default_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

impl ChainVerifier {
    /// Starts a verifier trusting `anchors` (DER certificates; rustls-pki-types'
    /// `PemObject` reads them from PEM), checking signatures with aws-lc-rs.
    pub fn builder(anchors: Vec<CertificateDer<'static>>) -> ChainVerifierBuilder {
        Self::builder_with_provider(anchors, default_provider())
    }

    /// Starts a verifier trusting `anchors` that checks signatures with the
    /// `signature_verification_algorithms` of `provider` (ring's, a FIPS build's, ...).
    pub fn builder_with_provider(
        anchors: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> ChainVerifierBuilder {
        ChainVerifierBuilder {
            anchors,
            intermediates: Vec::new(),
            revocation: None,
            max_intermediates: None,
            check_time: None,
            rules: Rfc5280Rules::default(),
            provider,
            link_cache: DEFAULT_LINK_CACHE_ENTRIES,
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

    /// Which rules of RFC 5280 to enforce: the relying party's (the default), or
    /// [`Rfc5280Rules::Strict`], which adds the CA's duties (key identifiers,
    /// criticality, serial numbers, ...) to anchors, intermediates and leaves.
    pub fn with_rfc5280_rules(mut self, rules: Rfc5280Rules) -> Self {
        self.rules = rules;
        self
    }

    /// How many verified links between CA certificates to remember across
    /// verifications (default [`DEFAULT_LINK_CACHE_ENTRIES`]; 0 remembers none): a
    /// signature check that succeeded is not repeated while its exact certificate and
    /// issuer key are in the cache, so a leaf → intermediate → root chain costs one
    /// signature check, the leaf's. Validity, usage and constraints are checked on every
    /// verification as before; see the `link_cache` module.
    pub fn with_link_cache(mut self, entries: usize) -> Self {
        self.link_cache = entries;
        self
    }

    /// Checks every anchor and intermediate, and builds the verifier.
    ///
    /// # Errors
    /// [`VerifyError::BadTrustAnchor`] when there is no anchor, or one is not a CA that
    /// may sign certificates, is not valid at the check time, has a critical extension
    /// we do not know or breaks a rule of RFC 5280 in force (see
    /// [`crate::check_trust_anchor`]); as [`RevocationStore::learn_issuers`] when a
    /// CRL that waited for a configured intermediate is signed by it but unreadable.
    pub fn build(self) -> Result<ChainVerifier, VerifyError> {
        if self.anchors.is_empty() {
            return Err(VerifyError::BadTrustAnchor {
                index: 0,
                reason: AnchorError::NoAnchors,
            });
        }
        let now = self.check_time.unwrap_or_else(UnixTime::now);
        let mut anchors = Vec::with_capacity(self.anchors.len());
        let mut anchor_validity = Vec::with_capacity(self.anchors.len());
        for (index, der) in self.anchors.iter().enumerate() {
            let bad = |reason: AnchorError| VerifyError::BadTrustAnchor { index, reason };
            let (not_before, not_after) = check_trust_anchor(der, now, self.rules).map_err(bad)?;
            let anchor = webpki::anchor_from_trusted_cert(der)
                .map_err(|e| match reason_of(&e) {
                    FailureReason::Malformed(v) => bad(AnchorError::Violation(v)),
                    _ => bad(AnchorError::Violation(Rfc5280Violation::Unreadable {
                        field: "certificate",
                        detail: format!("{e:?}"),
                    })),
                })?
                .to_owned();
            anchors.push(anchor);
            anchor_validity.push((not_before.unix_seconds_u64(), not_after.unix_seconds_u64()));
        }
        let intermediate_checks = self
            .intermediates
            .iter()
            .map(|der| check_intermediate(der, self.rules))
            .collect();
        if let Some((store, _)) = &self.revocation {
            // CRLs of configured intermediates are checked now, not held until first use.
            store.learn_issuers(
                self.anchors
                    .iter()
                    .chain(&self.intermediates)
                    .map(|c| c.as_ref()),
            )?;
        }
        Ok(ChainVerifier {
            anchors,
            anchor_validity,
            anchor_certs: self.anchors,
            intermediates: self.intermediates,
            intermediate_checks,
            revocation: self.revocation,
            max_intermediates: self.max_intermediates,
            rules: self.rules,
            provider: self.provider,
            links: LinkCache::new(self.link_cache),
        })
    }
}

/// The RFC 5280 checks of an intermediate.
fn check_intermediate(der: &[u8], rules: Rfc5280Rules) -> Result<(), Rfc5280Violation> {
    let view = CertView::parse(der)?;
    rfc5280::check(&view, Role::Intermediate, rules)
}

impl ChainVerifier {
    /// Verifies `leaf` with the `intermediates` its peer sent (and the configured ones):
    /// a path to an anchor, signatures, validity at `now` (anchors included), `usage`,
    /// what RFC 5280 forbids, revocation, and the `expected_peer_name` when one is given
    /// (servers are checked against the name a client dialled; client auth passes none).
    ///
    /// When every candidate path fails, the most relevant reason is reported: revoked,
    /// then expired or not yet valid, revocation unknown, wrong usage, a broken rule of
    /// RFC 5280, a bad signature, and last no path to an anchor.
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

    /// What is checked of the leaf alone, before any path is built.
    fn check_leaf(
        &self,
        cert: &EndEntityCert<'_>,
        view: &CertView<'_>,
        usage: &Usage,
        expected_peer_name: Option<&ServerName<'_>>,
    ) -> Result<(), FailureReason> {
        rfc5280::check(view, Role::Leaf, self.rules).map_err(FailureReason::Malformed)?;
        if usage.leaf_must_list() && !rfc5280::has_eku(view) {
            return Err(FailureReason::WrongKeyUsage);
        }
        if usage
            .key_usage()
            .iter()
            .any(|bit| matches!(view.key_usage(), Ok(Some(ku)) if !ku.contains(*bit)))
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
            crate::path::names::check_server_names(view, peer).map_err(FailureReason::Malformed)?;
        }
        Ok(())
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
        let view = CertView::parse(leaf).map_err(|e| FailureReason::Malformed(e.into()))?;
        self.check_leaf(&cert, &view, usage, expected_peer_name)?;
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
        // The hook's reasons, ranked across candidate paths.
        let best = Best::default();
        let seconds = now.as_secs();
        let mailboxes = crate::path::email_nc::leaf_smtp_utf8_mailboxes(&view);
        let hook = |path: &VerifiedPath<'_>| -> Result<(), webpki::Error> {
            self.check_path(path, seconds, &mailboxes)
                .map_err(|reason| {
                    best.offer(reason);
                    HOOK_REFUSED
                })
        };
        // Without intermediates the leaf's signature is the only one: nothing to cache.
        let cached;
        let algorithms: &[&dyn SignatureVerificationAlgorithm] = if all.is_empty() {
            self.algorithms()
        } else {
            cached = CachedAlgorithms::new(self.algorithms(), &self.links, leaf.as_ref());
            &cached.as_dyn()
        };
        let result = cert.verify_for_usage(
            algorithms,
            &self.anchors,
            all,
            now,
            usage.validator(),
            None,
            Some(&hook),
        );
        let err = match result {
            Ok(path) => {
                return Ok(found(
                    path.anchor(),
                    path.intermediate_certificates().count(),
                ));
            }
            Err(err) => err,
        };
        let ours = best.take();
        // webpki refuses every rfc822Name constraint; one path shape it cannot check
        // is checked here (leaf, one email-constrained intermediate, anchor).
        if err == webpki::Error::NameConstraintViolation
            && ours.is_none()
            && let Some(checked) =
                crate::path::email_nc::verify(self, &cert, &view, intermediates, usage, now)
        {
            let anchor = self.anchors.get(checked?);
            return anchor
                .map(|a| found(a, 1))
                .ok_or(FailureReason::UnknownIssuer);
        }
        let best = Best::default();
        ours.into_iter().for_each(|reason| best.offer(reason));
        if err != HOOK_REFUSED {
            best.offer(reason_of(&err));
        }
        let reason = best.take().unwrap_or(FailureReason::UnknownIssuer);
        if rank(&reason) > rank(&FailureReason::BadSignature) {
            return Err(reason);
        }
        // A signature failure may hide what is wrong with the right issuer.
        Err(crate::path::rank::diagnose(self, &cert, all, usage, now).unwrap_or(reason))
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
                    .presented_but_unreadable(FailureReason::Malformed(e.into()));
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

    /// The revocation store and policy, when revocation is checked.
    pub(crate) fn revocation(&self) -> Option<&(RevocationStore, RevocationPolicy)> {
        self.revocation.as_ref()
    }

    /// Accessors for the path checks and the email name-constraint path.
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
        self.provider.signature_verification_algorithms.all
    }

    /// The crypto provider whose signature algorithms the verifier uses.
    pub fn provider(&self) -> &Arc<CryptoProvider> {
        &self.provider
    }

    /// The RFC 5280 checks of an intermediate: computed at build for configured ones.
    pub(crate) fn check_intermediate(&self, der: &[u8]) -> Result<(), Rfc5280Violation> {
        if let Some(i) = self
            .intermediates
            .iter()
            .position(|c| std::ptr::eq(c.as_ref().as_ptr(), der.as_ptr()))
            && let Some(result) = self.intermediate_checks.get(i)
        {
            return result.clone();
        }
        check_intermediate(der, self.rules)
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
