//! The checks of one candidate path that webpki does not make, run from its
//! path-verification hook: the anchor's validity, RFC 5280 on the intermediates, the
//! depth limit, mailboxes webpki does not constrain, and revocation from our own store.

use rustls_pki_types::CertificateDer;
use webpki::VerifiedPath;

use certgate_x509::CertView;

use crate::info::FailureReason;
use crate::path::chain::ChainVerifier;
use crate::path::violation::Rfc5280Violation;
use crate::revocation::policy::RevocationCheckDepth;

impl ChainVerifier {
    /// The checks of one candidate path that webpki does not make: the anchor's
    /// validity, RFC 5280 on the intermediates, the depth limit, mailboxes webpki does not
    /// constrain (the leaf's, read once by the caller), and revocation.
    pub(crate) fn check_path(
        &self,
        path: &VerifiedPath<'_>,
        seconds: u64,
        smtp_utf8_mailboxes: &crate::path::email_nc::LeafMailboxes<'_>,
    ) -> Result<(), FailureReason> {
        let anchor = path.anchor();
        let anchor_index = self
            .trust_anchors()
            .iter()
            .position(|a| std::ptr::eq(a, anchor));
        if let Some((not_before, not_after)) = anchor_index.and_then(|i| self.anchor_validity(i)) {
            if seconds > not_after {
                return Err(FailureReason::Expired);
            }
            if seconds < not_before {
                return Err(FailureReason::NotYetValid);
            }
        }
        let mut certs: Vec<&webpki::Cert<'_>> = vec![path.end_entity()];
        let mut count = 0;
        for cert in path.intermediate_certificates() {
            // Self-issued certificates do not count (RFC 5280 6.1.4 (l)).
            if cert.issuer() != cert.subject() {
                count += 1;
            }
            self.check_intermediate(cert.der().as_ref())
                .map_err(FailureReason::Malformed)?;
            certs.push(cert);
        }
        if let Some(max) = self.max_intermediates().filter(|max| count > *max) {
            return Err(FailureReason::Malformed(
                Rfc5280Violation::TooManyIntermediates { count, max },
            ));
        }
        crate::path::email_nc::check_smtp_utf8_on_path(path, smtp_utf8_mailboxes)?;
        let Some((_, policy)) = self.revocation() else {
            return Ok(());
        };
        let checked = match policy.depth {
            RevocationCheckDepth::EndEntity => &certs[..1],
            RevocationCheckDepth::Chain => &certs[..],
        };
        let anchor_der = anchor_index
            .and_then(|i| self.anchors().get(i))
            .map(|c| c.as_ref())
            .unwrap_or_default();
        // Each certificate of the path read once: as the one checked, then as the issuer
        // whose key the next CRL must be signed with.
        let ders: Vec<CertificateDer<'_>> = certs.iter().map(|c| c.der()).collect();
        let views = ders
            .iter()
            .map(|d| CertView::parse(d.as_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| FailureReason::Malformed(e.into()))?;
        let anchor_key = crate::path::rank::key_bits(anchor.subject_public_key_info.as_ref())
            .unwrap_or_default();
        for (i, view) in views.iter().take(checked.len()).enumerate() {
            let (issuer_key, issuer_der) = match views.get(i + 1) {
                Some(issuer) => (issuer.public_key().1, issuer.der),
                None => (anchor_key, anchor_der),
            };
            self.revocation_verdict(view, issuer_key, issuer_der, seconds)?;
        }
        Ok(())
    }

    /// What the revocation store and policy say of `cert`, issued by the certificate
    /// `issuer_der` whose key is `issuer_key`. `Ok` without a store.
    pub(crate) fn revocation_verdict(
        &self,
        cert: &CertView<'_>,
        issuer_key: &[u8],
        issuer_der: &[u8],
        seconds: u64,
    ) -> Result<(), FailureReason> {
        let Some((store, policy)) = self.revocation() else {
            return Ok(());
        };
        policy.verdict(store.status_on_path(
            cert,
            issuer_key,
            issuer_der,
            seconds,
            policy.expiration,
        ))
    }

    /// Whether the whole chain's revocation is checked (not only the leaf's).
    pub(crate) fn checks_chain_revocation(&self) -> bool {
        self.revocation()
            .is_some_and(|(_, p)| p.depth == RevocationCheckDepth::Chain)
    }
}
