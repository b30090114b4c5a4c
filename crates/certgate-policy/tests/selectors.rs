//! Every selector, matching and not; certificate selectors only for a certificate that
//! was presented, verified and not revoked.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_policy::{Identity, Note, Outcome, PolicySet, Reason, Request};
use certgate_verify::ClientCertInfo;
use certgate_x509::hex::lower as hex;
use common::{Pki, now, toml};

/// A single-policy set whose include is `rule` (a TOML inline table), with two service
/// tokens and a rule group.
fn with_rule(rule: &str) -> PolicySet {
    toml(&format!(
        r#"
[[service_tokens]]
name = "robot"
client_id = "robot.access"
client_secret = "correct horse"

[[service_tokens]]
name = "backup"
client_id = "backup.access"
client_secret_sha256 = "{backup}"

[[rule_groups]]
name = "prod-devices"
include = [{{ subject = {{ attribute = "OU", value = "Prod" }} }}]
require = [{{ ip = "10.0.0.0/8" }}]
exclude = [{{ common_name = "retired" }}]

[[applications]]
name = "app"
domains = ["app.example.com"]
[[applications.policies]]
name = "p"
decision = "non_identity"
include = [{rule}]
"#,
        backup = hex(&sha256(b"battery staple")),
    ))
}

fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

const DEVICE: &str = r#"{"CN": "dev-1", "hosts": ["dev.example.com", "dev@example.com",
  "spiffe://example.org/ns/prod/sa/web", "10.9.8.7"],
  "names": [{"C": "PT", "O": "Money App Test", "OU": "Prod"}, {"OU": "Lisboa Team"}]}"#;

struct Certs {
    valid: ClientCertInfo,
    unverified: ClientCertInfo,
    revoked: ClientCertInfo,
}

fn certs(pki: &Pki) -> Certs {
    let leaf = pki.leaf(DEVICE, &[0x0a, 0x0b]);
    let lost = pki.leaf(DEVICE, &[0x0c]);
    let revoked = pki.verify(&lost, &[0x0c]);
    assert!(revoked.revoked());
    Certs {
        valid: pki.valid(&leaf),
        unverified: ClientCertInfo::from_der(&leaf).unwrap(),
        revoked,
    }
}

/// Whether `rule` lets the valid certificate in. Checks on the way that it never lets the
/// same certificate in unverified or revoked, and that explain says whether the fields
/// alone would have matched.
fn cert_rule(c: &Certs, rule: &str) -> bool {
    let set = with_rule(rule);
    let req = |info| {
        Request::new("app.example.com", "/")
            .with_cert(info)
            .with_time(certgate_x509::Timestamp::from_unix_seconds(
                i64::try_from(now()).unwrap(),
            ))
    };
    let valid = set.decide(&req(&c.valid)).outcome == Outcome::Allow;
    for other in [&c.unverified, &c.revoked] {
        let d = set.decide(&req(other));
        assert_eq!(
            d.outcome,
            Outcome::Deny,
            "{rule} with {:?}",
            other.verdict()
        );
        assert!(
            matches!(d.reason, Reason::CertificateNotAccepted(_)),
            "{rule}: {:?}",
            d.reason
        );
        let e = set.explain(&req(other));
        match e.trace[0].include[0].note {
            // The revoked certificate has another serial and fingerprint.
            Some(Note::Certificate { fields_match, .. }) if other.revoked() => {
                let _ = fields_match;
            }
            Some(Note::Certificate { fields_match, .. }) => {
                assert_eq!(fields_match, valid, "{rule}")
            }
            n => panic!("{rule}: {n:?}"),
        }
    }
    valid
}

#[test]
fn certificate_selectors() {
    let pki = Pki::new();
    let c = certs(&pki);
    let fingerprint = c.valid.fingerprint_sha256().unwrap().to_hex();
    let spki = c.valid.spki_sha256().unwrap();
    let issuer = c.valid.issuer_rfc4514().unwrap();
    assert_eq!(
        issuer,
        "CN=Sam Money App,OU=Sam Projects,O=Money App Test,L=Lisboa,ST=Lisboa,C=PT"
    );
    let yes = [
        "{ certificate = true }".to_owned(),
        r#"{ common_name = "dev-1" }"#.into(),
        r#"{ subject = { attribute = "O", value = "Money App Test" } }"#.into(),
        r#"{ subject = { attribute = "OU", value = "Lisboa Team" } }"#.into(),
        r#"{ subject = { attribute = "ou", value = "Prod" } }"#.into(),
        r#"{ subject = { attribute = "2.5.4.6", value = "PT" } }"#.into(),
        r#"{ san_dns = "dev.example.com" }"#.into(),
        r#"{ san_dns = { exact = "DEV.example.com" } }"#.into(),
        r#"{ san_dns = { suffix = ".example.com" } }"#.into(),
        r#"{ san_dns = { glob = "*.example.com" } }"#.into(),
        r#"{ san_email = { exact = "dev@example.com" } }"#.into(),
        r#"{ san_email = { glob = "*@example.com" } }"#.into(),
        r#"{ san_uri = { exact = "spiffe://example.org/ns/prod/sa/web" } }"#.into(),
        r#"{ san_uri = { glob = "spiffe://example.org/ns/*/sa/web" } }"#.into(),
        r#"{ san_uri = { suffix = "/sa/web" } }"#.into(),
        format!(r#"{{ issuer = "{issuer}" }}"#),
        r#"{ issuer = "cn=Sam Money App, OU=Sam Projects, O=Money App Test, L=Lisboa, ST=Lisboa, C=PT" }"#.into(),
        r#"{ serial = "0a0b" }"#.into(),
        r#"{ serial = "00:0A:0B" }"#.into(),
        format!(r#"{{ fingerprint_sha256 = "{fingerprint}" }}"#),
        format!(r#"{{ spki_sha256 = "{}" }}"#, spki.to_hex()),
        format!(r#"{{ spki_sha256 = "{}" }}"#, base64(&spki.0)),
        r#"{ expiring_within = "31d" }"#.into(),
    ];
    for rule in &yes {
        assert!(cert_rule(&c, rule), "{rule} should match");
    }
    let no = [
        r#"{ common_name = "dev-2" }"#.to_owned(),
        r#"{ common_name = "DEV-1" }"#.into(),
        r#"{ subject = { attribute = "O", value = "Other" } }"#.into(),
        r#"{ subject = { attribute = "CN", value = "Prod" } }"#.into(),
        r#"{ san_dns = "other.example.com" }"#.into(),
        r#"{ san_dns = { glob = "*.other.com" } }"#.into(),
        r#"{ san_dns = { glob = "*.com" } }"#.into(),
        r#"{ san_email = { exact = "root@example.com" } }"#.into(),
        r#"{ san_uri = { glob = "spiffe://example.org/*" } }"#.into(),
        r#"{ san_uri = { exact = "SPIFFE://example.org/ns/prod/sa/web" } }"#.into(),
        r#"{ issuer = "CN=Sam Money App,OU=Sam Projects,O=Money App Test,L=Lisboa,C=PT" }"#.into(),
        r#"{ issuer = "CN=Sam Money App" }"#.into(),
        r#"{ serial = "0c" }"#.into(),
        format!(r#"{{ fingerprint_sha256 = "{}" }}"#, "00".repeat(32)),
        format!(r#"{{ spki_sha256 = "{}" }}"#, "11".repeat(32)),
        r#"{ expiring_within = "29d" }"#.into(),
    ];
    for rule in &no {
        assert!(!cert_rule(&c, rule), "{rule} should not match");
    }
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn allowed(set: &PolicySet, req: Request<'_>) -> bool {
    set.decide(&req).outcome == Outcome::Allow
}

#[test]
fn everyone_ip_and_method() {
    let r = Request::new("app.example.com", "/");
    assert!(allowed(&with_rule("{ everyone = true }"), r));
    let v4 = with_rule(r#"{ ip = "198.51.100.0/24" }"#);
    assert!(allowed(
        &v4,
        r.with_peer_ip("198.51.100.9".parse().unwrap())
    ));
    assert!(allowed(
        &v4,
        r.with_peer_ip("::ffff:198.51.100.9".parse().unwrap())
    ));
    assert!(!allowed(
        &v4,
        r.with_peer_ip("198.51.101.9".parse().unwrap())
    ));
    let e = v4.explain(&r);
    assert_eq!(e.trace[0].include[0].note, Some(Note::NoPeerIp));
    let v6 = with_rule(r#"{ ip = "2001:db8::/32" }"#);
    assert!(allowed(
        &v6,
        r.with_peer_ip("2001:db8:5::1".parse().unwrap())
    ));
    assert!(!allowed(
        &v6,
        r.with_peer_ip("2001:db9::1".parse().unwrap())
    ));
    let one = with_rule(r#"{ ip = "192.0.2.1" }"#);
    assert!(allowed(&one, r.with_peer_ip("192.0.2.1".parse().unwrap())));
    assert!(!allowed(&one, r.with_peer_ip("192.0.2.2".parse().unwrap())));
    let options = with_rule(r#"{ method = "OPTIONS" }"#);
    assert!(allowed(&options, r.with_method("options")));
    assert!(!allowed(&options, r));
}

#[test]
fn service_tokens_are_checked_by_id_and_secret() {
    let r = Request::new("app.example.com", "/");
    let robot = with_rule(r#"{ service_token = "robot" }"#);
    assert!(allowed(
        &robot,
        r.with_service_token("robot.access", "correct horse")
    ));
    assert!(!allowed(
        &robot,
        r.with_service_token("robot.access", "correct horse ")
    ));
    assert!(!allowed(&robot, r.with_service_token("robot.access", "")));
    assert!(!allowed(
        &robot,
        r.with_service_token("backup.access", "battery staple")
    ));
    assert!(!allowed(
        &robot,
        r.with_service_token("nobody", "correct horse")
    ));
    assert_eq!(
        robot.explain(&r).trace[0].include[0].note,
        Some(Note::NoServiceToken)
    );
    assert_eq!(
        robot
            .explain(&r.with_service_token("robot.access", "no"))
            .trace[0]
            .include[0]
            .note,
        Some(Note::ServiceTokenRejected)
    );
    // A secret configured as its SHA-256.
    let backup = with_rule(r#"{ service_token = "backup" }"#);
    assert!(allowed(
        &backup,
        r.with_service_token("backup.access", "battery staple")
    ));
    let any = with_rule("{ any_valid_service_token = true }");
    assert!(allowed(
        &any,
        r.with_service_token("robot.access", "correct horse")
    ));
    assert!(allowed(
        &any,
        r.with_service_token("backup.access", "battery staple")
    ));
    assert!(!allowed(
        &any,
        r.with_service_token("backup.access", "correct horse")
    ));
    assert!(!allowed(&any, r));
    // A token that is not configured never matches.
    let unknown = with_rule(r#"{ service_token = "ghost" }"#);
    assert!(!allowed(
        &unknown,
        r.with_service_token("robot.access", "correct horse")
    ));
    assert_eq!(
        unknown.explain(&r).trace[0].include[0].note,
        Some(Note::UnknownServiceToken)
    );
}

#[test]
fn identity_selectors_need_a_trusted_identity() {
    let r = Request::new("app.example.com", "/");
    let sam = Identity::new("Sam@Example.com", "otp")
        .unwrap()
        .with_groups(["finance", "admins"]);
    let cases = [
        (r#"{ email = "sam@example.com" }"#, true),
        (r#"{ email = "bob@example.com" }"#, false),
        (r#"{ email_domain = "example.com" }"#, true),
        (r#"{ email_domain = "@EXAMPLE.COM" }"#, true),
        (r#"{ email_domain = "sub.example.com" }"#, false),
        (r#"{ group = "admins" }"#, true),
        (r#"{ group = "Admins" }"#, false),
        (r#"{ auth_method = "otp" }"#, true),
        (r#"{ auth_method = "oidc" }"#, false),
    ];
    for (rule, expected) in cases {
        let set = with_rule(rule);
        assert_eq!(allowed(&set, r.with_identity(&sam)), expected, "{rule}");
        let d = set.decide(&r);
        assert_eq!(
            (d.outcome, d.reason),
            (Outcome::Deny, Reason::IdentityRequired),
            "{rule}"
        );
        assert_eq!(
            set.explain(&r).trace[0].include[0].note,
            Some(Note::NoIdentity)
        );
    }
}

#[test]
fn rule_groups_apply_their_own_include_require_exclude() {
    let pki = Pki::new();
    let prod = pki.valid(&pki.leaf(DEVICE, &[1]));
    let retired = pki.valid(&pki.leaf(&DEVICE.replace("dev-1", "retired"), &[2]));
    let set = with_rule(r#"{ rule_group = "prod-devices" }"#);
    let r = Request::new("app.example.com", "/");
    let inside = "10.1.2.3".parse().unwrap();
    assert!(allowed(&set, r.with_cert(&prod).with_peer_ip(inside)));
    assert!(!allowed(
        &set,
        r.with_cert(&prod)
            .with_peer_ip("192.0.2.1".parse().unwrap())
    ));
    assert!(!allowed(&set, r.with_cert(&retired).with_peer_ip(inside)));
    assert!(!allowed(&set, r.with_peer_ip(inside)));
    // The same group reused as an exclude elsewhere.
    let set = toml(
        r#"
[[rule_groups]]
name = "blocked"
include = [{ ip = "192.0.2.0/24" }]
[[applications]]
name = "a"
domains = ["a.example.com"]
[[applications.policies]]
name = "p"
decision = "allow"
include = [{ everyone = true }]
exclude = [{ rule_group = "blocked" }]
[[applications]]
name = "b"
domains = ["b.example.com"]
[[applications.policies]]
name = "p"
decision = "deny"
include = [{ rule_group = "blocked" }]
[[applications.policies]]
name = "q"
decision = "allow"
include = [{ everyone = true }]
"#,
    );
    let blocked = "192.0.2.7".parse().unwrap();
    let fine = "203.0.113.1".parse().unwrap();
    for host in ["a.example.com", "b.example.com"] {
        assert!(
            !allowed(&set, Request::new(host, "/").with_peer_ip(blocked)),
            "{host}"
        );
        assert!(
            allowed(&set, Request::new(host, "/").with_peer_ip(fine)),
            "{host}"
        );
    }
}

#[test]
fn identity_refuses_an_email_that_is_not_one_plain_address() {
    use certgate_policy::{EmailProblem, PolicyError};
    let long_local = format!("{}@example.com", "a".repeat(65));
    let long = format!("a@{}.com", "b".repeat(250));
    let cases: [(&str, EmailProblem); 14] = [
        ("bob@evil.com@example.com", EmailProblem::AtSigns),
        ("bob.example.com", EmailProblem::AtSigns),
        ("@example.com", EmailProblem::LocalPart),
        ("bob..x@example.com", EmailProblem::LocalPart),
        (&long_local, EmailProblem::LocalPart),
        ("bob@", EmailProblem::Domain),
        ("bob@localhost", EmailProblem::Domain),
        ("bob@-x.example.com", EmailProblem::Domain),
        ("bob@example..com", EmailProblem::Domain),
        ("bob smith@example.com", EmailProblem::Character),
        ("bob@example.com\n", EmailProblem::Character),
        ("\"bob@evil.com\"@example.com", EmailProblem::Character),
        ("", EmailProblem::Length),
        (&long, EmailProblem::Length),
    ];
    for (email, expected) in cases {
        match Identity::new(email, "otp") {
            Err(PolicyError::InvalidEmail { problem, .. }) => {
                assert_eq!(problem, expected, "{email:?}");
            }
            other => panic!("{email:?}: {other:?}"),
        }
    }
    for good in [
        "sam@example.com",
        "o'brien+tag@mail.example.co.uk",
        "x_y-z@a-b.io",
    ] {
        assert!(Identity::new(good, "otp").is_ok(), "{good}");
    }
}

#[test]
fn email_domain_cannot_be_fooled_by_a_second_at() {
    let set = with_rule(r#"{ email_domain = "example.com" }"#);
    let r = Request::new("app.example.com", "/");
    // The old reading took the domain after the last `@`; such an address is refused now.
    assert!(Identity::new("bob@evil.com@example.com", "otp").is_err());
    let bob = Identity::new("bob@evil.com", "otp").unwrap();
    assert_eq!(bob.email_domain(), Some("evil.com"));
    assert!(!allowed(&set, r.with_identity(&bob)));
}

#[test]
fn certificate_policy_selector() {
    use certgate_policy::PolicyConfig;
    use certgate_verify::PolicySets;
    use certgate_verify::danger::assert_policies;
    const P1: &str = "1.3.6.1.4.1.55555.1.1";
    const P2: &str = "1.3.6.1.4.1.55555.1.2";
    const ANY: &str = "2.5.29.32.0";
    let pki = Pki::new();
    let c = certs(&pki);
    let rule = |oid: &str| with_rule(&format!(r#"{{ policy = "{oid}" }}"#));
    fn req(info: &ClientCertInfo) -> Request<'_> {
        Request::new("app.example.com", "/").with_cert(info)
    }
    // The user-constrained set decides; the authorities-constrained one does not.
    let with = |authority: &[&str], user: &[&str]| {
        let sets = PolicySets::new(authority.iter().copied(), user.iter().copied());
        assert_policies(c.valid.clone(), sets)
    };
    let info = with(&[P1, P2], &[P2]);
    assert!(allowed(&rule(P2), req(&info)));
    assert!(!allowed(&rule(P1), req(&info)));
    // Matched exactly: anyPolicy in the set is not every policy.
    let any = with(&[ANY], &[ANY]);
    assert!(!allowed(&rule(P1), req(&any)));
    assert!(allowed(&rule(ANY), req(&any)));
    // A verified certificate whose path asserts no policy has empty sets: no match.
    assert!(
        c.valid
            .policies()
            .is_some_and(|p| p.user_constrained.is_empty())
    );
    assert!(!allowed(&rule(P2), req(&c.valid)));
    // Sets on an unverified or revoked certificate are not reported: no match, and
    // explain says the fields would not have matched (the sets belong to a verified
    // path, not to the certificate).
    for other in [&c.unverified, &c.revoked] {
        let other = assert_policies(other.clone(), PolicySets::new([P2], [P2]));
        let set = rule(P2);
        let d = set.decide(&req(&other));
        assert_eq!(d.outcome, Outcome::Deny);
        assert!(matches!(d.reason, Reason::CertificateNotAccepted(_)));
        match set.explain(&req(&other)).trace[0].include[0].note {
            Some(Note::Certificate { fields_match, .. }) => assert!(!fields_match),
            ref n => panic!("{n:?}"),
        }
    }
    // The same rule in JSON.
    let json = format!(
        r#"{{"applications": [{{"name": "app", "domains": ["app.example.com"], "policies": [
            {{"name": "p", "decision": "non_identity", "include": [{{"policy": "{P2}"}}]}}]}}]}}"#
    );
    let set = PolicySet::new(PolicyConfig::from_json(&json, "p.json").unwrap()).unwrap();
    assert!(allowed(&set, req(&info)));
    let other = with(&[P1], &[P1]);
    assert!(!allowed(&set, req(&other)));
    // Under require, two policies may both hold (a set, not one value): no lint.
    let set = toml(&format!(
        r#"
[[applications]]
name = "app"
domains = ["app.example.com"]
[[applications.policies]]
name = "p"
decision = "non_identity"
include = [{{ certificate = true }}]
require = [{{ policy = "{P1}" }}, {{ policy = "{P2}" }}]
"#
    ));
    let both = with(&[P1, P2], &[P1, P2]);
    assert!(allowed(&set, req(&both)));
    assert!(!allowed(&set, req(&info)));
    assert!(
        set.lint().iter().all(|l| !l.message.contains("policy")),
        "{:?}",
        set.lint()
    );
}
