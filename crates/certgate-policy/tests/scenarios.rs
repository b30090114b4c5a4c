//! Scenarios from the seeds: seed 000's "only certificates from my CA", seed 002's
//! "Common Name" and "Valid Certificate" options, seed 004's policy chain, and the
//! issue's Access JSON example.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_policy::{
    CertificateStatus, Identity, Outcome, PolicyConfig, PolicyDecision, PolicySet, Reason, Request,
    ServiceToken, SessionDuration, TokenSecret,
};
use certgate_verify::ClientCertInfo;
use common::{Pki, forged, impostor, now, toml};

/// Seed 000: a Non Identity policy with "Valid Certificate" on the money app's host,
/// sessions that expire immediately.
const SEED_000: &str = r#"
[[applications]]
name = "money"
domains = ["money.example.com"]
session_duration = "0s"

[[applications.policies]]
name = "my devices"
decision = "non_identity"
include = [{ certificate = true }]
"#;

#[test]
fn seed_000_only_certificates_from_my_ca() {
    let pki = Pki::new();
    let set = toml(SEED_000);
    let iphone = pki.valid(
        &pki.leaf(
            common::ROOT_CSR
                .replace("Sam Money App", "Rhea Group")
                .as_str(),
            &[7],
        ),
    );
    let d = set.decide(&Request::new("money.example.com", "/").with_cert(&iphone));
    assert_eq!(d.outcome, Outcome::Allow);
    assert_eq!(d.application, Some("money"));
    assert_eq!(d.policy, Some("my devices"));
    assert_eq!(d.decision, Some(PolicyDecision::NonIdentity));
    assert_eq!(d.rule, Some("include[0] certificate"));
    assert_eq!(
        d.session_duration,
        Some(SessionDuration::ExpiresImmediately)
    );

    // No certificate: denied, and the reason says so.
    let d = set.decide(&Request::new("money.example.com", "/"));
    assert_eq!(d.outcome, Outcome::Deny);
    assert_eq!(
        d.reason,
        Reason::CertificateNotAccepted(CertificateStatus::NotPresented)
    );

    // A self-signed certificate with the same subject matches nothing.
    let fake = impostor(&pki, "Rhea Group");
    assert!(!fake.verified());
    let d = set.decide(&Request::new("money.example.com", "/").with_cert(&fake));
    assert_eq!(d.outcome, Outcome::Deny);
    assert!(matches!(
        d.reason,
        Reason::CertificateNotAccepted(CertificateStatus::Refused(_))
    ));
    // Nor does one from a forged root with my root's name: its signature does not verify.
    let fake = forged(&pki, "Rhea Group");
    let d = set.decide(&Request::new("money.example.com", "/").with_cert(&fake));
    assert_eq!(d.outcome, Outcome::Deny);
    assert_eq!(
        d.reason,
        Reason::CertificateNotAccepted(CertificateStatus::Refused("bad-signature"))
    );

    // Revoked on the root's CRL.
    let lost = pki.leaf_cn("Rhea Group", 9);
    let revoked = pki.verify(&lost, &[9]);
    assert!(revoked.revoked());
    let d = set.decide(&Request::new("money.example.com", "/").with_cert(&revoked));
    assert_eq!(d.outcome, Outcome::Deny);
    assert_eq!(
        d.reason,
        Reason::CertificateNotAccepted(CertificateStatus::Revoked)
    );

    // Presented but never verified.
    let raw = ClientCertInfo::from_der(&lost).unwrap();
    let d = set.decide(&Request::new("money.example.com", "/").with_cert(&raw));
    assert_eq!(
        d.reason,
        Reason::CertificateNotAccepted(CertificateStatus::NotVerified)
    );

    // Another host is not the money app's: fail closed.
    let d = set.decide(&Request::new("other.example.com", "/").with_cert(&iphone));
    assert_eq!(
        (d.outcome, d.reason),
        (Outcome::Deny, Reason::NoApplication)
    );
}

#[test]
fn seed_002_common_name_and_valid_certificate_options() {
    let pki = Pki::new();
    let james = pki.valid(&pki.leaf_cn("James Royal", 2));
    let other = pki.valid(&pki.leaf_cn("Someone Else", 3));
    let fake_james = forged(&pki, "James Royal");
    let self_signed_james = impostor(&pki, "James Royal");
    let app = |include: &str| {
        toml(&format!(
            r#"[[applications]]
name = "iot"
domains = ["auth.example.com"]
session_duration = "0s"
[[applications.policies]]
name = "mtls"
decision = "non_identity"
include = [{include}]"#
        ))
    };
    let cn = app(r#"{ common_name = "James Royal" }"#);
    let valid = app("{ certificate = true }");
    let both = app(r#"{ common_name = "James Royal" }, { certificate = true }"#);
    let outcome = |set: &PolicySet, info: &ClientCertInfo| {
        set.decide(&Request::new("auth.example.com", "/").with_cert(info))
            .outcome
    };
    // Common Name: only that name.
    assert_eq!(outcome(&cn, &james), Outcome::Allow);
    assert_eq!(outcome(&cn, &other), Outcome::Deny);
    // Valid Certificate: any certificate of the root.
    assert_eq!(outcome(&valid, &james), Outcome::Allow);
    assert_eq!(outcome(&valid, &other), Outcome::Allow);
    // Both options: either.
    assert_eq!(outcome(&both, &other), Outcome::Allow);
    // None of them lets an impostor with the right name in, and explain says why.
    for set in [&cn, &valid, &both] {
        assert_eq!(outcome(set, &fake_james), Outcome::Deny);
        assert_eq!(outcome(set, &self_signed_james), Outcome::Deny);
    }
    let e = cn.explain(&Request::new("auth.example.com", "/").with_cert(&fake_james));
    assert_eq!(e.certificate, CertificateStatus::Refused("bad-signature"));
    let note = e.trace[0].include[0].note.unwrap();
    assert_eq!(
        note.to_string(),
        "the client certificate was refused (bad-signature); its fields would match"
    );
    assert!(e.to_string().contains("refused (bad-signature)"), "{e}");
    // Without a certificate: 403, as curl -sv shows in the seed.
    assert_eq!(
        cn.decide(&Request::new("auth.example.com", "/")).outcome,
        Outcome::Deny
    );
}

/// Seed 004's recommended order: Service Auth with a valid certificate of CN my-laptop,
/// then Bypass for enrolled WARP devices (here: their address range), then Allow behind a
/// login.
const SEED_004: &str = r#"
[[applications]]
name = "services"
domains = ["*.example.com"]
session_duration = "24h"

[[applications.policies]]
name = "mtls"
decision = "non_identity"
include = [{ common_name = "my-laptop" }]
require = [{ certificate = true }]

[[applications.policies]]
name = "warp"
decision = "bypass"
include = [{ ip = "100.96.0.0/12" }]

[[applications.policies]]
name = "login"
decision = "allow"
include = [{ email_domain = "example.com" }]
"#;

#[test]
fn seed_004_policy_chain() {
    let pki = Pki::new();
    let set = toml(SEED_004);
    let laptop = pki.valid(&pki.leaf_cn("my-laptop", 4));
    let phone = pki.valid(&pki.leaf_cn("my-phone", 5));
    let sam = Identity::new("sam@example.com", "otp").unwrap();
    let host = "jellyfin.example.com";

    let d = set.decide(&Request::new(host, "/").with_cert(&laptop));
    assert_eq!((d.outcome, d.policy), (Outcome::Allow, Some("mtls")));
    assert_eq!(d.decision, Some(PolicyDecision::NonIdentity));
    // Service auth comes first, even for a request that would also be bypassed.
    let warp_ip = "100.96.1.2".parse().unwrap();
    let d = set.decide(
        &Request::new(host, "/")
            .with_cert(&laptop)
            .with_peer_ip(warp_ip),
    );
    assert_eq!(d.policy, Some("mtls"));
    let d = set.decide(&Request::new(host, "/").with_peer_ip(warp_ip));
    assert_eq!((d.outcome, d.policy), (Outcome::Bypass, Some("warp")));
    // Another certificate falls through to the login.
    let d = set.decide(
        &Request::new(host, "/")
            .with_cert(&phone)
            .with_identity(&sam),
    );
    assert_eq!((d.outcome, d.policy), (Outcome::Allow, Some("login")));
    // Nothing at all: a login would be needed.
    let d = set.decide(&Request::new(host, "/").with_peer_ip("203.0.113.9".parse().unwrap()));
    assert_eq!(
        (d.outcome, d.reason),
        (Outcome::Deny, Reason::IdentityRequired)
    );
    // The wildcard covers one level only; the apex is not covered.
    assert_eq!(
        set.decide(&Request::new("example.com", "/")).reason,
        Reason::NoApplication
    );
    assert_eq!(
        set.decide(&Request::new("a.b.example.com", "/")).reason,
        Reason::NoApplication
    );
    // An impostor laptop gets the login, not service auth.
    let fake = forged(&pki, "my-laptop");
    let e = set.explain(&Request::new(host, "/").with_cert(&fake));
    assert_eq!(e.decision.outcome, Outcome::Deny);
    assert_eq!(
        e.decision.reason,
        Reason::CertificateNotAccepted(CertificateStatus::Refused("bad-signature"))
    );
    let names: Vec<_> = e.trace.iter().map(|p| p.policy).collect();
    assert_eq!(names, ["mtls", "warp", "login"]);
}

/// The issue's example, in Cloudflare Access API JSON.
pub const ISSUE_EXAMPLE: &str = r#"[{"name": "money", "domain": "money.example.com", "session_duration": "0s",
  "policies": [
    {"name": "laptop", "decision": "non_identity", "precedence": 1,
     "include": [{"common_name": {"common_name": "my-laptop"}}]},
    {"name": "robots", "decision": "non_identity", "precedence": 2,
     "include": [{"any_valid_service_token": {}}]},
    {"name": "staff", "decision": "allow", "precedence": 3,
     "include": [{"email_domain": {"domain": "example.com"}}],
     "require": [{"certificate": {}}], "exclude": [{"ip": {"ip": "198.51.100.0/24"}}]}]}]"#;

#[test]
fn the_issue_example() {
    let pki = Pki::new();
    let mut config = PolicyConfig::from_access_json(ISSUE_EXAMPLE, "example.json").unwrap();
    let names: Vec<_> = config.applications[0]
        .policies
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["laptop", "robots", "staff"]);
    assert_eq!(
        config.applications[0].session_duration,
        SessionDuration::ExpiresImmediately
    );
    // Access exports carry no token secrets; the caller adds its tokens.
    config.service_tokens.push(ServiceToken::new(
        "backup-robot",
        "robot.access",
        TokenSecret::Plain("s3cret".into()),
    ));
    let set = PolicySet::new(config).unwrap();
    let host = "money.example.com";
    let laptop = pki.valid(&pki.leaf_cn("my-laptop", 10));
    let work = pki.valid(&pki.leaf_cn("bob-desktop", 11));
    let bob = Identity::new("bob@example.com", "oidc").unwrap();

    let d = set.decide(&Request::new(host, "/").with_cert(&laptop));
    assert_eq!((d.outcome, d.policy), (Outcome::Allow, Some("laptop")));
    let d = set.decide(&Request::new(host, "/api").with_service_token("robot.access", "s3cret"));
    assert_eq!((d.outcome, d.policy), (Outcome::Allow, Some("robots")));
    let d = set.decide(&Request::new(host, "/api").with_service_token("robot.access", "s3creT"));
    assert_eq!(d.outcome, Outcome::Deny);

    let office = "203.0.113.5".parse().unwrap();
    let blocked = "198.51.100.7".parse().unwrap();
    let staff = |ip, cert: Option<&ClientCertInfo>| {
        let mut r = Request::new(host, "/").with_identity(&bob).with_peer_ip(ip);
        if let Some(c) = cert {
            r = r.with_cert(c);
        }
        set.decide(&r)
    };
    let d = staff(office, Some(&work));
    assert_eq!((d.outcome, d.policy), (Outcome::Allow, Some("staff")));
    assert_eq!(d.rule, Some("include[0] email_domain \"example.com\""));
    let d = staff(blocked, Some(&work));
    assert_eq!(
        (d.outcome, d.reason),
        (Outcome::Deny, Reason::NoPolicyMatched)
    );
    // Without a certificate the laptop policy could still match (with my-laptop's), so
    // the reason names the certificate; the excluded staff policy does not count.
    assert_eq!(
        staff(blocked, None).reason,
        Reason::CertificateNotAccepted(CertificateStatus::NotPresented)
    );
    let d = staff(office, None);
    assert_eq!(d.outcome, Outcome::Deny);
    assert_eq!(
        d.reason,
        Reason::CertificateNotAccepted(CertificateStatus::NotPresented)
    );

    // The JSON trace names every policy tried and each rule's outcome.
    let e = set.explain(
        &Request::new(host, "/")
            .with_identity(&bob)
            .with_peer_ip(blocked)
            .with_cert(&work),
    );
    let json: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
    assert_eq!(json["outcome"], "deny");
    assert_eq!(json["trace"][2]["policy"], "staff");
    assert_eq!(json["trace"][2]["exclude"][0]["matched"], true);
    assert_eq!(json["trace"][2]["include"][0]["matched"], true);
    let _ = now();
}
