//! Name chaining (RFC 5280 7.1: a PrintableString issuer matches a UTF8String with
//! other case and spaces), what a relying party accepts though a CA should not write it
//! (a non-critical basicConstraints, unique identifiers, UTCTime years 50–99), a CA
//! certificate used as the leaf (a documented difference), and negative controls (a
//! wrong signature, an expired intermediate).

use std::path::Path;

use certgate_x509::CertView;

use super::case::Case;
use super::der_edit::{
    BASIC_CONSTRAINTS, PRINTABLE_STRING, Tbs, UTF8_STRING, cn_name, with_bad_signature,
};
use super::lab::{Ca, ca_profile, key, name, root};
use super::openssl_ca::{CA_EXTENSIONS, OpensslIssue, openssl_issue};

/// root → CA → leaf, as certgate-ca issues them.
fn plain() -> (Ca, Ca, Vec<u8>) {
    let root = root("Plain Root");
    let int = root.sub_ca(&name(None, "Plain CA"), &ca_profile(""), 2);
    let leaf = int.leaf(&name(None, "device one"), &[], 3);
    (root, int, leaf)
}

/// The CA's subject is PrintableString "Name Chain CA" (made by `openssl ca` with
/// `string_mask = default`); the leaf's issuer field is the UTF8String `leaf_issuer`,
/// written by certgate-ca from a twin of the CA (its key, that name).
fn name_chaining(dir: &Path, case: &'static str, leaf_issuer: &str) -> Case {
    let root = root("Name Chain Root");
    let int_key = key();
    std::fs::create_dir_all(dir).unwrap();
    let int_der = openssl_issue(
        dir,
        &root,
        &OpensslIssue {
            subject: "/CN=Name Chain CA",
            key: &int_key,
            string_mask: "default",
            extensions: CA_EXTENSIONS,
            serial: 2,
        },
    );
    let printable = cn_name(PRINTABLE_STRING, "Name Chain CA");
    assert!(
        int_der.windows(printable.len()).any(|w| w == printable),
        "openssl wrote the CA's name as PrintableString"
    );
    let twin_der = root.issue_der(&name(None, leaf_issuer), &int_key, &[], &ca_profile(""), 3);
    let twin = Ca::new(twin_der, int_key);
    let leaf = twin.leaf(&name(None, "device one"), &[], 4);
    let utf8 = cn_name(UTF8_STRING, leaf_issuer);
    assert!(
        leaf.windows(utf8.len()).any(|w| w == utf8),
        "UTF8String issuer"
    );
    Case::new(case, &root, &[&int_der], leaf)
}

pub(crate) fn cases(dir: &Path) -> Vec<Case> {
    let (root, int, leaf) = plain();
    let bc_not_critical = Tbs::of(&int.der)
        .with_criticality(BASIC_CONSTRAINTS, false)
        .signed_by(&root);
    let unique_ids = Tbs::of(&leaf)
        .with_unique_ids(&[0x11; 8], &[0x22; 8])
        .signed_by(&int);
    // A critical basicConstraints whose value is empty, and a critical keyUsage that is
    // no BIT STRING: malformed, not "no CA" or "no restriction" (the differential fuzz
    // target's first finding).
    let empty_bc = Tbs::of(&leaf)
        .with_critical_extension(BASIC_CONSTRAINTS, &[])
        .signed_by(&int);
    let bad_ku = Tbs::of(&leaf)
        .with_critical_extension(&[0x55, 0x1d, 0x0f], &[0x04, 0x01, 0x80])
        .signed_by(&int);
    let utc_1999_2049 = Tbs::of(&leaf)
        .with_utc_validity("990101000000Z", "491231235959Z")
        .signed_by(&int);
    // notAfter UTCTime 50 is 1950: expired (read as 2050, it would pass).
    let utc_not_after_1950 = Tbs::of(&leaf)
        .with_utc_validity("990101000000Z", "500101000000Z")
        .signed_by(&int);
    // The edits read back as meant in certgate-x509 (what the own validator reads).
    // BIT STRING contents: no unused bits, then the identifier.
    let view = CertView::parse(&unique_ids).unwrap();
    let (issuer_id, subject_id) = (
        [0, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11],
        [0, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22],
    );
    assert_eq!(
        (view.issuer_unique_id, view.subject_unique_id),
        (Some(&issuer_id[..]), Some(&subject_id[..]))
    );
    let view = CertView::parse(&utc_1999_2049).unwrap();
    // 1999-01-01T00:00:00Z and 2049-12-31T23:59:59Z.
    assert_eq!(
        (
            view.not_before.unix_seconds(),
            view.not_after.unix_seconds()
        ),
        (915_148_800, 2_524_607_999)
    );
    let view = CertView::parse(&bc_not_critical).unwrap();
    assert!(!view.extension(BASIC_CONSTRAINTS).unwrap().critical);
    // The CA's validity ended on 2026-01-01, before the clock; the leaf's did not.
    let expired_int = Tbs::of(&int.der)
        .with_utc_validity("250101000000Z", "260101000000Z")
        .signed_by(&root);
    let wrong_issuer_bytes = Tbs::of(&leaf)
        .with_issuer(cn_name(UTF8_STRING, "Plain CB"))
        .signed_by(&int);
    let renamed_subject = Tbs::of(&leaf)
        .with_subject(cn_name(UTF8_STRING, "device two"))
        .signed_by(&int);
    vec![
        Case::new("baseline-root-ca-leaf", &root, &[&int.der], leaf.clone()),
        // certgate-ca's chains pass OpenSSL's -x509_strict and certgate's Strict rules.
        Case::new("baseline-strict", &root, &[&int.der], leaf.clone()).strict(),
        Case::new(
            "baseline-re-signed-leaf",
            &root,
            &[&int.der],
            renamed_subject,
        ),
        name_chaining(
            &dir.join("printable"),
            "name-chaining-printable-vs-utf8-case-space",
            "name  CHAIN ca",
        ),
        name_chaining(
            &dir.join("other"),
            "name-chaining-other-name",
            "Name Chain CB",
        )
        .refused(),
        Case::new(
            "issuer-name-matches-no-ca",
            &root,
            &[&int.der],
            wrong_issuer_bytes,
        )
        .refused(),
        Case::new(
            "ca-basic-constraints-not-critical",
            &root,
            &[&bc_not_critical],
            leaf.clone(),
        ),
        // Criticality is the CA's duty: OpenSSL's -x509_strict and certgate's Strict
        // rules refuse it.
        Case::new(
            "ca-basic-constraints-not-critical-strict",
            &root,
            &[&bc_not_critical],
            leaf.clone(),
        )
        .strict()
        .refused(),
        Case::new("unique-identifiers", &root, &[&int.der], unique_ids),
        Case::new("leaf-empty-basic-constraints", &root, &[&int.der], empty_bc).refused(),
        Case::new(
            "leaf-key-usage-not-a-bit-string",
            &root,
            &[&int.der],
            bad_ku,
        )
        .refused(),
        Case::new("utctime-1999-to-2049", &root, &[&int.der], utc_1999_2049),
        Case::new(
            "utctime-not-after-1950-expired",
            &root,
            &[&int.der],
            utc_not_after_1950,
        )
        .refused(),
        // OpenSSL verifies a CA certificate as a leaf when no purpose is asked for;
        // certgate refuses a CA as the end entity whatever the usage (a client
        // certificate is never a CA's), as webpki does.
        Case::new("ca-certificate-as-leaf", &root, &[], int.der.clone())
            .any_usage()
            .differs(
                true,
                false,
                "certgate refuses a CA certificate as the end entity",
            ),
        // Negative controls: the matrix cannot pass by accepting everything.
        Case::new(
            "control-wrong-signature",
            &root,
            &[&int.der],
            with_bad_signature(&leaf),
        )
        .refused(),
        Case::new("control-expired-intermediate", &root, &[&expired_int], leaf).refused(),
    ]
}
