//! Policy processing on hand-built extensions: the rules of RFC 5280 §6.1 one by one, a
//! dozen shapes of NIST's PKITS 4.8–4.12 with the outcome PKITS gives, and the shapes
//! that blow RFC 5280's tree up.

use super::*;
use crate::path::policy_ext::tests::{
    constraints_value, inhibit_any_value, mappings_value, policies_value,
};

// NIST-test-policy-1 .. -6, as PKITS names them.
const P1: &str = "2.16.840.1.101.3.2.1.48.1";
const P2: &str = "2.16.840.1.101.3.2.1.48.2";
const P3: &str = "2.16.840.1.101.3.2.1.48.3";
const P4: &str = "2.16.840.1.101.3.2.1.48.4";
const P5: &str = "2.16.840.1.101.3.2.1.48.5";
const P6: &str = "2.16.840.1.101.3.2.1.48.6";
const ANY: &str = "2.5.29.32.0";

/// A certificate's policy extensions, owned.
#[derive(Clone, Debug, Default)]
struct Spec {
    policies: Option<Vec<u8>>,
    mappings: Option<Vec<u8>>,
    constraints: Option<Vec<u8>>,
    inhibit_any: Option<Vec<u8>>,
    self_issued: bool,
}

/// A certificate asserting `oids` (none: no certificatePolicies at all).
fn cert(oids: &[&str]) -> Spec {
    Spec {
        policies: (!oids.is_empty()).then(|| policies_value(oids)),
        ..Spec::default()
    }
}

impl Spec {
    fn maps(mut self, pairs: &[(&str, &str)]) -> Self {
        self.mappings = Some(mappings_value(pairs));
        self
    }
    fn constraints(mut self, require: Option<u8>, inhibit_mapping: Option<u8>) -> Self {
        self.constraints = Some(constraints_value(require, inhibit_mapping));
        self
    }
    fn require(self, skip: u8) -> Self {
        self.constraints(Some(skip), None)
    }
    fn inhibit_mapping(self, skip: u8) -> Self {
        self.constraints(None, Some(skip))
    }
    fn inhibit_any(mut self, skip: u8) -> Self {
        self.inhibit_any = Some(inhibit_any_value(skip));
        self
    }
    fn self_issued(mut self) -> Self {
        self.self_issued = true;
        self
    }
}

fn run(options: &PolicyOptions, path: &[Spec]) -> Result<PolicySets, V> {
    let certs: Vec<CertPolicies<'_>> = path
        .iter()
        .map(|s| {
            CertPolicies::from_values(
                s.policies.as_deref(),
                s.mappings.as_deref(),
                s.constraints.as_deref(),
                s.inhibit_any.as_deref(),
            )
            .unwrap()
        })
        .collect();
    let self_issued: Vec<bool> = path.iter().map(|s| s.self_issued).collect();
    process_policies(options, &certs, &self_issued)
}

fn default() -> PolicyOptions {
    PolicyOptions::default()
}

fn explicit() -> PolicyOptions {
    PolicyOptions::default().with_explicit_policy(true)
}

fn explicit_for(oids: &[&str]) -> PolicyOptions {
    explicit().with_initial_policy_set(oids.iter().copied())
}

fn sets(authority: &[&str], user: &[&str]) -> Result<PolicySets, V> {
    Ok(PolicySets::new(
        authority.iter().copied(),
        user.iter().copied(),
    ))
}

/// Valid, with the same authorities- and user-constrained sets.
fn valid(policies: &[&str]) -> Result<PolicySets, V> {
    sets(policies, policies)
}

const INVALID: Result<PolicySets, V> = Err(V::NoValidPolicy);

// The rules one by one.

#[test]
fn no_policies_anywhere_is_valid_for_none_unless_one_is_required() {
    let path = [cert(&[]), cert(&[])];
    assert_eq!(run(&default(), &path), valid(&[]));
    assert_eq!(run(&explicit(), &path), INVALID);
    assert_eq!(run(&default(), &[]), valid(&[]));
}

#[test]
fn leaf_policy_under_cas_asserting_it() {
    let path = [cert(&[P1]), cert(&[P1]), cert(&[P1])];
    assert_eq!(run(&default(), &path), valid(&[P1]));
    assert_eq!(run(&explicit(), &path), valid(&[P1]));
    // The leaf's other policy is not the CAs': it falls away.
    let path = [cert(&[P1, P2]), cert(&[P1, P3])];
    assert_eq!(run(&explicit(), &path), valid(&[P1]));
}

#[test]
fn a_mismatch_leaves_no_policy() {
    let path = [cert(&[P1]), cert(&[P2])];
    assert_eq!(run(&default(), &path), valid(&[]));
    assert_eq!(run(&explicit(), &path), INVALID);
    // A certificate without certificatePolicies ends every policy below it (6.1.3 (e)).
    let path = [cert(&[P1]), cert(&[]), cert(&[P1])];
    assert_eq!(run(&default(), &path), valid(&[]));
    assert_eq!(run(&explicit(), &path), INVALID);
}

#[test]
fn any_policy_in_a_ca_matches_the_leafs_policy() {
    let path = [cert(&[ANY]), cert(&[P1, P2])];
    assert_eq!(run(&explicit(), &path), valid(&[P1, P2]));
    // anyPolicy throughout: the path is valid for any policy.
    let path = [cert(&[ANY]), cert(&[ANY])];
    assert_eq!(run(&explicit(), &path), valid(&[ANY]));
    // anyPolicy in the leaf takes the CA's policies.
    let path = [cert(&[P1, P2]), cert(&[ANY])];
    assert_eq!(run(&explicit(), &path), valid(&[P1, P2]));
}

#[test]
fn a_mapping_carries_the_issuers_policy_to_the_subjects() {
    // The intermediate asserts P1 and maps it to P2; the leaf asserts P2.
    let path = [cert(&[P1]).maps(&[(P1, P2)]), cert(&[P2])];
    assert_eq!(run(&explicit(), &path), valid(&[P2]));
    // The relying party asks for P1 (the anchor's domain): the path is valid for it,
    // and its sets say P2 (the leaf's domain).
    assert_eq!(run(&explicit_for(&[P1]), &path), valid(&[P2]));
    assert_eq!(run(&explicit_for(&[P2]), &path), INVALID);
    // P1 itself is no longer expected below the mapping.
    let path = [cert(&[P1]).maps(&[(P1, P2)]), cert(&[P1])];
    assert_eq!(run(&explicit(), &path), INVALID);
    // One policy mapped to two.
    let path = [cert(&[P1]).maps(&[(P1, P2), (P1, P3)]), cert(&[P2, P3, P4])];
    assert_eq!(run(&explicit_for(&[P1]), &path), valid(&[P2, P3]));
    // Mapped by an anyPolicy CA: a P1 node is made under anyPolicy (6.1.4 (b)(1)).
    let path = [cert(&[ANY]).maps(&[(P1, P2)]), cert(&[P2])];
    assert_eq!(run(&explicit_for(&[P1]), &path), valid(&[P2]));
}

#[test]
fn initial_policy_mapping_inhibit_deletes_mapped_policies() {
    let path = [cert(&[P1, P3]).maps(&[(P1, P2)]), cert(&[P2, P3])];
    let options = explicit().with_policy_mapping_inhibited(true);
    assert_eq!(run(&options, &path), valid(&[P3]));
    let path = [cert(&[P1]).maps(&[(P1, P2)]), cert(&[P2])];
    assert_eq!(run(&options, &path), INVALID);
}

#[test]
fn inhibit_policy_mapping_counts_down() {
    let ca = |skip| cert(&[P1]).inhibit_mapping(skip);
    let mapping = || cert(&[P1]).maps(&[(P1, P2)]);
    // Skip 0: the next certificate's mapping is not followed (its own still is).
    let path = [ca(0), mapping(), cert(&[P2])];
    assert_eq!(run(&explicit(), &path), INVALID);
    let path = [ca(0).maps(&[(P1, P2)]), cert(&[P2]), cert(&[P2])];
    assert_eq!(run(&explicit(), &path), valid(&[P2]));
    // Skip 1: one more certificate may map.
    let path = [ca(1), mapping(), cert(&[P2])];
    assert_eq!(run(&explicit(), &path), valid(&[P2]));
    let path = [ca(1), cert(&[P1]), mapping(), cert(&[P2])];
    assert_eq!(run(&explicit(), &path), INVALID);
    // A self-issued certificate is not counted (6.1.4 (h)).
    let path = [ca(1), cert(&[P1]).self_issued(), mapping(), cert(&[P2])];
    assert_eq!(run(&explicit(), &path), valid(&[P2]));
}

#[test]
fn require_explicit_policy_counts_down() {
    // No policies anywhere; requireExplicitPolicy on the first CA.
    let chain = |skip: u8, len: usize| {
        let mut path = vec![cert(&[]).require(skip)];
        path.extend((1..len).map(|_| cert(&[])));
        path
    };
    // SkipCerts k: a path without policies fails once k certificates follow the one
    // that says it, the leaf counted (6.1.5 (a) decrements for it).
    assert_eq!(run(&default(), &chain(0, 2)), INVALID);
    assert_eq!(run(&default(), &chain(1, 2)), INVALID);
    assert_eq!(run(&default(), &chain(2, 2)), valid(&[]));
    assert_eq!(run(&default(), &chain(2, 3)), INVALID);
    assert_eq!(run(&default(), &chain(3, 3)), valid(&[]));
    assert_eq!(run(&default(), &chain(3, 4)), INVALID);
    // Self-issued intermediates are not counted (6.1.4 (h)).
    let mut path = chain(2, 3);
    path[1] = cert(&[]).self_issued();
    assert_eq!(run(&default(), &path), valid(&[]));
    // ... but a self-issued leaf is.
    let path = [cert(&[]).require(1), cert(&[]).self_issued()];
    assert_eq!(run(&default(), &path), INVALID);
    // Satisfied by a policy.
    let path = [cert(&[P1]).require(0), cert(&[P1]), cert(&[P1])];
    assert_eq!(run(&default(), &path), valid(&[P1]));
    // requireExplicitPolicy 0 in the leaf (6.1.5 (b)).
    let path = [cert(&[]), cert(&[]).require(0)];
    assert_eq!(run(&default(), &path), INVALID);
    // A larger value than the path is long never comes due; a smaller one later in
    // the path wins over a larger one before it (6.1.4 (i) keeps the minimum).
    let path = [cert(&[]).require(200), cert(&[]), cert(&[])];
    assert_eq!(run(&default(), &path), valid(&[]));
    let path = [cert(&[]).require(5), cert(&[]).require(0), cert(&[])];
    assert_eq!(run(&default(), &path), INVALID);
}

#[test]
fn inhibit_any_policy_counts_down() {
    // Skip 0 on a CA asserting anyPolicy: the leaf's anyPolicy matches nothing, its
    // own policy still matches the CA's anyPolicy.
    let ca = |skip| cert(&[ANY]).inhibit_any(skip);
    assert_eq!(run(&explicit(), &[ca(0), cert(&[ANY])]), INVALID);
    assert_eq!(run(&explicit(), &[ca(0), cert(&[P1])]), valid(&[P1]));
    // Skip 1: the next CA's anyPolicy still counts, the leaf's does not.
    assert_eq!(
        run(&explicit(), &[ca(1), cert(&[ANY]), cert(&[P1])]),
        valid(&[P1])
    );
    assert_eq!(
        run(&explicit(), &[ca(1), cert(&[ANY]), cert(&[ANY])]),
        INVALID
    );
    // initial-any-policy-inhibit: no anyPolicy counts, except in a self-issued CA.
    let options = explicit().with_any_policy_inhibited(true);
    assert_eq!(run(&options, &[cert(&[ANY]), cert(&[P1])]), INVALID);
    assert_eq!(run(&options, &[cert(&[P1]), cert(&[ANY])]), INVALID);
    let path = [cert(&[P1]), cert(&[ANY]).self_issued(), cert(&[P1])];
    assert_eq!(run(&options, &path), valid(&[P1]));
}

#[test]
fn the_user_initial_policy_set_intersects() {
    let path = [cert(&[P1, P2, P3]), cert(&[P1, P2])];
    assert_eq!(run(&explicit_for(&[P2, P4]), &path), sets(&[P1, P2], &[P2]));
    assert_eq!(run(&explicit_for(&[P4]), &path), INVALID);
    // Without initial-explicit-policy the path stays valid, for no user policy.
    let options = default().with_initial_policy_set([P4]);
    assert_eq!(run(&options, &path), sets(&[P1, P2], &[]));
    // anyPolicy in the set accepts any.
    assert_eq!(run(&explicit_for(&[P4, ANY]), &path), valid(&[P1, P2]));
    // An anyPolicy leaf node gives way to the user's policies (6.1.5 (g)(iii)(3)).
    let path = [cert(&[ANY]), cert(&[ANY])];
    assert_eq!(
        run(&explicit_for(&[P1, P2]), &path),
        sets(&[ANY], &[P1, P2])
    );
    // ... except those a node under anyPolicy already has (the valid_policy_node_set).
    let path = [cert(&[ANY, P1]), cert(&[ANY])];
    assert_eq!(
        run(&explicit_for(&[P1, P2]), &path),
        sets(&[ANY, P1], &[P1, P2])
    );
    assert_eq!(run(&explicit_for(&[P2]), &path), sets(&[ANY, P1], &[P2]));
    let path = [cert(&[ANY]).maps(&[(P1, P3)]), cert(&[ANY])];
    assert_eq!(run(&explicit_for(&[P1]), &path), sets(&[ANY, P3], &[P3]));
    let path = [cert(&[ANY, P1]).maps(&[(P1, P3)]), cert(&[ANY])];
    assert_eq!(
        run(&explicit_for(&[P1, P2]), &path),
        sets(&[ANY, P3], &[P2, P3])
    );
}

#[test]
fn options_are_checked() {
    assert!(default().check().is_ok());
    assert!(explicit_for(&[P1, ANY]).check().is_ok());
    match default().with_initial_policy_set([P1, "1.2.x"]).check() {
        Err(VerifyError::BadPolicyOid { oid }) => assert_eq!(oid, "1.2.x"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        default()
            .with_initial_policy_set(Vec::<String>::new())
            .check(),
        Err(VerifyError::EmptyInitialPolicySet)
    ));
}

#[test]
fn sets_are_sorted_and_deduplicated() {
    let s = PolicySets::new([P3, P1, P3], [P2]);
    assert_eq!(s.authority_constrained, [P1, P3]);
    assert!(s.allows(P2) && !s.allows(P1));
}

// The shapes that make RFC 5280's tree exponential (RFC 9618 section 1, CVE-2023-0464).

/// `depth` CAs, each asserting `width` policies and mapping every one to every one,
/// then a leaf asserting the first: RFC 5280's tree has width^depth leaves.
fn mapping_mesh(width: usize, depth: usize) -> Vec<Spec> {
    let oids: Vec<String> = (0..width).map(|i| format!("1.2.3.{i}")).collect();
    let names: Vec<&str> = oids.iter().map(String::as_str).collect();
    let pairs: Vec<(&str, &str)> = names
        .iter()
        .flat_map(|a| names.iter().map(move |b| (*a, *b)))
        .collect();
    let mut path: Vec<Spec> = (0..depth).map(|_| cert(&names).maps(&pairs)).collect();
    path.push(cert(&names[..1]));
    path
}

#[test]
fn an_exponential_tree_is_a_small_graph() {
    // 8^40 branches in RFC 5280's tree; 8 nodes a level here.
    let path = mapping_mesh(8, 40);
    assert_eq!(run(&explicit_for(&["1.2.3.7"]), &path), valid(&["1.2.3.0"]));
    // anyPolicy everywhere, with every CA asserting its own policies too.
    let names: Vec<String> = (0..MAX_POLICIES_IN_TEST)
        .map(|i| format!("1.2.4.{i}"))
        .collect();
    let mut oids: Vec<&str> = names.iter().map(String::as_str).collect();
    oids.push(ANY);
    let path: Vec<Spec> = (0..30).map(|_| cert(&oids)).collect();
    let result = run(&explicit_for(&["1.2.4.5"]), &path).unwrap();
    assert_eq!(result.user_constrained, ["1.2.4.5"]);
    assert_eq!(result.authority_constrained.len(), oids.len());
}

const MAX_POLICIES_IN_TEST: usize = crate::path::policy_ext::MAX_POLICIES - 1;

#[test]
fn a_graph_past_its_bound_is_refused_by_name() {
    // 64 policies in each of 70 certificates: 4,480 nodes.
    let names: Vec<String> = (0..64).map(|i| format!("1.2.5.{i}")).collect();
    let oids: Vec<&str> = names.iter().map(String::as_str).collect();
    let path: Vec<Spec> = (0..70).map(|_| cert(&oids)).collect();
    assert_eq!(
        run(&default(), &path),
        Err(V::PolicyGraphTooLarge {
            max: MAX_POLICY_NODES
        })
    );
    assert!(run(&default(), &path[..60]).is_ok());
}

// Shapes of NIST PKITS (Public Key Interoperability Test Suite) 4.8–4.12, with the
// outcome PKITS gives. The trust anchor is not on the path.

#[test]
fn pkits_4_8_1_all_certificates_same_policy() {
    let path = [cert(&[P1]), cert(&[P1])];
    assert_eq!(run(&default(), &path), valid(&[P1]));
    assert_eq!(run(&explicit(), &path), valid(&[P1]));
    assert_eq!(run(&explicit_for(&[P1]), &path), valid(&[P1]));
    assert_eq!(run(&explicit_for(&[P2]), &path), INVALID);
}

#[test]
fn pkits_4_8_2_all_certificates_no_policies() {
    let path = [cert(&[]), cert(&[])];
    assert_eq!(run(&default(), &path), valid(&[]));
    assert_eq!(run(&explicit(), &path), INVALID);
}

#[test]
fn pkits_4_8_3_different_policies() {
    // Good CA (P1), Policies P2 subCA (P2), leaf (P2).
    let path = [cert(&[P1]), cert(&[P2]), cert(&[P2])];
    assert_eq!(run(&default(), &path), valid(&[]));
    assert_eq!(run(&explicit(), &path), INVALID);
}

#[test]
fn pkits_4_8_6_overlapping_policies() {
    // P1234 CA (requireExplicitPolicy 0), P123 subCA, P12 subsubCA, leaf P1.
    let path = [
        cert(&[P1, P2, P3, P4]).require(0),
        cert(&[P1, P2, P3]),
        cert(&[P1, P2]),
        cert(&[P1]),
    ];
    assert_eq!(run(&default(), &path), valid(&[P1]));
    assert_eq!(run(&explicit_for(&[P1]), &path), valid(&[P1]));
    assert_eq!(run(&explicit_for(&[P2]), &path), INVALID);
}

#[test]
fn pkits_4_8_11_all_certificates_any_policy() {
    let path = [cert(&[ANY]), cert(&[ANY])];
    assert_eq!(run(&default(), &path), valid(&[ANY]));
    assert_eq!(run(&explicit_for(&[P1]), &path), sets(&[ANY], &[P1]));
}

#[test]
fn pkits_4_8_14_any_policy() {
    // anyPolicy CA, leaf P1.
    let path = [cert(&[ANY]), cert(&[P1])];
    assert_eq!(run(&explicit_for(&[P1]), &path), valid(&[P1]));
    assert_eq!(run(&explicit_for(&[P2]), &path), INVALID);
}

#[test]
fn pkits_4_9_2_and_3_require_explicit_policy_5_and_4() {
    // requireExplicitPolicy on the first of five certificates, no policies anywhere.
    let path = |skip| {
        let mut p = vec![cert(&[]).require(skip)];
        p.extend((0..4).map(|_| cert(&[])));
        p
    };
    assert_eq!(run(&default(), &path(5)), valid(&[])); // 4.9.2: valid
    assert_eq!(run(&default(), &path(4)), INVALID); // 4.9.3: invalid
    let mut ten = path(10); // 4.9.1: valid
    ten[0] = cert(&[]).require(10);
    assert_eq!(run(&default(), &ten), valid(&[]));
}

#[test]
fn pkits_4_9_5_require_explicit_policy_lowered_below() {
    // requireExplicitPolicy 7, then 2, then 4: the 2 comes due at the leaf.
    let path = [
        cert(&[]).require(7),
        cert(&[]).require(2),
        cert(&[]).require(4),
        cert(&[]),
    ];
    assert_eq!(run(&default(), &path), INVALID);
}

#[test]
fn pkits_4_9_6_to_8_self_issued_require_explicit_policy() {
    let ca = || cert(&[]).require(2);
    let si = || cert(&[]).self_issued();
    assert_eq!(run(&default(), &[ca(), si(), cert(&[])]), valid(&[])); // 4.9.6
    assert_eq!(
        run(&default(), &[ca(), si(), cert(&[]), cert(&[])]),
        INVALID // 4.9.7
    );
    assert_eq!(
        run(&default(), &[ca(), si(), cert(&[]), si(), cert(&[])]),
        INVALID // 4.9.8
    );
}

#[test]
fn pkits_4_10_1_and_2_policy_mapping() {
    // Mapping 1to2 CA (P1, maps P1 to P2, requireExplicitPolicy 0).
    let ca = || cert(&[P1]).maps(&[(P1, P2)]).require(0);
    // 4.10.1: leaf P2, valid for P1; not for P2; not with mapping inhibited.
    assert_eq!(run(&default(), &[ca(), cert(&[P2])]), valid(&[P2]));
    assert_eq!(
        run(&explicit_for(&[P1]), &[ca(), cert(&[P2])]),
        valid(&[P2])
    );
    assert_eq!(run(&explicit_for(&[P2]), &[ca(), cert(&[P2])]), INVALID);
    let inhibited = default().with_policy_mapping_inhibited(true);
    assert_eq!(run(&inhibited, &[ca(), cert(&[P2])]), INVALID);
    // 4.10.2: leaf P1, invalid.
    assert_eq!(run(&default(), &[ca(), cert(&[P1])]), INVALID);
}

#[test]
fn pkits_4_10_7_and_8_mapping_from_and_to_any_policy() {
    for pair in [(ANY, P2), (P1, ANY)] {
        let value = mappings_value(&[pair]);
        assert_eq!(
            CertPolicies::from_values(None, Some(&value), None, None),
            Err(V::PolicyMappingToOrFromAnyPolicy)
        );
    }
}

#[test]
fn pkits_4_10_9_mapping_under_any_policy() {
    // PanyPolicy Mapping 1to2 CA (anyPolicy, maps P1 to P2, requireExplicitPolicy 0),
    // leaf P1: valid.
    let path = [cert(&[ANY]).maps(&[(P1, P2)]).require(0), cert(&[P1])];
    assert_eq!(run(&default(), &path), valid(&[P1]));
}

#[test]
fn pkits_4_11_1_and_2_inhibit_policy_mapping() {
    // 4.11.1: inhibitPolicyMapping 0 (and requireExplicitPolicy 0) CA asserting P1; its
    // subCA maps P1 to P2; leaf P2: invalid.
    let path = [
        cert(&[P1]).constraints(Some(0), Some(0)),
        cert(&[P1]).maps(&[(P1, P2)]),
        cert(&[P2]),
    ];
    assert_eq!(run(&default(), &path), INVALID);
    // 4.11.2: inhibitPolicyMapping 1 P12 CA, subCA maps P1 to P3 and P2 to P4, leaf P3:
    // valid.
    let path = [
        cert(&[P1, P2]).constraints(Some(0), Some(1)),
        cert(&[P1, P2]).maps(&[(P1, P3), (P2, P4)]),
        cert(&[P3]),
    ];
    assert_eq!(run(&default(), &path), valid(&[P3]));
    // 4.11.3: a subsubCA maps again (P3 to P5): no longer followed, invalid.
    let path = [
        cert(&[P1, P2]).constraints(Some(0), Some(1)),
        cert(&[P1, P2]).maps(&[(P1, P3), (P2, P4)]),
        cert(&[P3]).maps(&[(P3, P5)]),
        cert(&[P5]),
    ];
    assert_eq!(run(&default(), &path), INVALID);
}

#[test]
fn pkits_4_11_7_and_8_self_issued_inhibit_policy_mapping() {
    let ca = || cert(&[P1]).constraints(Some(0), Some(1));
    let si = || cert(&[P1]).self_issued();
    // 4.11.7: CA, self-issued CA, subCA mapping P1 to P2, leaf P2: valid.
    let path = [ca(), si(), cert(&[P1]).maps(&[(P1, P2)]), cert(&[P2])];
    assert_eq!(run(&default(), &path), valid(&[P2]));
    // 4.11.8: a subsubCA maps P2 to P3, leaf P3: invalid.
    let path = [
        ca(),
        si(),
        cert(&[P1]).maps(&[(P1, P2)]),
        cert(&[P2]).maps(&[(P2, P3)]),
        cert(&[P3]),
    ];
    assert_eq!(run(&default(), &path), INVALID);
}

#[test]
fn pkits_4_12_1_to_4_inhibit_any_policy() {
    let ca = |skip| cert(&[ANY]).require(0).inhibit_any(skip);
    // 4.12.1: inhibitAnyPolicy 0 CA, leaf anyPolicy: invalid.
    assert_eq!(run(&default(), &[ca(0), cert(&[ANY])]), INVALID);
    // 4.12.2: inhibitAnyPolicy 0 CA, leaf P1: valid.
    assert_eq!(run(&default(), &[ca(0), cert(&[P1])]), valid(&[P1]));
    // 4.12.3: inhibitAnyPolicy 1 CA, subCA anyPolicy, leaf P1: valid; invalid with
    // initial-any-policy-inhibit.
    let path = [ca(1), cert(&[ANY]), cert(&[P1])];
    assert_eq!(run(&default(), &path), valid(&[P1]));
    let options = default().with_any_policy_inhibited(true);
    assert_eq!(run(&options, &path), INVALID);
    // 4.12.4: the leaf asserts anyPolicy: invalid.
    assert_eq!(
        run(&default(), &[ca(1), cert(&[ANY]), cert(&[ANY])]),
        INVALID
    );
}

#[test]
fn pkits_4_12_7_to_9_self_issued_inhibit_any_policy() {
    let ca = || cert(&[ANY]).require(0).inhibit_any(1);
    let si = || cert(&[ANY]).self_issued();
    // 4.12.7: CA, self-issued CA, subCA anyPolicy, leaf P1: valid.
    let path = [ca(), si(), cert(&[ANY]), cert(&[P1])];
    assert_eq!(run(&default(), &path), valid(&[P1]));
    // 4.12.8: a subsubCA anyPolicy below: invalid.
    let path = [ca(), si(), cert(&[ANY]), cert(&[ANY]), cert(&[P1])];
    assert_eq!(run(&default(), &path), INVALID);
    // 4.12.9: the subCA's self-issued certificate asserts anyPolicy: it still counts
    // (6.1.3 (d)(2)), valid.
    let path = [ca(), si(), cert(&[ANY]), si(), cert(&[P1])];
    assert_eq!(run(&default(), &path), valid(&[P1]));
    // A self-issued leaf asserting anyPolicy is not excused (6.1.3 (d)(2): i < n).
    let path = [ca(), si(), cert(&[ANY]), si()];
    assert_eq!(run(&default(), &path), INVALID);
}

#[test]
fn policies_p6_unused_in_pkits_shapes_stay_out() {
    // A policy no certificate asserts never appears in the sets.
    let path = [cert(&[P1, P5]), cert(&[P1, P5])];
    let result = run(&explicit(), &path).unwrap();
    assert!(!result.allows(P6) && result.allows(P5));
}
