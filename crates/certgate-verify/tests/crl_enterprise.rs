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

/// Delta CRLs: OpenSSL uses them with -use_deltas, sets them aside as complete CRLs only
/// with -extended_crl, and looks for them only when the certificate or the base has
/// freshestCRL (certgate uses a loaded delta whatever told it where the delta was).
const DELTAS: [&str; 3] = ["-crl_check", "-extended_crl", "-use_deltas"];
const FRESHEST: &str = "http://crl.example.com/delta.crl";

#[test]
fn a_delta_crl_revokes_beside_its_base() {
    if !openssl() {
        return;
    }
    let root = root("Delta Root");
    let (a, b, c) = (
        leaf(&root, "a", 10),
        leaf(&root, "b", 11),
        leaf(&root, "c", 12),
    );
    let base = root
        .crl(1)
        .with_freshest_crl(FRESHEST)
        .with_entry(entry(10, Some(RevocationReason::KeyCompromise)))
        .build()
        .unwrap();
    let delta = root
        .crl(2)
        .with_delta_of(1)
        .with_entry(entry(11, Some(RevocationReason::Superseded)))
        .build()
        .unwrap();
    for (cert, expected) in [
        (&a, Err(FailureReason::Revoked)),
        (&b, Err(FailureReason::Revoked)),
        (&c, Ok(())),
    ] {
        let (v, _) = Case::new(&root.der, cert, vec![&base, &delta]).agree(&DELTAS);
        assert_eq!(v, expected);
    }
    // A delta without its base never counts alone.
    let (v, _) = Case::new(&root.der, &c, vec![&delta]).agree(&DELTAS);
    assert_eq!(v, Err(FailureReason::RevocationStatusUnknown));
    // A delta of a newer base than the one loaded does not apply.
    let ahead = root
        .crl(4)
        .with_delta_of(3)
        .with_entry(entry(11, None))
        .build()
        .unwrap();
    let (v, _) = Case::new(&root.der, &b, vec![&base, &ahead]).agree(&DELTAS);
    assert_eq!(v, Ok(()));
}

#[test]
fn remove_from_crl_in_a_delta_releases_a_hold() {
    if !openssl() {
        return;
    }
    let root = root("Hold Root");
    let held = leaf(&root, "held", 12);
    let base = root
        .crl(1)
        .with_freshest_crl(FRESHEST)
        .with_entry(entry(12, Some(RevocationReason::CertificateHold)))
        .build()
        .unwrap();
    let (v, _) = Case::new(&root.der, &held, vec![&base]).agree(&DELTAS);
    assert_eq!(v, Err(FailureReason::Revoked));
    let release = |number: u64| {
        root.crl(number)
            .with_delta_of(1)
            .with_entry(entry(12, Some(RevocationReason::RemoveFromCrl)))
            .build()
            .unwrap()
    };
    let released = release(2);
    let (v, _) = Case::new(&root.der, &held, vec![&base, &released]).agree(&DELTAS);
    assert_eq!(v, Ok(()));
    // A newer delta replaces an older one: put on hold again in delta 3, released in
    // delta 4.
    let hold_again = root
        .crl(3)
        .with_delta_of(1)
        .with_entry(entry(12, Some(RevocationReason::CertificateHold)))
        .build()
        .unwrap();
    let released_again = release(4);
    let (v, _) =
        Case::new(&root.der, &held, vec![&base, &released_again, &hold_again]).agree(&DELTAS);
    assert_eq!(v, Ok(()));
    // Which of several deltas of one base OpenSSL 3.0 uses depends on the order the
    // CRLs come in (get_delta_sk takes one that fits, not the newest); certgate takes
    // the newest by CRL Number whatever the order.
    for order in [
        vec![&base, &hold_again, &released_again],
        vec![&released_again, &hold_again, &base],
    ] {
        assert_eq!(Case::new(&root.der, &held, order).certgate(), Ok(()));
    }
    for order in [
        vec![&base, &hold_again, &released],
        vec![&released, &base, &hold_again],
    ] {
        let v = Case::new(&root.der, &held, order).certgate();
        assert_eq!(v, Err(FailureReason::Revoked));
    }
}

#[test]
fn the_delta_governs_freshness_while_in_force() {
    if !openssl() {
        return;
    }
    let root = root("Fresh Delta Root");
    let device = leaf(&root, "device", 10);
    let stale_base = root
        .ca
        .crl(1, NOW - Duration::days(8), NOW - Duration::days(1))
        .with_freshest_crl(FRESHEST)
        .build()
        .unwrap();
    let current_delta = root.crl(2).with_delta_of(1).build().unwrap();
    // RFC 5280 6.3.3 (a)(1)(i): past the base's nextUpdate, a current delta that
    // updates it answers; OpenSSL agrees.
    let (v, _) = Case::new(&root.der, &device, vec![&stale_base, &current_delta]).agree(&DELTAS);
    assert_eq!(v, Ok(()));
    // A current base with a stale delta: the delta is in force and past its nextUpdate,
    // so the status is stale (refused by default). OpenSSL 3.0 reads the delta's
    // entries but does not hold it to its nextUpdate (get_delta_sk only scores the
    // time): a known departure; both refuse when the stale delta lists the certificate.
    let base = root.crl(1).with_freshest_crl(FRESHEST).build().unwrap();
    let stale_delta = |revoke: bool| {
        let b = root
            .ca
            .crl(2, NOW - Duration::days(3), NOW - Duration::days(1))
            .with_delta_of(1);
        let b = if revoke {
            b.with_entry(entry(10, None))
        } else {
            b
        };
        b.build().unwrap()
    };
    let quiet = stale_delta(false);
    let case = Case::new(&root.der, &device, vec![&base, &quiet]);
    let v = case.certgate();
    assert!(matches!(v, Err(FailureReason::CrlExpired { .. })), "{v:?}");
    let (ok, text) = case.openssl(&DELTAS);
    assert!(ok, "{text}");
    let listing = stale_delta(true);
    let (v, text) = Case::new(&root.der, &device, vec![&base, &listing]).agree(&DELTAS);
    assert!(matches!(v, Err(FailureReason::CrlExpired { .. })), "{v:?}");
    assert!(text.contains("certificate revoked"), "{text}");
}

#[test]
fn a_delta_applies_without_freshest_crl_where_openssl_does_not_look() {
    if !openssl() {
        return;
    }
    let root = root("Quiet Delta Root");
    let device = leaf(&root, "device", 11);
    let base = root.crl(1).build().unwrap();
    let delta = root
        .crl(2)
        .with_delta_of(1)
        .with_entry(entry(11, None))
        .build()
        .unwrap();
    // Neither the certificate nor the base says where deltas are, so OpenSSL does not
    // use the one it was given; certgate uses every delta it holds for its base.
    let case = Case::new(&root.der, &device, vec![&base, &delta]);
    assert_eq!(case.certgate(), Err(FailureReason::Revoked));
    let (ok, text) = case.openssl(&DELTAS);
    assert!(ok, "{text}");
}

/// A CRL signed by a dedicated cRLSign certificate of the CA: OpenSSL finds the signer
/// among the untrusted certificates with -extended_crl.
const SIGNER: [&str; 2] = ["-crl_check", "-extended_crl"];

fn signed_crl(ca: &Ca, signer: &Signer) -> certgate_ca::Crl {
    ca.crl(1)
        .with_crl_signer(&signer.signer, &signer.key_id)
        .with_entry(entry(10, Some(RevocationReason::KeyCompromise)))
        .build()
        .unwrap()
}

#[test]
fn a_crl_from_a_dedicated_crl_signer_of_the_ca() {
    if !openssl() {
        return;
    }
    let root = root("Signing Root");
    let (revoked, good) = (leaf(&root, "revoked", 10), leaf(&root, "good", 11));
    let signer = crl_signer(&root, &root, "crl_signer", 30);
    let crl = signed_crl(&root, &signer);
    for (cert, expected) in [(&revoked, Err(FailureReason::Revoked)), (&good, Ok(()))] {
        let mut case = Case::new(&root.der, cert, vec![&crl]);
        case.signers = vec![&signer.der];
        let (v, _) = case.agree(&SIGNER);
        assert_eq!(v, expected);
    }
    // The same signer given among the store's issuers works the same way.
    let mut case = Case::new(&root.der, &revoked, vec![&crl]);
    case.intermediates = vec![&signer.der];
    assert_eq!(case.certgate(), Err(FailureReason::Revoked));
    // Without the signer's certificate the CRL cannot be checked: the store refuses it
    // at load, OpenSSL refuses the certificate.
    let case = Case::new(&root.der, &good, vec![&crl]);
    let err = case.store().unwrap_err();
    assert!(
        matches!(
            err,
            certgate_verify::VerifyError::CrlIssuer {
                problem: certgate_verify::CrlIssuerProblem::NotIssuedByKnownCertificate,
                ..
            }
        ),
        "{err}"
    );
    let (ok, text) = case.openssl(&SIGNER);
    assert!(!ok, "{text}");
}

#[test]
fn a_crl_signer_without_crl_sign_is_refused() {
    if !openssl() {
        return;
    }
    let root = root("No Sign Root");
    let good = leaf(&root, "good", 11);
    let signer = crl_signer(&root, &root, "no_crl_sign", 31);
    let crl = signed_crl(&root, &signer);
    let mut case = Case::new(&root.der, &good, vec![&crl]);
    case.signers = vec![&signer.der];
    let err = case.store().unwrap_err();
    assert!(
        matches!(
            err,
            certgate_verify::VerifyError::CrlIssuer {
                problem: certgate_verify::CrlIssuerProblem::NoCrlSign,
                ..
            }
        ),
        "{err}"
    );
    // OpenSSL sees the signer unfit ("[CRL path] ... unsuitable certificate purpose")
    // but the `openssl verify` command's callback carries on past that error in the CRL
    // signer's path and accepts: a departure of the tool, not of RFC 5280.
    let (ok, text) = case.openssl(&SIGNER);
    assert!(
        ok && text
            .contains("[CRL path] error 26 at 0 depth lookup: unsuitable certificate purpose"),
        "{text}"
    );
}

#[test]
fn a_crl_signer_must_be_issued_by_the_ca_and_valid() {
    if !openssl() {
        return;
    }
    let other = root("Other Root");
    let root = root("Delegating Root");
    let good = leaf(&root, "good", 11);
    // A certificate with the CA's name and cRLSign, issued by another (trusted) CA.
    let impostor = crl_signer(&root, &other, "crl_signer", 32);
    let crl = signed_crl(&root, &impostor);
    let mut case = Case::new(&root.der, &good, vec![&crl]);
    case.anchors.push(&other.der);
    case.signers = vec![&impostor.der];
    let (v, _) = case.agree(&SIGNER);
    assert_eq!(v, Err(FailureReason::RevocationStatusUnknown));
    // A signer of the CA's own, expired at the time of the check: its CRL does not
    // count. OpenSSL finds the signer expired ("[CRL path] ... certificate has expired")
    // and the `openssl verify` command's callback carries on past it (as past an
    // unsuitable purpose) and accepts.
    let expired = crl_signer(&root, &root, "expired_signer", 33);
    let crl = signed_crl(&root, &expired);
    let mut case = Case::new(&root.der, &good, vec![&crl]);
    case.signers = vec![&expired.der];
    assert_eq!(case.certgate(), Err(FailureReason::RevocationStatusUnknown));
    let (ok, text) = case.openssl(&SIGNER);
    assert!(
        ok && text.contains("[CRL path] error 10 at 0 depth lookup: certificate has expired"),
        "{text}"
    );
}

/// Indirect CRLs: a CRL authority of the root publishes the revocations of CAs A and B;
/// their certificates name it as the cRLIssuer of their distribution point. OpenSSL
/// reads indirect CRLs only with -extended_crl, and finds the authority's certificate
/// among the untrusted ones.
struct IndirectLab {
    root: Ca,
    a: Ca,
    b: Ca,
    authority: Ca,
}

fn indirect_lab() -> IndirectLab {
    let root = root("Indirect Root");
    IndirectLab {
        a: intermediate(&root, "Issuing CA A", 21),
        b: intermediate(&root, "Issuing CA B", 22),
        authority: intermediate(&root, "CRL Authority", 23),
        root,
    }
}

impl IndirectLab {
    /// A leaf of `ca` whose one point names the authority as its cRLIssuer.
    fn leaf(&self, ca: &Ca, cn: &str, serial: u8) -> Vec<u8> {
        let plain = leaf(ca, cn, serial);
        with_points(
            ca,
            &plain,
            &[Point {
                crl_issuer: Some(self.authority.name_der()),
                ..Point::default()
            }],
        )
    }

    /// The authority's indirect CRL: A's serial 10, then B's serial 11.
    fn crl(&self) -> certgate_ca::Crl {
        self.authority
            .crl(1)
            .with_issuing_distribution_point(IssuingDistributionPoint {
                indirect_crl: true,
                ..IssuingDistributionPoint::default()
            })
            .with_entry_of_issuer(entry(10, None), self.a.cert())
            .with_entry_of_issuer(entry(11, None), self.b.cert())
            .build()
            .unwrap()
    }

    /// A leaf-only case: the verifier knows A and B, the store the authority.
    fn case<'c>(&'c self, leaf: &'c [u8], crls: Vec<&'c certgate_ca::Crl>) -> Case<'c> {
        let mut case = Case::new(&self.root.der, leaf, crls);
        case.intermediates = vec![&self.a.der, &self.b.der];
        case.signers = vec![&self.authority.der];
        case.policy = RevocationPolicy::default()
            .with_depth(certgate_verify::RevocationCheckDepth::EndEntity);
        case
    }
}

const INDIRECT: [&str; 2] = ["-crl_check", "-extended_crl"];

#[test]
fn an_indirect_crl_revokes_by_issuer_and_serial() {
    if !openssl() {
        return;
    }
    let lab = indirect_lab();
    let crl = lab.crl();
    let any = lab.leaf(&lab.a, "device", 1);
    let store = lab.case(&any, vec![&crl]).store().unwrap();
    assert_eq!(store.revoked_count(), 2, "A's entry and B's");
    for (ca, serial, expected) in [
        (&lab.a, 10, Err(FailureReason::Revoked)),
        (&lab.a, 11, Ok(())),
        (&lab.b, 11, Err(FailureReason::Revoked)),
        (&lab.b, 10, Ok(())),
    ] {
        let leaf = lab.leaf(ca, "device", serial);
        let (v, text) = lab.case(&leaf, vec![&crl]).agree(&INDIRECT);
        assert_eq!(v, expected, "{} serial {serial}: {text}", ca.cn);
    }
}

#[test]
fn an_indirect_crl_serves_only_points_that_name_its_issuer() {
    if !openssl() {
        return;
    }
    let lab = indirect_lab();
    let crl = lab.crl();
    // A leaf of A without the point: the authority's CRL does not speak for it.
    let plain = leaf(&lab.a, "device", 10);
    let (v, _) = lab.case(&plain, vec![&crl]).agree(&INDIRECT);
    assert_eq!(v, Err(FailureReason::RevocationStatusUnknown));
    // The authority's certificate unknown: its CRL waits, unchecked, and counts for
    // nothing; OpenSSL cannot find the CRL's issuer either.
    let leaf = lab.leaf(&lab.a, "device", 12);
    let mut case = lab.case(&leaf, vec![&crl]);
    case.signers = Vec::new();
    let (v, _) = case.agree(&INDIRECT);
    assert_eq!(v, Err(FailureReason::RevocationStatusUnknown));
    // A CRL of the authority that is not indirect speaks for the authority's own
    // certificates only, not for those of A that name it.
    let direct = lab
        .authority
        .crl(2)
        .with_entry(entry(10, None))
        .build()
        .unwrap();
    let (v, _) = lab.case(&leaf, vec![&direct]).agree(&INDIRECT);
    assert_eq!(v, Err(FailureReason::RevocationStatusUnknown));
}
