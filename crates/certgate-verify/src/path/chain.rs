//! The usage-generic heart: [`ChainVerifier::verify_chain`]. The leaf's own checks here;
//! path building in [`crate::path::build`], the validation of each candidate path in
//! [`crate::path::validate`] (RFC 5280 §6.1, with revocation from our own store).

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls_pki_types::{CertificateDer, ServerName, SignatureVerificationAlgorithm, UnixTime};
use webpki::EndEntityCert;

use crate::info::{ClientCertInfo, FailureReason, Verdict};
use crate::path::anchor::Anchor;
use crate::path::build::{KnownExtensions, PathStack, Search, check_common};
use crate::path::link_cache::{DEFAULT_LINK_CACHE_ENTRIES, LinkCache};
use crate::path::policy::{PolicyOptions, PolicySets};
use crate::path::rfc5280::{self, CertView, Rfc5280Rules, Role};
use crate::path::usage::Usage;
use crate::path::validate::Found;
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
    policy: PolicyOptions,
}

/// Verifies certificate chains for any usage against trust anchors given as
/// certificates, with revocation from a [`RevocationStore`] (without one, revocation is
/// not checked).
#[derive(Debug)]
pub struct ChainVerifier {
    anchors: Vec<Anchor>,
    anchor_certs: Vec<CertificateDer<'static>>,
    intermediates: Vec<CertificateDer<'static>>,
    /// The subject (whole DER Name) of each configured intermediate.
    intermediate_subjects: Vec<Box<[u8]>>,
    /// The result of the RFC 5280 checks of each configured intermediate, computed once.
    intermediate_checks: Vec<Result<(), Rfc5280Violation>>,
    revocation: Option<(RevocationStore, RevocationPolicy)>,
    max_intermediates: Option<usize>,
    rules: Rfc5280Rules,
    provider: Arc<CryptoProvider>,
    /// Signature checks between CA certificates that succeeded.
    links: LinkCache,
    policy: PolicyOptions,
    /// The options are the defaults (the policy fast path).
    policy_default: bool,
}

/// What a successful verification found.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedChain {
    /// The anchor's subject, RFC 4514.
    pub anchor_subject: String,
    /// How many intermediates the path has.
    pub intermediates: usize,
    /// The authority- and user-constrained policy sets of RFC 5280 6.1.5 (g) (both
    /// empty when no certificate of the path has certificate policies).
    pub policies: PolicySets,
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
            policy: PolicyOptions::default(),
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

    /// The certificate-policy inputs of RFC 5280 6.1.1 (c), (e), (f), (g): the
    /// user-initial-policy-set and the three initial flags (default: any policy, no
    /// flag set, so policies constrain nothing unless a CA's policyConstraints asks).
    pub fn with_policy_options(mut self, options: PolicyOptions) -> Self {
        self.policy = options;
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
        let anchors = self
            .anchors
            .iter()
            .enumerate()
            .map(|(index, der)| {
                Anchor::from_der(der, now, self.rules)
                    .map_err(|reason| VerifyError::BadTrustAnchor { index, reason })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.policy.check()?;
        let intermediate_subjects = self
            .intermediates
            .iter()
            .map(|der| {
                CertView::parse(der).map_or_else(|_| Box::default(), |v| v.subject.der().into())
            })
            .collect();
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
            anchor_certs: self.anchors,
            intermediates: self.intermediates,
            intermediate_subjects,
            intermediate_checks,
            revocation: self.revocation,
            max_intermediates: self.max_intermediates,
            rules: self.rules,
            provider: self.provider,
            links: LinkCache::new(self.link_cache),
            policy_default: self.policy == PolicyOptions::default(),
            policy: self.policy,
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
            |anchor, found| VerifiedChain {
                anchor_subject: anchor_subject(&anchor.subject),
                intermediates: found.intermediates,
                policies: found.policies,
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

    /// What is checked of the leaf alone before its validity: the rules of RFC 5280 in
    /// force, and version 3.
    fn check_leaf(&self, view: &CertView<'_>) -> Result<(), FailureReason> {
        rfc5280::check(view, Role::Leaf, self.rules).map_err(FailureReason::Malformed)?;
        if view.version != 2 {
            return Err(FailureReason::Malformed(
                Rfc5280Violation::UnsupportedVersion,
            ));
        }
        Ok(())
    }

    /// What is checked of the leaf alone after [`check_common`]: not a CA, the usage's
    /// keyUsage bits and EKU, and the expected peer name.
    fn check_leaf_usage(
        view: &CertView<'_>,
        known: &KnownExtensions<'_>,
        usage: &Usage,
        expected_peer_name: Option<&ServerName<'_>>,
    ) -> Result<(), FailureReason> {
        // A CA certificate presented as the leaf is refused (a documented choice: CABF
        // 7.1.2.7, webpki and browsers; RFC 5280 would allow it).
        if known.basic_constraints.is_some_and(|bc| bc.ca) {
            return Err(FailureReason::Malformed(
                Rfc5280Violation::CaUsedAsEndEntity,
            ));
        }
        if usage.leaf_must_list() && !rfc5280::has_eku(view) {
            return Err(FailureReason::WrongKeyUsage);
        }
        if let Some(ku) = known.key_usage
            && usage.key_usage().iter().any(|bit| !ku.contains(*bit))
        {
            return Err(FailureReason::WrongKeyUsage);
        }
        if let Some(name) = expected_peer_name {
            let der = CertificateDer::from(view.der);
            let cert = EndEntityCert::try_from(&der).map_err(|_| FailureReason::NameMismatch)?;
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
        found: impl FnOnce(&Anchor, Found) -> T,
    ) -> Result<T, FailureReason> {
        // Matched rather than mapped: the view is not moved through a second Result.
        let parsed = CertView::parse(leaf);
        let view = match &parsed {
            Ok(view) => view,
            Err(e) => return Err(FailureReason::Malformed(e.clone().into())),
        };
        self.check_leaf(view)?;
        let seconds = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let known = check_common(view, usage, seconds)?;
        Self::check_leaf_usage(view, &known, usage, expected_peer_name)?;
        let mut search = Search::new(
            self,
            usage,
            seconds,
            view,
            known.authority_key_id,
            intermediates,
        );
        let mut path = PathStack::default();
        match search.extend(&mut path) {
            Some(result) => {
                let anchor = self
                    .anchors
                    .get(result.anchor)
                    .ok_or(FailureReason::UnknownIssuer)?;
                Ok(found(anchor, result))
            }
            None => Err(search.best.take().unwrap_or(FailureReason::UnknownIssuer)),
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
                    .presented_but_unreadable(FailureReason::Malformed(e.into()));
            }
        };
        match self.verify_chain(leaf, intermediates, usage, expected_peer_name, now) {
            Ok(chain) => info
                .with_verdict(Verdict::Verified {
                    anchor_subject: chain.anchor_subject,
                })
                .with_policies(chain.policies),
            Err(reason) => info.with_verdict(Verdict::Failed(reason)),
        }
    }

    /// The revocation store and policy, when revocation is checked.
    pub(crate) fn revocation(&self) -> Option<&(RevocationStore, RevocationPolicy)> {
        self.revocation.as_ref()
    }

    /// The anchors, as path validation uses them.
    pub(crate) fn anchor_list(&self) -> &[Anchor] {
        &self.anchors
    }

    /// How many intermediates are configured.
    pub(crate) fn configured_len(&self) -> usize {
        self.intermediates.len()
    }

    /// The configured intermediates: each one's DER and subject.
    pub(crate) fn configured(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.intermediates
            .iter()
            .zip(&self.intermediate_subjects)
            .map(|(der, subject)| (der.as_ref(), &subject[..]))
    }

    /// The signature checks between CA certificates that succeeded.
    pub(crate) fn link_cache(&self) -> &LinkCache {
        &self.links
    }

    /// The certificate-policy options, `None` when they are the defaults.
    pub(crate) fn policy_options(&self) -> Option<&PolicyOptions> {
        (!self.policy_default).then_some(&self.policy)
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

    /// The RFC 5280 checks of an intermediate: computed at build for the configured
    /// one at `configured`.
    pub(crate) fn check_intermediate_at(
        &self,
        view: &CertView<'_>,
        configured: Option<usize>,
    ) -> Result<(), Rfc5280Violation> {
        if let Some(result) = configured.and_then(|i| self.intermediate_checks.get(i)) {
            return result.clone();
        }
        rfc5280::check(view, Role::Intermediate, self.rules)
    }

    /// The anchors, as given.
    pub fn anchors(&self) -> &[CertificateDer<'static>] {
        &self.anchor_certs
    }

    /// The subjects of the anchors, DER `Name`s, for a TLS CertificateRequest.
    pub(crate) fn anchor_subjects(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.anchors.iter().map(|a| a.subject.to_vec())
    }
}

/// An anchor's subject (the whole DER Name) in RFC 4514 form.
fn anchor_subject(whole: &[u8]) -> String {
    certgate_x509::NameView::parse(whole).map_or_else(|_| String::new(), |n| n.to_rfc4514())
}
