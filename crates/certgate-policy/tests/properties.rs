//! Properties over random policies and requests: an exclude on an allow policy never
//! turns a deny into an allow; reordering allow and deny policies never changes a bypass
//! or service-auth decision.

#![allow(clippy::unwrap_used)]

use std::net::IpAddr;

use certgate_policy::{
    Application, Identity, Outcome, Policy, PolicyConfig, PolicyDecision, PolicySet, Request, Rule,
    ServiceToken, TokenSecret,
};
use proptest::prelude::*;

fn rule() -> impl Strategy<Value = Rule> {
    prop_oneof![
        Just(Rule::Everyone),
        prop::sample::select(vec![
            "10.0.0.0/8",
            "10.1.0.0/16",
            "192.0.2.0/24",
            "2001:db8::/32"
        ])
        .prop_map(|r| Rule::Ip(r.into())),
        prop::sample::select(vec!["GET", "POST", "HEAD"]).prop_map(|m| Rule::Method(m.into())),
        prop::sample::select(vec!["example.com", "example.org"])
            .prop_map(|d| Rule::EmailDomain(d.into())),
        prop::sample::select(vec!["staff", "admins"]).prop_map(|g| Rule::Group(g.into())),
        Just(Rule::AnyValidServiceToken),
        Just(Rule::ServiceToken("robot".into())),
        Just(Rule::ValidCertificate),
    ]
}

fn decision() -> impl Strategy<Value = PolicyDecision> {
    prop::sample::select(vec![
        PolicyDecision::Allow,
        PolicyDecision::Deny,
        PolicyDecision::Bypass,
        PolicyDecision::NonIdentity,
    ])
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        decision(),
        prop::collection::vec(rule(), 1..3),
        prop::collection::vec(rule(), 0..2),
        prop::collection::vec(rule(), 0..2),
    )
        .prop_map(|(decision, include, require, exclude)| {
            let mut rules = include.into_iter();
            let first = rules.next().expect("at least one include rule");
            let mut p = Policy::new("", decision, first);
            p.include.extend(rules);
            p.require = require;
            p.exclude = exclude;
            p
        })
}

fn policies() -> impl Strategy<Value = Vec<Policy>> {
    prop::collection::vec(policy(), 1..7).prop_map(|mut ps| {
        for (i, p) in ps.iter_mut().enumerate() {
            p.name = format!("p{i}");
        }
        ps
    })
}

/// A request: peer address, method, identity, service token.
#[derive(Clone, Debug)]
struct Req {
    ip: Option<IpAddr>,
    method: &'static str,
    identity: Option<Identity>,
    token: Option<(&'static str, &'static str)>,
}

fn request() -> impl Strategy<Value = Req> {
    let ip = prop::option::of(prop::sample::select(vec![
        "10.1.2.3",
        "10.2.0.1",
        "192.0.2.9",
        "203.0.113.1",
        "2001:db8::1",
    ]));
    let identity = prop::option::of((
        prop::sample::select(vec!["sam@example.com", "eve@example.org"]),
        prop::sample::select(vec![vec![], vec!["staff"], vec!["staff", "admins"]]),
    ));
    let token = prop::option::of(prop::sample::select(vec![
        ("robot.access", "s3cret"),
        ("robot.access", "wrong"),
        ("other.access", "0ther"),
    ]));
    (
        ip,
        prop::sample::select(vec!["GET", "POST", "HEAD"]),
        identity,
        token,
    )
        .prop_map(|(ip, method, identity, token)| Req {
            ip: ip.map(|s| s.parse().unwrap()),
            method,
            identity: identity.map(|(e, g)| Identity::new(e, "otp").unwrap().with_groups(g)),
            token,
        })
}

fn set(policies: Vec<Policy>) -> PolicySet {
    let token = |name: &str, id: &str, secret: &str| {
        ServiceToken::new(name, id, TokenSecret::Plain(secret.into()))
    };
    let mut app = Application::new("app", ["app.example.com"]);
    app.policies = policies;
    PolicySet::new(
        PolicyConfig::default()
            .with_application(app)
            .with_service_token(token("robot", "robot.access", "s3cret"))
            .with_service_token(token("other", "other.access", "0ther")),
    )
    .unwrap()
}

fn decide(set: &PolicySet, r: &Req) -> (Outcome, Option<String>, Option<PolicyDecision>) {
    let mut req = Request::new("app.example.com", "/").with_method(r.method);
    if let Some(ip) = r.ip {
        req = req.with_peer_ip(ip);
    }
    if let Some(id) = &r.identity {
        req = req.with_identity(id);
    }
    if let Some((id, secret)) = r.token {
        req = req.with_service_token(id, secret);
    }
    let d = set.decide(&req);
    (d.outcome, d.policy.map(str::to_owned), d.decision)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_exclude_on_an_allow_never_turns_deny_into_allow(
        policies in policies(),
        pick in any::<prop::sample::Index>(),
        exclude in rule(),
        requests in prop::collection::vec(request(), 1..8),
    ) {
        let allows: Vec<usize> = policies
            .iter()
            .enumerate()
            .filter(|(_, p)| p.decision == PolicyDecision::Allow)
            .map(|(i, _)| i)
            .collect();
        prop_assume!(!allows.is_empty());
        let mut changed = policies.clone();
        changed[allows[pick.index(allows.len())]].exclude.push(exclude);
        let (before, after) = (set(policies), set(changed));
        for r in &requests {
            let (b, a) = (decide(&before, r), decide(&after, r));
            if b.0 == Outcome::Deny {
                prop_assert_eq!(a.0, Outcome::Deny, "{:?} then {:?} for {:?}", b, a, r);
            }
        }
    }

    #[test]
    fn reordering_allow_and_deny_never_changes_bypass_or_service_auth(
        policies in policies(),
        shuffle in Just(()).prop_perturb(|(), mut rng| rng.next_u64()),
        requests in prop::collection::vec(request(), 1..8),
    ) {
        // Shuffle the allow and deny policies among all positions; bypass and
        // non_identity keep their relative order.
        let (first, mut second): (Vec<Policy>, Vec<Policy>) =
            policies.iter().cloned().partition(|p| p.decision.runs_first());
        let mut seed = shuffle | 1;
        let mut next = || { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; seed };
        for i in (1..second.len()).rev() {
            let j = usize::try_from(next() % (i as u64 + 1)).unwrap();
            second.swap(i, j);
        }
        let mut reordered = Vec::new();
        let (mut f, mut s) = (first.into_iter().peekable(), second.into_iter().peekable());
        while f.peek().is_some() || s.peek().is_some() {
            let take_first = s.peek().is_none() || (f.peek().is_some() && next() % 2 == 0);
            reordered.extend(if take_first { f.next() } else { s.next() });
        }
        let (before, after) = (set(policies), set(reordered));
        for r in &requests {
            let (b, a) = (decide(&before, r), decide(&after, r));
            let early = |d: &(Outcome, Option<String>, Option<PolicyDecision>)| d.2.is_some_and(PolicyDecision::runs_first);
            if early(&b) || early(&a) {
                prop_assert_eq!(&b, &a, "for {:?}", r);
            }
        }
    }
}
