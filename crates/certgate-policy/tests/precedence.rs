//! Access's evaluation order, rule logic, and which application covers a request.

#![allow(clippy::unwrap_used)]

mod common;

use certgate_policy::{
    Outcome, PathProblem, PolicyConfig, PolicyError, PolicySet, Reason, Request,
};
use common::{Pki, toml};

fn decide<'p>(set: &'p PolicySet, req: Request<'_>) -> (Outcome, Option<&'p str>) {
    let d = set.decide(&req);
    (d.outcome, d.policy)
}

#[test]
fn service_auth_and_bypass_run_before_any_block() {
    // The block comes first in the file; Access still runs bypass and service auth first.
    let set = toml(
        r#"
[[applications]]
name = "app"
domains = ["app.example.com"]
[[applications.policies]]
name = "block"
decision = "deny"
include = [{ everyone = true }]
[[applications.policies]]
name = "office"
decision = "bypass"
include = [{ ip = "192.0.2.0/24" }]
[[applications.policies]]
name = "devices"
decision = "non_identity"
include = [{ certificate = true }]
"#,
    );
    let pki = Pki::new();
    let cert = pki.valid(&pki.leaf_cn("laptop", 2));
    let r = Request::new("app.example.com", "/");
    assert_eq!(
        decide(&set, r.with_peer_ip("192.0.2.5".parse().unwrap())),
        (Outcome::Bypass, Some("office"))
    );
    assert_eq!(
        decide(&set, r.with_cert(&cert)),
        (Outcome::Allow, Some("devices"))
    );
    assert_eq!(decide(&set, r), (Outcome::Deny, Some("block")));
    // The trace shows the order: bypass, service auth, then the block.
    let e = set.explain(&r);
    let order: Vec<_> = e.trace.iter().map(|p| p.policy).collect();
    assert_eq!(order, ["office", "devices", "block"]);
}

#[test]
fn within_each_pass_the_first_match_decides() {
    let set = toml(
        r#"
[[applications]]
name = "app"
domains = ["app.example.com"]
[[applications.policies]]
name = "allow-office"
decision = "allow"
include = [{ ip = "192.0.2.0/24" }]
[[applications.policies]]
name = "deny-lab"
decision = "deny"
include = [{ ip = "192.0.2.128/25" }]
[[applications.policies]]
name = "bypass-health"
decision = "bypass"
include = [{ method = "HEAD" }]
[[applications.policies]]
name = "service-health"
decision = "non_identity"
include = [{ method = "HEAD" }]
"#,
    );
    let r = Request::new("app.example.com", "/");
    let lab = "192.0.2.200".parse().unwrap();
    assert_eq!(
        decide(&set, r.with_peer_ip(lab)),
        (Outcome::Allow, Some("allow-office"))
    );
    assert_eq!(
        decide(&set, r.with_method("HEAD")),
        (Outcome::Bypass, Some("bypass-health"))
    );
    // No match is deny.
    let d = set.decide(&r.with_peer_ip("203.0.113.1".parse().unwrap()));
    assert_eq!(
        (d.outcome, d.policy, d.reason),
        (Outcome::Deny, None, Reason::NoPolicyMatched)
    );
}

#[test]
fn include_any_require_all_exclude_none() {
    let set = toml(
        r#"
[[applications]]
name = "app"
domains = ["app.example.com"]
[[applications.policies]]
name = "p"
decision = "allow"
include = [{ ip = "10.0.0.0/8" }, { ip = "192.0.2.0/24" }]
require = [{ method = "GET" }, { ip = "10.1.0.0/16" }]
exclude = [{ ip = "10.1.2.0/24" }, { ip = "10.1.3.4" }]
"#,
    );
    let at = |ip: &str, method: &str| {
        set.decide(
            &Request::new("app.example.com", "/")
                .with_method(method)
                .with_peer_ip(ip.parse().unwrap()),
        )
        .outcome
    };
    assert_eq!(at("10.1.9.9", "GET"), Outcome::Allow);
    assert_eq!(at("10.1.9.9", "POST"), Outcome::Deny); // a require fails
    assert_eq!(at("10.2.0.1", "GET"), Outcome::Deny); // the other require fails
    assert_eq!(at("10.1.2.3", "GET"), Outcome::Deny); // first exclude
    assert_eq!(at("10.1.3.4", "GET"), Outcome::Deny); // second exclude
    assert_eq!(at("192.0.2.1", "GET"), Outcome::Deny); // second include, require fails
}

const SPECIFIC: &str = r#"
[[applications]]
name = "site"
domains = ["example.com"]
[[applications.policies]]
name = "site"
decision = "allow"
include = [{ everyone = true }]

[[applications]]
name = "public"
domains = ["example.com/public"]
[[applications.policies]]
name = "public"
decision = "bypass"
include = [{ everyone = true }]

[[applications]]
name = "public-admin"
domains = ["example.com/public/admin"]
[[applications.policies]]
name = "admins"
decision = "allow"
include = [{ group = "admins" }]

[[applications]]
name = "api-admin"
domains = ["example.com/api/*/admin"]
[[applications.policies]]
name = "api-admin"
decision = "deny"
include = [{ everyone = true }]

[[applications]]
name = "api-v1"
domains = ["example.com/api/v1"]
[[applications.policies]]
name = "api-v1"
decision = "allow"
include = [{ everyone = true }]

[[applications]]
name = "subdomains"
domains = ["*.example.com"]
[[applications.policies]]
name = "subdomains"
decision = "allow"
include = [{ everyone = true }]

[[applications]]
name = "apps"
domains = ["app-*.example.com"]
[[applications.policies]]
name = "apps"
decision = "allow"
include = [{ everyone = true }]

[[applications]]
name = "www"
domains = ["www.example.com/docs"]
[[applications.policies]]
name = "www"
decision = "bypass"
include = [{ everyone = true }]

[[applications]]
name = "deep"
domains = ["*.b.example.com", "a.*.example.com"]
[[applications.policies]]
name = "deep"
decision = "allow"
include = [{ everyone = true }]
"#;

#[test]
fn the_most_specific_application_wins_and_nothing_is_inherited() {
    let set = toml(SPECIFIC);
    let app = |host: &str, path: &str| set.decide(&Request::new(host, path)).application;
    assert_eq!(app("example.com", "/"), Some("site"));
    assert_eq!(app("example.com", "/publicity"), Some("site"));
    assert_eq!(app("example.com", "/public"), Some("public"));
    assert_eq!(app("example.com", "/public/"), Some("public"));
    assert_eq!(app("example.com", "/public/x/y?z"), Some("public"));
    assert_eq!(
        app("example.com", "/public/admin/users"),
        Some("public-admin")
    );
    // A longer pattern beats a shorter one; at equal length an exact segment beats `*`.
    assert_eq!(app("example.com", "/api/v1/admin"), Some("api-admin"));
    assert_eq!(app("example.com", "/api/v1/users"), Some("api-v1"));
    assert_eq!(app("example.com", "/api/v2/admin/x"), Some("api-admin"));
    assert_eq!(app("example.com", "/api/v2"), Some("site"));
    // Nothing is inherited: /public bypasses, /public/admin does not.
    assert_eq!(
        set.decide(&Request::new("example.com", "/public/x"))
            .outcome,
        Outcome::Bypass
    );
    let d = set.decide(&Request::new("example.com", "/public/admin"));
    assert_eq!(
        (d.outcome, d.reason),
        (Outcome::Deny, Reason::IdentityRequired)
    );
    // Paths are normalised before matching: no way around /public/admin.
    assert_eq!(
        app("example.com", "/public/x/../admin"),
        Some("public-admin")
    );
    assert_eq!(app("example.com", "/public/%61dmin"), Some("public-admin"));
    assert_eq!(app("example.com", "//public//admin/"), Some("public-admin"));
    let d = set.decide(&Request::new("example.com", "/public/admin%2Fx"));
    assert_eq!(d.reason, Reason::InvalidPath(PathProblem::Ambiguous));
    assert_eq!(d.outcome, Outcome::Deny);
    // Hosts: exact beats a partial label beats `*`; case, port and a final dot ignored.
    assert_eq!(app("APP-1.Example.com:8443", "/"), Some("apps"));
    assert_eq!(app("app.example.com.", "/"), Some("subdomains"));
    assert_eq!(app("a.b.example.com", "/"), Some("deep")); // two wildcard patterns, one app
    assert_eq!(app("x.y.z.example.com", "/"), None);
    // An exact host whose paths do not cover the request falls back to the wildcard.
    assert_eq!(app("www.example.com", "/docs/intro"), Some("www"));
    assert_eq!(app("www.example.com", "/blog"), Some("subdomains"));
    // Not covered at all: deny.
    let d = set.decide(&Request::new("example.org", "/"));
    assert_eq!(
        (d.outcome, d.reason, d.application),
        (Outcome::Deny, Reason::NoApplication, None)
    );
    assert_eq!(
        set.decide(&Request::new("", "/")).reason,
        Reason::InvalidHost
    );
}

#[test]
fn two_applications_cannot_claim_one_domain() {
    let config = PolicyConfig::from_toml(
        r#"
[[applications]]
name = "a"
domains = ["*.example.com/x"]
[[applications.policies]]
name = "p"
decision = "allow"
include = [{ everyone = true }]
[[applications]]
name = "b"
domains = ["*.EXAMPLE.com/x/"]
[[applications.policies]]
name = "p"
decision = "allow"
include = [{ everyone = true }]
"#,
        "dup.toml",
    )
    .unwrap();
    let err = PolicySet::new(config).unwrap_err();
    assert!(matches!(err, PolicyError::Inconsistent { .. }));
    assert_eq!(
        err.to_string(),
        "application `b`: domain \"*.EXAMPLE.com/x/\" is also application `a`'s"
    );
}
