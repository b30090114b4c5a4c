//! Certificate policies (RFC 5280 6.1.3 (d)-(f), 6.1.4 (a)-(j), 6.1.5): policies
//! asserted along the path, requireExplicitPolicy in a CA, anyPolicy, mapping, and the
//! inhibitors in CAs and as options. Each chain is root → CA(s) → leaf; OpenSSL gets
//! `-policy_check` always and the options as `-policy OID -explicit_policy
//! -inhibit_map -inhibit_any`.

use super::case::{ANY_POLICY as ANY, Case, Policy};
use super::lab::{Ca, ca_profile, leaf_profile, name, root};

const P: &str = "1.3.6.1.4.1.55555.7.1";
const Q: &str = "1.3.6.1.4.1.55555.7.2";

/// initial set {P}, explicit policy required.
const EXPLICIT_P: Policy = Policy {
    initial_policies: &[P],
    explicit: true,
    inhibit_mapping: false,
    inhibit_any: false,
};

/// `"policies": [...]` for these OIDs, with its leading comma (none for no OIDs).
fn policies(oids: &[&str]) -> String {
    if oids.is_empty() {
        return String::new();
    }
    let list: Vec<String> = oids.iter().map(|o| format!(r#"{{"ID": "{o}"}}"#)).collect();
    format!(r#", "policies": [{}]"#, list.join(", "))
}

/// A CA under `parent` asserting `oids`, with `extra` profile members.
fn ca(parent: &Ca, cn: &str, oids: &[&str], extra: &str, serial: u8) -> Ca {
    let profile = ca_profile(&format!("{}{extra}", policies(oids)));
    parent.sub_ca(&name(None, cn), &profile, serial)
}

/// A client leaf under `ca` asserting `oids`.
fn leaf(ca: &Ca, oids: &[&str], serial: u8) -> Vec<u8> {
    ca.leaf_with(
        &name(None, "device one"),
        &[],
        &leaf_profile(&policies(oids)),
        serial,
    )
}

/// root → CA (asserting `ca_oids`, with `extra`) → leaf (asserting `leaf_oids`).
fn chain(name: &'static str, ca_oids: &[&str], extra: &str, leaf_oids: &[&str]) -> Case {
    let root = root("Policy Root");
    let int = ca(&root, "Policy CA", ca_oids, extra, 2);
    let leaf = leaf(&int, leaf_oids, 3);
    Case::new(name, &root, &[&int.der], leaf)
}

/// root → upper CA ([P], `upper_extra`) → lower CA ([P], mapping P→Q) → leaf ([Q]).
fn two_cas(name: &'static str, upper_extra: &str) -> Case {
    let root = root("Policy Root");
    let upper = ca(&root, "Upper CA", &[P], upper_extra, 2);
    let mapping =
        format!(r#", "policy_mappings": [{{"issuer_domain": "{P}", "subject_domain": "{Q}"}}]"#);
    let lower = ca(&upper, "Lower CA", &[P], &mapping, 3);
    let leaf = leaf(&lower, &[Q], 4);
    Case::new(name, &root, &[&lower.der, &upper.der], leaf)
}

pub(crate) fn cases() -> Vec<Case> {
    let rep =
        |skip: u8| format!(r#", "policy_constraints": {{"require_explicit_policy": {skip}}}"#);
    let inhibit_any = |skip: u8| format!(r#", "inhibit_any_policy": {skip}"#);
    let mapping =
        format!(r#", "policy_mappings": [{{"issuer_domain": "{P}", "subject_domain": "{Q}"}}]"#);
    vec![
        chain("policy-ca-and-leaf-assert-p", &[P], "", &[P]).policy(EXPLICIT_P),
        chain("policy-leaf-asserts-other", &[P], "", &[Q])
            .policy(EXPLICIT_P)
            .refused(),
        chain("policy-initial-set-not-met", &[P], "", &[P])
            .policy(Policy {
                initial_policies: &[Q],
                ..EXPLICIT_P
            })
            .refused(),
        // Without explicit policy an empty tree is no failure.
        chain("policy-mismatch-not-required", &[P], "", &[Q]),
        chain("policy-require-explicit-0-mismatch", &[P], &rep(0), &[Q]).refused(),
        chain("policy-require-explicit-0-match", &[P], &rep(0), &[P]),
        // skip 1: the leaf is the one more certificate, and wrap-up (6.1.5 (a)) brings
        // explicit_policy to 0 with it, so a leaf without policies still fails.
        chain("policy-require-explicit-1-leaf-without", &[P], &rep(1), &[]).refused(),
        chain("policy-require-explicit-1-leaf-p", &[P], &rep(1), &[P]),
        chain("policy-require-explicit-2-leaf-without", &[P], &rep(2), &[]),
        chain("policy-any-in-ca", &[ANY], "", &[P]).policy(EXPLICIT_P),
        chain("policy-any-inhibited-by-option", &[ANY], "", &[P])
            .policy(Policy {
                inhibit_any: true,
                ..EXPLICIT_P
            })
            .refused(),
        // inhibitAnyPolicy 0: the CA's own anyPolicy counts, the leaf's does not.
        chain(
            "policy-inhibit-any-0-leaf-any",
            &[ANY],
            &inhibit_any(0),
            &[ANY],
        )
        .policy(EXPLICIT_P)
        .refused(),
        chain(
            "policy-inhibit-any-1-leaf-any",
            &[ANY],
            &inhibit_any(1),
            &[ANY],
        )
        .policy(EXPLICIT_P),
        chain("policy-mapping-p-to-q", &[P], &mapping, &[Q]).policy(EXPLICIT_P),
        chain("policy-mapping-inhibited-by-option", &[P], &mapping, &[Q])
            .policy(Policy {
                inhibit_mapping: true,
                ..EXPLICIT_P
            })
            .refused(),
        two_cas(
            "policy-inhibit-mapping-0-in-upper-ca",
            r#", "policy_constraints": {"inhibit_policy_mapping": 0}"#,
        )
        .policy(EXPLICIT_P)
        .refused(),
        two_cas(
            "policy-inhibit-mapping-1-in-upper-ca",
            r#", "policy_constraints": {"inhibit_policy_mapping": 1}"#,
        )
        .policy(EXPLICIT_P),
    ]
}
