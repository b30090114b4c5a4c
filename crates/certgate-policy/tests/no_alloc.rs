//! `decide` does not allocate: counted with an instrumented global allocator.

#![allow(clippy::unwrap_used)]

mod common;

use std::alloc::System;

use certgate_policy::{Identity, OriginCase, Outcome, PathOptions, Request, RequestPath};
use common::{Pki, now, toml};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn decide_does_not_allocate() {
    let pki = Pki::new();
    let laptop = pki.valid(&pki.leaf(
        r#"{"CN": "my-laptop", "hosts": ["laptop.example.com", "spiffe://example.org/laptop"],
            "names": [{"O": "Money App Test", "OU": "Laptops"}]}"#,
        &[3],
    ));
    let issuer = laptop.issuer_rfc4514().unwrap();
    let set = toml(&format!(
        r#"
[[service_tokens]]
name = "robot"
client_id = "robot.access"
client_secret = "s3cret"

[[applications]]
name = "wild"
domains = ["*.example.com", "app-*.example.com/api/*/x"]
[[applications.policies]]
name = "deny-lab"
decision = "deny"
include = [{{ ip = "192.0.2.0/24" }}]
[[applications.policies]]
name = "robots"
decision = "non_identity"
include = [{{ service_token = "robot" }}]
[[applications.policies]]
name = "devices"
decision = "non_identity"
include = [{{ san_uri = {{ glob = "spiffe://example.org/*" }} }}]
require = [{{ issuer = "{issuer}" }}, {{ subject = {{ attribute = "OU", value = "Laptops" }} }}, {{ serial = "03" }}]
exclude = [{{ expiring_within = "1d" }}, {{ common_name = "retired" }}]
[[applications.policies]]
name = "staff"
decision = "allow"
include = [{{ email_domain = "example.com" }}, {{ group = "staff" }}]
"#
    ));
    let sam = Identity::new("sam@example.com", "otp")
        .unwrap()
        .with_groups(["staff"]);
    let ip = "203.0.113.4".parse().unwrap();
    let insensitive = PathOptions::new().with_origin_case(OriginCase::Insensitive);
    let parsed = RequestPath::parse("/API/v2/x/../x?y", &insensitive).unwrap();
    // Encoding grows it past the short stack buffer: normalised again in the long one.
    let grows = format!("/{}", "|".repeat(200));
    let requests = [
        Request::new("money.example.com", "/")
            .with_cert(&laptop)
            .with_time(certgate_x509::Timestamp::from_unix_seconds(
                i64::try_from(now()).unwrap(),
            )),
        Request::new("APP-1.example.com:443", "/api/v2/x/../x?y")
            .with_peer_ip(ip)
            .with_identity(&sam),
        Request::new("a.example.com", "/").with_service_token("robot.access", "s3cret"),
        Request::new("a.example.com", "/").with_service_token("robot.access", "wrong"),
        Request::new("a.example.com", "/").with_peer_ip("192.0.2.1".parse().unwrap()),
        Request::new("nothing.example.org", "/"),
        Request::new("a.example.com", "/%2F"),
        Request::new("a.example.com", "/"),
        // A parsed path, matched ignoring case.
        Request::for_path("APP-1.example.com:443", &parsed)
            .with_peer_ip(ip)
            .with_identity(&sam),
        // Case unknown and an upper-case path: routed exactly and folded.
        Request::new("app-1.example.com", "/API/v2/x"),
        Request::new("a.example.com", &grows),
        Request::new("a.example.com", "/admin;"),
    ];
    let mut outcomes = Vec::with_capacity(requests.len());
    let region = Region::new(GLOBAL);
    for r in &requests {
        outcomes.push(set.decide(r).outcome);
    }
    let stats = region.change();
    assert_eq!(stats.allocations, 0, "{stats:?}");
    assert_eq!(stats.reallocations, 0, "{stats:?}");
    assert_eq!(
        outcomes,
        [
            Outcome::Allow,
            Outcome::Allow,
            Outcome::Allow,
            Outcome::Deny,
            Outcome::Deny,
            Outcome::Deny,
            Outcome::Deny,
            Outcome::Deny,
            Outcome::Allow,
            Outcome::Deny,
            Outcome::Deny,
            Outcome::Deny
        ]
    );
}
