//! Certificate policies over a whole path: RFC 5280 §6.1.2 (a), (d)–(f), §6.1.3 (d)–(f),
//! §6.1.4 (a), (b), (h)–(j) and §6.1.5 (a), (b), (g), with the valid_policy_tree kept
//! as RFC 9618's policy graph.
//!
//! RFC 5280's tree can grow exponentially with the path's depth (each certificate that
//! asserts anyPolicy, or maps one policy to several, multiplies its leaves:
//! CVE-2023-0464). RFC 9618 keeps at most one node per valid_policy at each depth, each
//! with all its parents, which represents the same tree in polynomial space. Here each
//! level is bounded by the extensions' own bounds ([`MAX_POLICIES`], [`MAX_MAPPINGS`]),
//! the edges of a level by the size of the expected_policy_sets above it, and the whole
//! graph by [`MAX_POLICY_NODES`]. Qualifiers are not kept (nothing returns them); nodes
//! left without children are not pruned as they go but ignored at the end, as RFC 9618
//! section 5.3 allows.
//!
//! [`MAX_POLICIES`]: crate::path::policy_ext::MAX_POLICIES
//! [`MAX_MAPPINGS`]: crate::path::policy_ext::MAX_MAPPINGS

use crate::VerifyError;
pub(crate) use crate::path::policy_ext::CertPolicies;
use crate::path::policy_ext::{ANY_POLICY, CertPolicies as Cert};
use crate::path::policy_graph::Graph;
use crate::path::violation::Rfc5280Violation as V;

/// The most nodes the policy graph of one path may hold. A path of ten certificates,
/// each listing the most policies one may ([`crate::path::policy_ext::MAX_POLICIES`],
/// 64) and mapping each, stays below it; a path that needs more is refused rather than
/// processed ([`V::PolicyGraphTooLarge`]).
pub(crate) const MAX_POLICY_NODES: usize = 4_096;

/// anyPolicy, dotted.
pub(crate) const ANY_POLICY_DOTTED: &str = "2.5.29.32.0";

/// The inputs of RFC 5280's policy processing that the relying party sets (§6.1.1 (c),
/// (e), (f), (g)). The default accepts any policy and requires none, as RFC 5280's
/// defaults do: a path without policies is valid, and its policy sets are empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyOptions {
    /// user-initial-policy-set, dotted; `None` for {anyPolicy}.
    initial_policy_set: Option<Vec<String>>,
    /// initial-explicit-policy.
    explicit_policy: bool,
    /// initial-policy-mapping-inhibit.
    policy_mapping_inhibited: bool,
    /// initial-any-policy-inhibit.
    any_policy_inhibited: bool,
}

impl PolicyOptions {
    /// The user-initial-policy-set: the policies, as dotted OIDs (`1.3.6.1.4.1.55555.1.1`),
    /// that the relying party accepts, in the trust anchor's policy domain. A set that
    /// holds anyPolicy (`2.5.29.32.0`) accepts any policy, as the default does. The set
    /// must not be empty (the verifier's `build` refuses it, and an OID that is not
    /// one).
    pub fn with_initial_policy_set(
        mut self,
        oids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.initial_policy_set = Some(oids.into_iter().map(Into::into).collect());
        self
    }

    /// initial-explicit-policy: the path must be valid for at least one policy of the
    /// user-initial-policy-set, whatever the certificates' policyConstraints say.
    pub fn with_explicit_policy(mut self, on: bool) -> Self {
        self.explicit_policy = on;
        self
    }

    /// initial-policy-mapping-inhibit: policyMappings on the path are not followed (a
    /// mapped policy is dropped instead).
    pub fn with_policy_mapping_inhibited(mut self, on: bool) -> Self {
        self.policy_mapping_inhibited = on;
        self
    }

    /// initial-any-policy-inhibit: anyPolicy in a certificate is not taken to match
    /// every policy (except in a self-issued intermediate, 6.1.3 (d)(2)).
    pub fn with_any_policy_inhibited(mut self, on: bool) -> Self {
        self.any_policy_inhibited = on;
        self
    }

    /// Checks that each OID of the user-initial-policy-set is well formed and that the
    /// set is not empty.
    ///
    /// # Errors
    /// [`VerifyError::BadPolicyOid`] naming the first OID that is not one,
    /// [`VerifyError::EmptyInitialPolicySet`] for an empty set.
    pub(crate) fn check(&self) -> Result<(), VerifyError> {
        let Some(set) = &self.initial_policy_set else {
            return Ok(());
        };
        if set.is_empty() {
            return Err(VerifyError::EmptyInitialPolicySet);
        }
        match set
            .iter()
            .find(|oid| certgate_x509::oid::from_dotted(oid).is_none())
        {
            Some(oid) => Err(VerifyError::BadPolicyOid { oid: oid.clone() }),
            None => Ok(()),
        }
    }

    /// The user-initial-policy-set as OID content octets, `None` when it holds anyPolicy.
    /// An OID that [`PolicyOptions::check`] would refuse matches nothing.
    fn user_set(&self) -> Option<Vec<Vec<u8>>> {
        let set = self.initial_policy_set.as_ref()?;
        let set: Vec<Vec<u8>> = set
            .iter()
            .filter_map(|o| certgate_x509::oid::from_dotted(o))
            .collect();
        (!set.iter().any(|o| o == ANY_POLICY)).then_some(set)
    }
}

/// The policies a verified path is valid for (RFC 5280 §6.1.6's valid_policy_tree, as
/// two sets of dotted OIDs, each sorted): in the leaf's policy domain, so after any
/// policyMappings on the path.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicySets {
    /// The authorities-constrained policy set: every policy the certificates of the path
    /// agree on, whatever the relying party asked for; `2.5.29.32.0` (anyPolicy) when
    /// every certificate asserted anyPolicy.
    pub authority_constrained: Vec<String>,
    /// The user-constrained policy set: those of them that descend from a policy of the
    /// user-initial-policy-set (§6.1.5 (g)); the same as `authority_constrained` when the
    /// relying party accepts any policy.
    pub user_constrained: Vec<String>,
}

impl PolicySets {
    /// Two sets given as dotted OIDs (sorted and deduplicated here), for a verdict
    /// reached elsewhere (see `danger::assert_policies`).
    pub fn new(
        authority_constrained: impl IntoIterator<Item = impl Into<String>>,
        user_constrained: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let sorted = |oids: Vec<String>| {
            let mut oids = oids;
            oids.sort();
            oids.dedup();
            oids
        };
        Self {
            authority_constrained: sorted(
                authority_constrained.into_iter().map(Into::into).collect(),
            ),
            user_constrained: sorted(user_constrained.into_iter().map(Into::into).collect()),
        }
    }

    /// Whether `oid` (dotted) is in the user-constrained set.
    pub fn allows(&self, oid: &str) -> bool {
        self.user_constrained.iter().any(|p| p == oid)
    }
}

/// Runs policy processing over a path that reached a trust anchor.
///
/// `path[0]` is the certificate the anchor issued, `path[n-1]` the leaf; `self_issued[i]`
/// as RFC 5280 defines it (issuer == subject by §7.1; the caller computes it; a missing
/// entry counts as not self-issued).
///
/// # Errors
/// [`V::NoValidPolicy`] when a policy is required (initial-explicit-policy or a
/// requireExplicitPolicy that has come due) and none is valid for the path;
/// [`V::PolicyGraphTooLarge`] past [`MAX_POLICY_NODES`].
pub(crate) fn process_policies(
    options: &PolicyOptions,
    path: &[CertPolicies<'_>],
    self_issued: &[bool],
) -> Result<PolicySets, V> {
    if path.is_empty() || path.iter().all(Cert::is_empty) && *options == PolicyOptions::default() {
        return Ok(PolicySets::default());
    }
    let n = path.len();
    let start = |inhibited: bool| if inhibited { 0 } else { n + 1 };
    let mut state = State {
        graph: Some(Graph::new()),
        explicit_policy: start(options.explicit_policy),
        inhibit_any_policy: start(options.any_policy_inhibited),
        policy_mapping: start(options.policy_mapping_inhibited),
    };
    for (i, cert) in path.iter().enumerate() {
        let self_issued = self_issued.get(i).copied().unwrap_or(false);
        let last = i + 1 == n;
        state.certificate(cert, self_issued && !last)?;
        if !last {
            state.prepare_next(cert, self_issued)?;
        }
    }
    // 6.1.5 (a), (b).
    state.explicit_policy = state.explicit_policy.saturating_sub(1);
    if path.last().and_then(|c| c.require_explicit_policy) == Some(0) {
        state.explicit_policy = 0;
    }
    // 6.1.5 (g).
    let sets = match &state.graph {
        None => PolicySets::default(),
        Some(graph) => graph.policy_sets(options.user_set().as_deref()),
    };
    if state.explicit_policy == 0 && sets.user_constrained.is_empty() {
        return Err(V::NoValidPolicy);
    }
    Ok(sets)
}

/// The state variables of §6.1.2 that policy processing uses.
struct State<'a> {
    /// valid_policy_tree, as a graph; `None` for NULL.
    graph: Option<Graph<'a>>,
    /// explicit_policy.
    explicit_policy: usize,
    /// inhibit_anyPolicy.
    inhibit_any_policy: usize,
    /// policy_mapping.
    policy_mapping: usize,
}

impl<'a> State<'a> {
    /// §6.1.3 (d)–(f) for one certificate; `self_issued_ca` when it is self-issued and
    /// not the leaf (6.1.3 (d)(2)).
    fn certificate(&mut self, cert: &Cert<'a>, self_issued_ca: bool) -> Result<(), V> {
        if let Some(graph) = &mut self.graph {
            if cert.has_policies() {
                let any_allowed = self.inhibit_any_policy > 0 || self_issued_ca;
                graph.add_level(cert, any_allowed)?;
                if graph.is_null() {
                    self.graph = None;
                }
            } else {
                self.graph = None; // (e)
            }
        }
        if self.explicit_policy == 0 && self.graph.is_none() {
            return Err(V::NoValidPolicy); // (f)
        }
        Ok(())
    }

    /// §6.1.4 (a), (b), (h)–(j) after certificate `cert`, which is not the leaf.
    fn prepare_next(&mut self, cert: &Cert<'a>, self_issued: bool) -> Result<(), V> {
        if let Some(graph) = &mut self.graph {
            graph.apply_mappings(cert, self.policy_mapping > 0)?;
            if graph.is_null() {
                self.graph = None;
            }
        }
        if !self_issued {
            for counter in [
                &mut self.explicit_policy,
                &mut self.policy_mapping,
                &mut self.inhibit_any_policy,
            ] {
                *counter = counter.saturating_sub(1);
            }
        }
        let lower = |counter: &mut usize, skip: Option<u8>| {
            if let Some(skip) = skip {
                *counter = (*counter).min(usize::from(skip));
            }
        };
        lower(&mut self.explicit_policy, cert.require_explicit_policy);
        lower(&mut self.policy_mapping, cert.inhibit_policy_mapping);
        lower(&mut self.inhibit_any_policy, cert.inhibit_any_policy);
        Ok(())
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "policy_ca_tests.rs"]
mod ca_tests;
