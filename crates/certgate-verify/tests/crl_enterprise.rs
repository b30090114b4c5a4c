//! CRLs as enterprise PKIs publish them (RFC 5280 §5 and §6.3), made with certgate-ca:
//! scoped by issuingDistributionPoint (user or CA certificates, a distribution point,
//! some reasons). Each case runs `ChainVerifier::verify_chain` with the store and
//! `openssl verify` on the same files, and asserts they agree; where OpenSSL 3.0 departs
//! from RFC 5280 the test says so and asserts certgate's RFC behaviour.

#![allow(clippy::unwrap_used)]

#[path = "common/crl_lab.rs"]
mod lab;

use certgate_ca::{IssuingDistributionPoint, RevocationReason};
use certgate_test_support::require_tool;
use certgate_verify::{ExpirationPolicy, FailureReason, RevocationPolicy};
use lab::*;
use time::Duration;

fn openssl() -> bool {
    require_tool("openssl")
}

/// ReasonFlags bits.
const KEY_COMPROMISE: u16 = 1 << 1;

fn scoped(user: bool, ca: bool) -> IssuingDistributionPoint {
    IssuingDistributionPoint {
        only_user_certs: user,
        only_ca_certs: ca,
        ..IssuingDistributionPoint::default()
    }
}

fn at_point(uri: &str) -> IssuingDistributionPoint {
    IssuingDistributionPoint {
        uris: vec![uri.to_owned()],
        ..IssuingDistributionPoint::default()
    }
}

fn reasons(list: &[RevocationReason]) -> IssuingDistributionPoint {
    IssuingDistributionPoint {
        only_some_reasons: list.to_vec(),
        ..IssuingDistributionPoint::default()
    }
}

#[test]
fn a_user_only_crl_covers_a_leaf_and_a_ca_only_crl_does_not() {
    if !openssl() {
        return;
    }
    let root = root("Scope Root");
    let revoked = leaf(&root, "revoked", 10);
    let good = leaf(&root, "good", 11);
    let users = root
        .crl(1)
        .with_issuing_distribution_point(scoped(true, false))
        .with_entry(entry(10, None))
        .build()
        .unwrap();
    let (v, _) = Case::new(&root.der, &revoked, vec![&users]).agree(&["-crl_check"]);
    assert_eq!(v, Err(FailureReason::Revoked));
    let (v, _) = Case::new(&root.der, &good, vec![&users]).agree(&["-crl_check"]);
    assert_eq!(v, Ok(()));
    // A CRL for CA certificates only says nothing of a leaf.
    let cas = root
        .crl(1)
        .with_issuing_distribution_point(scoped(false, true))
        .build()
        .unwrap();
    let (v, _) = Case::new(&root.der, &good, vec![&cas]).agree(&["-crl_check"]);
    assert_eq!(v, Err(FailureReason::RevocationStatusUnknown));
}

#[test]
fn a_chain_with_ca_only_and_user_only_crls() {
    if !openssl() {
        return;
    }
    let root = root("Chain Root");
    let ica = intermediate(&root, "Issuing CA", 20);
    let device = leaf(&ica, "device", 10);
    // The root's CRL covers its CAs; the intermediate's its users.
    let root_cas = |revoke_ica: bool| {
        let b = root
            .crl(1)
            .with_issuing_distribution_point(scoped(false, true));
        let b = if revoke_ica {
            b.with_entry(entry(20, Some(RevocationReason::CaCompromise)))
        } else {
            b
        };
        b.build().unwrap()
    };
    let ica_users = ica
        .crl(1)
        .with_issuing_distribution_point(scoped(true, false))
        .build()
        .unwrap();
    let fine = root_cas(false);
    let mut case = Case::new(&root.der, &device, vec![&fine, &ica_users]);
    case.intermediates = vec![&ica.der];
    let (v, _) = case.agree(&["-crl_check_all"]);
    assert_eq!(v, Ok(()));
    let bad = root_cas(true);
    case.crls = vec![&bad, &ica_users];
    let (v, _) = case.agree(&["-crl_check_all"]);
    assert_eq!(v, Err(FailureReason::Revoked));
    // The root's CRL for users only leaves the intermediate without a CRL.
    let root_users = root
        .crl(1)
        .with_issuing_distribution_point(scoped(true, false))
        .build()
        .unwrap();
    case.crls = vec![&root_users, &ica_users];
    let (v, _) = case.agree(&["-crl_check_all"]);
    assert_eq!(v, Err(FailureReason::RevocationStatusUnknown));
}

#[test]
fn the_crls_point_must_be_one_of_the_certificates() {
    if !openssl() {
        return;
    }
    let root = root("Point Root");
    let url = "http://crl.example.com/users.crl";
    let plain = leaf(&root, "device", 10);
    let pointed = with_points(
        &root,
        &plain,
        &[Point {
            uris: &[url],
            ..Point::default()
        }],
    );
    let crl_at = |uri: &str, revoke: bool| {
        let b = root.crl(1).with_issuing_distribution_point(at_point(uri));
        let b = if revoke {
            b.with_entry(entry(10, None))
        } else {
            b
        };
        b.build().unwrap()
    };
    // The same point: covered.
    let same = crl_at(url, false);
    let (v, _) = Case::new(&root.der, &pointed, vec![&same]).agree(&["-crl_check"]);
    assert_eq!(v, Ok(()));
    let same_revoked = crl_at(url, true);
    let (v, _) = Case::new(&root.der, &pointed, vec![&same_revoked]).agree(&["-crl_check"]);
    assert_eq!(v, Err(FailureReason::Revoked));
    // Another point: the certificate has no CRL.
    let other = crl_at("http://crl.example.com/other.crl", true);
    let (v, _) = Case::new(&root.der, &pointed, vec![&other]).agree(&["-crl_check"]);
    assert_eq!(v, Err(FailureReason::RevocationStatusUnknown));
    // A certificate naming no point is not covered by a CRL that names one.
    let (v, _) = Case::new(&root.der, &plain, vec![&same]).agree(&["-crl_check"]);
    assert_eq!(v, Err(FailureReason::RevocationStatusUnknown));
    // A complete CRL (no issuingDistributionPoint) covers a certificate with points.
    let complete = root.crl(1).with_entry(entry(10, None)).build().unwrap();
    let (v, _) = Case::new(&root.der, &pointed, vec![&complete]).agree(&["-crl_check"]);
    assert_eq!(v, Err(FailureReason::Revoked));
}

#[test]
fn crls_partitioned_by_reason_cover_together() {
    if !openssl() {
        return;
    }
    let root = root("Reasons Root");
    let device = leaf(&root, "device", 10);
    let other = leaf(&root, "other", 11);
    use RevocationReason::*;
    let compromise = [KeyCompromise, CaCompromise, AaCompromise];
    let rest = [
        AffiliationChanged,
        Superseded,
        CessationOfOperation,
        CertificateHold,
        PrivilegeWithdrawn,
    ];
    let part = |number: u64, list: &[RevocationReason], revoke: bool| {
        let b = root
            .crl(number)
            .with_issuing_distribution_point(reasons(list));
        let b = if revoke {
            b.with_entry(entry(11, Some(KeyCompromise)))
        } else {
            b
        };
        b.build().unwrap()
    };
    let a = part(1, &compromise, true);
    let b = part(2, &rest, false);
    // OpenSSL reads onlySomeReasons only with -extended_crl.
    let flags = ["-crl_check", "-extended_crl"];
    let (v, _) = Case::new(&root.der, &device, vec![&a, &b]).agree(&flags);
    assert_eq!(v, Ok(()));
    let (v, _) = Case::new(&root.der, &other, vec![&a, &b]).agree(&flags);
    assert_eq!(v, Err(FailureReason::Revoked));
    // One part alone leaves reasons uncovered: unknown, but its entries still revoke.
    let (v, _) = Case::new(&root.der, &device, vec![&a]).agree(&flags);
    assert_eq!(v, Err(FailureReason::RevocationStatusUnknown));
    let (v, _) = Case::new(&root.der, &other, vec![&a]).agree(&flags);
    assert_eq!(v, Err(FailureReason::Revoked));
    let mut allowed = Case::new(&root.der, &device, vec![&a]);
    allowed.policy = RevocationPolicy::default()
        .with_unknown_status(certgate_verify::UnknownStatusPolicy::Allow);
    assert_eq!(allowed.certgate(), Ok(()));
}

#[test]
fn a_point_for_some_reasons_needs_crls_for_the_others() {
    if !openssl() {
        return;
    }
    let root = root("Point Reasons Root");
    let plain = leaf(&root, "device", 10);
    // The certificate's only point serves keyCompromise alone: a complete CRL then
    // covers it for that reason only (RFC 5280 6.3.3 (d)), and it stays unknown.
    let partial = with_points(
        &root,
        &plain,
        &[Point {
            uris: &["http://crl.example.com/kc.crl"],
            reasons: Some(KEY_COMPROMISE),
            ..Point::default()
        }],
    );
    let complete = root.crl(1).build().unwrap();
    let flags = ["-crl_check", "-extended_crl"];
    let (v, _) = Case::new(&root.der, &partial, vec![&complete]).agree(&flags);
    assert_eq!(v, Err(FailureReason::RevocationStatusUnknown));
    // With a second point for every reason it is covered: RFC 5280 runs §6.3.3 for
    // each point, and the complete CRL covers every reason through the second.
    // OpenSSL 3.0 stops at the first point the CRL matches (crl_crldp_check) and so
    // refuses it as "unable to get certificate CRL": a known departure.
    let both = with_points(
        &root,
        &plain,
        &[
            Point {
                uris: &["http://crl.example.com/kc.crl"],
                reasons: Some(KEY_COMPROMISE),
                ..Point::default()
            },
            Point {
                uris: &["http://crl.example.com/all.crl"],
                ..Point::default()
            },
        ],
    );
    let case = Case::new(&root.der, &both, vec![&complete]);
    assert_eq!(case.certgate(), Ok(()));
    let (ok, text) = case.openssl(&flags);
    assert!(
        !ok && text.contains("unable to get certificate CRL"),
        "{text}"
    );
}

#[test]
fn covered_only_while_a_crl_in_scope_is_current() {
    if !openssl() {
        return;
    }
    let root = root("Fresh Root");
    let device = leaf(&root, "device", 10);
    // The users' CRL is past its nextUpdate; a current CRL for CAs does not stand in.
    let stale_users = root
        .ca
        .crl(1, NOW - Duration::days(8), NOW - Duration::days(1))
        .with_issuing_distribution_point(scoped(true, false))
        .build()
        .unwrap();
    let current_cas = root
        .crl(2)
        .with_issuing_distribution_point(scoped(false, true))
        .build()
        .unwrap();
    let case = Case::new(&root.der, &device, vec![&stale_users, &current_cas]);
    let (v, text) = case.agree(&["-crl_check"]);
    assert!(matches!(v, Err(FailureReason::CrlExpired { .. })), "{v:?}");
    assert!(text.contains("CRL has expired"), "{text}");
    // With two days' grace it answers again.
    let mut graced = Case::new(&root.der, &device, vec![&stale_users, &current_cas]);
    graced.policy = RevocationPolicy::default().with_expiration(ExpirationPolicy::Grace(
        std::time::Duration::from_secs(2 * 86_400),
    ));
    assert_eq!(graced.certgate(), Ok(()));
}
