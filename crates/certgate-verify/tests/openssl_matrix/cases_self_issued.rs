//! Self-issued certificates (subject = issuer, RFC 5280 6.1): key rollover between two
//! root keys of one name (link certificates each way), a self-issued CA below
//! pathLenConstraint 0 (6.1.4 (l): not counted), and a self-issued CA exempt from the
//! name constraints above it (6.1.3 (b)) — each beside the same chain with a CA that is
//! not self-issued, which must fail.

use certgate_x509::CertView;

use super::case::Case;
use super::lab::{Ca, ca_profile, ca_profile_len0, key, name, root, root_with_key};

const ROLL: &str = "Rollover Root";

/// Two self-signed roots of one name, old and new keys, and the link certificates:
/// new-with-old (the new key, signed by the old) and old-with-new (the reverse).
fn rollover() -> Vec<Case> {
    let old = root_with_key(ROLL, key());
    let new = root_with_key(ROLL, key());
    let new_with_old = old.issue_der(&name(None, ROLL), &new.key, &[], &ca_profile(""), 2);
    let old_with_new = new.issue_der(&name(None, ROLL), &old.key, &[], &ca_profile(""), 3);
    for link in [&new_with_old, &old_with_new] {
        assert!(CertView::parse(link).unwrap().self_issued());
    }
    let leaf_of_new = new.leaf(&name(None, "device one"), &[], 4);
    let leaf_of_old = old.leaf(&name(None, "device one"), &[], 5);
    vec![
        // A relying party that trusts only the old root, a leaf of the new key.
        Case::new(
            "rollover-new-with-old",
            &old,
            &[&new_with_old],
            leaf_of_new.clone(),
        ),
        // One that trusts only the new root, a leaf of the old key.
        Case::new("rollover-old-with-new", &new, &[&old_with_new], leaf_of_old),
        // No link: the old root's name matches, its key does not.
        Case::new("rollover-without-link", &old, &[], leaf_of_new).refused(),
    ]
}

/// root → CA "Length CA" (pathLenConstraint 0) → `below` → leaf. certgate-ca will not
/// issue a CA below pathLenConstraint 0, so `below` is issued by a twin of the CA (its
/// name and key, no path length): to a verifier it is the CA's own.
fn below_path_len_0(case: &'static str, below_cn: &str) -> Case {
    let root = root("Length Root");
    let int = root.sub_ca(&name(None, "Length CA"), &ca_profile_len0(""), 2);
    let twin =
        int.twin(root.issue_der(&name(None, "Length CA"), &int.key, &[], &ca_profile(""), 3));
    let below = twin.sub_ca(&name(None, below_cn), &ca_profile(""), 4);
    let self_issued = CertView::parse(&below.der).unwrap().self_issued();
    assert_eq!(self_issued, below_cn == "Length CA");
    let leaf = below.leaf(&name(None, "device one"), &[], 5);
    Case::new(case, &root, &[&below.der, &int.der], leaf)
}

/// root → CA "Names CA" permitting only the directoryName O=Matrix Org → `below` (CN
/// `below_cn`, outside the permitted subtree) → leaf O=Matrix Org.
fn below_name_constraints(case: &'static str, below_cn: &str) -> Case {
    let root = root("Names Root");
    let profile = ca_profile(r#", "name_constraints": {"permitted_dn": [{"O": "Matrix Org"}]}"#);
    let int = root.sub_ca(&name(None, "Names CA"), &profile, 2);
    let below: Ca = int.sub_ca(&name(None, below_cn), &ca_profile(""), 3);
    let self_issued = CertView::parse(&below.der).unwrap().self_issued();
    assert_eq!(self_issued, below_cn == "Names CA");
    let leaf = below.leaf(&name(Some("Matrix Org"), "device one"), &[], 4);
    Case::new(case, &root, &[&below.der, &int.der], leaf)
}

pub(crate) fn cases() -> Vec<Case> {
    let mut cases = rollover();
    cases.push(below_path_len_0(
        "self-issued-ca-below-path-len-0",
        "Length CA",
    ));
    cases.push(below_path_len_0("other-ca-below-path-len-0", "Other CA").refused());
    cases.push(below_name_constraints(
        "self-issued-ca-outside-name-constraints",
        "Names CA",
    ));
    cases.push(below_name_constraints("other-ca-outside-name-constraints", "Other CA").refused());
    cases
}
