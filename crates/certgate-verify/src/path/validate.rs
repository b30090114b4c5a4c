//! Basic path validation (RFC 5280 §6.1) of a candidate path that reached an anchor:
//! the anchor's validity (6.1.1 (d): certgate checks it), the path length (6.1.4 (l),
//! (m): self-issued intermediates do not count), name constraints across the path
//! (6.1.3 (b), (c) and 6.1.4 (g): self-issued intermediates are not checked against
//! them, the leaf always is), certificate policies (6.1.3 (d)–(f), 6.1.4 (a), (b), (h)–(j),
//! 6.1.5), the verifier's depth limit, and revocation from the store (§6.3). What does
//! not depend on the path (signatures, validity, basicConstraints' cA, keyUsage,
//! critical extensions, EKUs) was checked while the path was built.

use certgate_x509::CertView;
use certgate_x509::oid::ext;

use crate::info::FailureReason;
use crate::path::build::{MAX_PATH_INTERMEDIATES, PoolCert, Search};
use crate::path::dn::names_match;
use crate::path::name_constraints::NameConstraints;
use crate::path::policy::{CertPolicies, PolicyOptions, PolicySets, process_policies};
use crate::path::violation::{OtherFailure, Rfc5280Violation as V};
use crate::revocation::policy::RevocationCheckDepth;

/// A path that validated.
#[derive(Debug)]
pub(crate) struct Found {
    /// The anchor's index.
    pub(crate) anchor: usize,
    /// How many intermediates the path has.
    pub(crate) intermediates: usize,
    /// The policy sets of 6.1.5 (g).
    pub(crate) policies: PolicySets,
}

impl Search<'_, '_> {
    /// Validates the path `path` (pool indices, leaf side first) under anchor `anchor`.
    pub(crate) fn validate(
        &mut self,
        path: &[usize],
        anchor: usize,
    ) -> Result<Found, FailureReason> {
        let anchor_ref = self
            .verifier
            .anchor_list()
            .get(anchor)
            .ok_or(FailureReason::UnknownIssuer)?;
        anchor_ref.check_validity(self.seconds)?;
        // From the anchor down: certs[0] is the one the anchor issued, the last the leaf
        // (on the stack: the path has at most MAX_PATH_INTERMEDIATES intermediates). No
        // rule asks whether the leaf is self-issued, so it is not compared.
        let n = path.len() + 1;
        let leaf = self.leaf;
        let mut cert_buf = [leaf; MAX_PATH_INTERMEDIATES + 1];
        let mut issued_buf = [false; MAX_PATH_INTERMEDIATES + 1];
        let (Some(certs), Some(self_issued)) = (cert_buf.get_mut(..n), issued_buf.get_mut(..n))
        else {
            return Err(FailureReason::Other(OtherFailure::PathBuildingBudget));
        };
        for ((slot, issued), &i) in certs
            .iter_mut()
            .zip(self_issued.iter_mut())
            .zip(path.iter().rev())
        {
            *slot = self.pool.get(i).and_then(PoolCert::view).unwrap_or(leaf);
            *issued = names_match(slot.issuer.der(), slot.subject.der());
        }
        let (certs, self_issued) = (&*certs, &*self_issued);
        self.check_lengths(certs, self_issued)?;
        check_name_constraints(
            certs,
            self_issued,
            anchor_ref.name_constraints.as_deref(),
            &mut self.name_comparisons,
        )?;
        let policies = self.check_policies(certs, self_issued)?;
        self.check_revocation(certs, anchor)?;
        Ok(Found {
            anchor,
            intermediates: path.len(),
            policies,
        })
    }

    /// pathLenConstraint (6.1.4 (l), (m)) and the verifier's limit on intermediates;
    /// self-issued intermediates count for neither.
    fn check_lengths(
        &self,
        certs: &[&CertView<'_>],
        self_issued: &[bool],
    ) -> Result<(), FailureReason> {
        let n = certs.len();
        let mut max_path_length = n;
        let mut counted = 0;
        for (cert, &self_issued) in certs.iter().zip(self_issued).take(n - 1) {
            if !self_issued {
                if max_path_length == 0 {
                    return Err(FailureReason::Malformed(V::PathLenConstraint));
                }
                max_path_length -= 1;
                counted += 1;
            }
            if let Ok(Some(bc)) = cert.basic_constraints()
                && let Some(limit) = bc.path_len
            {
                max_path_length = max_path_length.min(usize::try_from(limit).unwrap_or(usize::MAX));
            }
        }
        match self.verifier.max_intermediates() {
            Some(max) if counted > max => Err(FailureReason::Malformed(V::TooManyIntermediates {
                count: counted,
                max,
            })),
            _ => Ok(()),
        }
    }

    /// The policy processing of 6.1.2–6.1.5 under the verifier's options.
    fn check_policies(
        &self,
        certs: &[&CertView<'_>],
        self_issued: &[bool],
    ) -> Result<PolicySets, FailureReason> {
        let options = self.verifier.policy_options();
        if options.is_none() && !certs.iter().any(|cert| has_policy_extensions(cert)) {
            return Ok(PolicySets::default());
        }
        let read = certs
            .iter()
            .map(|cert| CertPolicies::read(cert))
            .collect::<Result<Vec<_>, _>>()
            .map_err(FailureReason::Malformed)?;
        let defaults = PolicyOptions::default();
        process_policies(options.unwrap_or(&defaults), &read, self_issued)
            .map_err(FailureReason::Malformed)
    }

    /// Revocation of the leaf, and of every intermediate when the policy says so, each
    /// against the CRLs its issuer signed.
    fn check_revocation(
        &self,
        certs: &[&CertView<'_>],
        anchor: usize,
    ) -> Result<(), FailureReason> {
        let Some((_, policy)) = self.verifier.revocation() else {
            return Ok(());
        };
        let last = certs.len() - 1;
        let first = match policy.depth {
            RevocationCheckDepth::EndEntity => last,
            RevocationCheckDepth::Chain => 0,
        };
        let anchor_ref = self
            .verifier
            .anchor_list()
            .get(anchor)
            .ok_or(FailureReason::UnknownIssuer)?;
        let anchor_der = self
            .verifier
            .anchors()
            .get(anchor)
            .map_or(&[][..], |c| c.as_ref());
        for i in (first..=last).rev() {
            let (issuer_key, issuer_der) = match i.checked_sub(1).and_then(|j| certs.get(j)) {
                Some(issuer) => (issuer.public_key().1, issuer.der),
                None => (&anchor_ref.key[..], anchor_der),
            };
            self.verifier.revocation_verdict(
                certs[i],
                issuer_key,
                issuer_der,
                self.seconds_u64(),
            )?;
        }
        Ok(())
    }

    fn seconds_u64(&self) -> u64 {
        u64::try_from(self.seconds).unwrap_or(0)
    }
}

/// Name constraints of the anchor and every intermediate, on the certificates below
/// them (the leaf always; an intermediate unless self-issued).
fn check_name_constraints(
    certs: &[&CertView<'_>],
    self_issued: &[bool],
    anchor_constraints: Option<&[u8]>,
    budget: &mut usize,
) -> Result<(), FailureReason> {
    let mut constraints = NameConstraints::new();
    if let Some(value) = anchor_constraints {
        constraints.add(value).map_err(FailureReason::Malformed)?;
    }
    let last = certs.len() - 1;
    for (i, cert) in certs.iter().enumerate() {
        let is_leaf = i == last;
        if !constraints.is_empty() && (is_leaf || !self_issued[i]) {
            constraints.check(cert, is_leaf, budget)?;
        }
        if !is_leaf && let Some(nc) = cert.extension(ext::NAME_CONSTRAINTS) {
            constraints
                .add(nc.value)
                .map_err(FailureReason::Malformed)?;
        }
    }
    Ok(())
}

/// Whether `cert` carries any of the four policy extensions.
fn has_policy_extensions(cert: &CertView<'_>) -> bool {
    [
        ext::CERTIFICATE_POLICIES,
        ext::POLICY_MAPPINGS,
        ext::POLICY_CONSTRAINTS,
        ext::INHIBIT_ANY_POLICY,
    ]
    .iter()
    .any(|oid| cert.extension(oid).is_some())
}
