//! Name constraints across the path (RFC 5280 4.2.1.10, 6.1.3 (b), (c), 6.1.4 (g)):
//! directoryName, URI (exact host, .domain), email in each shape (mailbox, host,
//! .domain; in the SAN and as emailAddress in the subject), DNS and IP, constraints on
//! two levels (CAs, and an anchor with a CA), and exclusions on an intermediate.

use std::path::Path;

use super::case::Case;
use super::lab::{Ca, ca_profile, key, name, reissued_root, root};
use super::openssl_ca::{CLIENT_EXTENSIONS, OpensslIssue, openssl_issue};

/// The leaf's common name: a space keeps OpenSSL from reading it as a host name under
/// DNS constraints (its CN-as-hostname check).
const DEVICE: &str = "device one";

/// root → CA constrained by `constraints` (the inside of `"name_constraints": {..}`).
fn constrained(constraints: &str) -> (Ca, Ca) {
    let root = root("Names Root");
    let profile = ca_profile(&format!(r#", "name_constraints": {{{constraints}}}"#));
    let int = root.sub_ca(&name(None, "Names CA"), &profile, 2);
    (root, int)
}

/// A case per leaf under one constrained CA: (case name, leaf O, leaf SANs, accepted).
fn under(constraints: &str, leaves: &[(&'static str, Option<&str>, &[&str], bool)]) -> Vec<Case> {
    let (root, int) = constrained(constraints);
    leaves
        .iter()
        .zip(3u8..)
        .map(|(&(case, o, hosts, accepted), serial)| {
            let leaf = int.leaf(&name(o, DEVICE), hosts, serial);
            let case = Case::new(case, &root, &[&int.der], leaf);
            if accepted { case } else { case.refused() }
        })
        .collect()
}

fn dns(name: &str) -> String {
    format!(r#""permitted_dns": ["{name}"]"#)
}

/// Leaves with emailAddress in the subject and no SAN, made by `openssl ca` (certgate-ca
/// writes no emailAddress attribute).
fn email_in_subject(dir: &Path) -> Vec<Case> {
    let (root, int) = constrained(r#""permitted_email": ["example.com"]"#);
    [
        ("nc-email-subject-in", "bob@example.com", true),
        ("nc-email-subject-out", "bob@other.example", false),
    ]
    .iter()
    .zip(20u8..)
    .map(|(&(case, email, accepted), serial)| {
        let dir = dir.join(case);
        std::fs::create_dir_all(&dir).unwrap();
        let leaf = openssl_issue(
            &dir,
            &int,
            &OpensslIssue {
                subject: &format!("/CN={DEVICE}/emailAddress={email}"),
                key: &key(),
                string_mask: "utf8only",
                extensions: CLIENT_EXTENSIONS,
                serial,
            },
        );
        let case = Case::new(case, &root, &[&int.der], leaf);
        if accepted { case } else { case.refused() }
    })
    .collect()
}

/// Two levels: `top` permits a.example (a CA, or the anchor itself), the CA below it
/// b.a.example and b.other.example.
fn two_levels(anchor_constrains: bool) -> Vec<Case> {
    let a = ca_profile(&format!(
        r#", "name_constraints": {{{}}}"#,
        dns("a.example")
    ));
    let b = ca_profile(
        r#", "name_constraints": {"permitted_dns": ["b.a.example", "b.other.example"],
                                  "excluded_dns": ["bad.b.a.example"]}"#,
    );
    let plain = root("Levels Root");
    let (anchor, upper) = if anchor_constrains {
        (reissued_root(&plain, "Levels Root", &a), None)
    } else {
        let upper = plain.sub_ca(&name(None, "Upper CA"), &a, 2);
        (plain, Some(upper))
    };
    let lower = upper
        .as_ref()
        .unwrap_or(&anchor)
        .sub_ca(&name(None, "Lower CA"), &b, 3);
    let mut ints: Vec<&[u8]> = vec![&lower.der];
    ints.extend(upper.as_ref().map(|u| u.der.as_slice()));
    let prefix = if anchor_constrains {
        "nc-anchor"
    } else {
        "nc-two-cas"
    };
    let leaves: [(&str, &str, bool); 4] = [
        ("in", "c.b.a.example", true),
        ("out-of-upper", "x.a.example", false),
        ("only-upper-refuses", "c.b.other.example", false),
        ("excluded-by-lower", "x.bad.b.a.example", false),
    ];
    leaves
        .iter()
        .zip(10u8..)
        .map(|(&(what, host, accepted), serial)| {
            let leaf = lower.leaf(&name(None, DEVICE), &[host], serial);
            let case = Case::new(format!("{prefix}-{what}"), &anchor, &ints, leaf);
            if accepted { case } else { case.refused() }
        })
        .collect()
}

pub(crate) fn cases(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(under(
        r#""permitted_dn": [{"O": "Matrix Org"}]"#,
        &[
            ("nc-dn-permitted-subject-in", Some("Matrix Org"), &[], true),
            ("nc-dn-permitted-subject-out", Some("Other Org"), &[], false),
        ],
    ));
    cases.extend(under(
        r#""excluded_dn": [{"O": "Bad Org"}]"#,
        &[
            ("nc-dn-excluded-subject-in", Some("Bad Org"), &[], false),
            ("nc-dn-excluded-subject-out", Some("Good Org"), &[], true),
        ],
    ));
    cases.extend(under(
        r#""permitted_uri": ["host.example"]"#,
        &[
            (
                "nc-uri-host-exact",
                None,
                &["https://host.example/app"],
                true,
            ),
            (
                "nc-uri-host-subdomain-out",
                None,
                &["https://www.host.example/app"],
                false,
            ),
        ],
    ));
    cases.extend(under(
        r#""permitted_uri": [".example.com"]"#,
        &[
            (
                "nc-uri-domain-subdomain-in",
                None,
                &["https://api.example.com/x"],
                true,
            ),
            (
                "nc-uri-domain-apex-out",
                None,
                &["https://example.com/x"],
                false,
            ),
        ],
    ));
    cases.extend(under(
        r#""permitted_email": ["alice@example.com"]"#,
        &[
            ("nc-email-mailbox-in", None, &["alice@example.com"], true),
            ("nc-email-mailbox-out", None, &["bob@example.com"], false),
        ],
    ));
    cases.extend(under(
        r#""permitted_email": ["example.com"]"#,
        &[
            ("nc-email-host-in", None, &["bob@example.com"], true),
            (
                "nc-email-host-subdomain-out",
                None,
                &["bob@mail.example.com"],
                false,
            ),
        ],
    ));
    cases.extend(under(
        r#""permitted_email": [".example.com"]"#,
        &[
            (
                "nc-email-domain-subdomain-in",
                None,
                &["bob@mail.example.com"],
                true,
            ),
            (
                "nc-email-domain-apex-out",
                None,
                &["bob@example.com"],
                false,
            ),
        ],
    ));
    cases.extend(email_in_subject(dir));
    cases.extend(under(
        r#""permitted_dns": ["example.org"], "excluded_dns": ["bad.example.org"]"#,
        &[
            ("nc-dns-in", None, &["www.example.org"], true),
            // A negative control: a leaf outside the permitted DNS names.
            (
                "nc-dns-outside-permitted",
                None,
                &["www.example.net"],
                false,
            ),
            (
                "nc-dns-excluded-on-intermediate",
                None,
                &["x.bad.example.org"],
                false,
            ),
        ],
    ));
    cases.extend(under(
        r#""permitted_ip": ["10.0.0.0/8"]"#,
        &[
            ("nc-ip-in", None, &["10.1.2.3"], true),
            ("nc-ip-out", None, &["192.168.1.1"], false),
        ],
    ));
    cases.extend(two_levels(false));
    cases.extend(two_levels(true));
    cases
}
