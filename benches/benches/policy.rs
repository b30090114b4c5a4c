//! Policy decisions (issue #5): 1,000 applications with 10 policies each (exact,
//! wildcard and path domains; certificate, identity, IP, service-token, rule-group and
//! method selectors), and 100,000 mixed requests (hits on exact and wildcard hosts,
//! misses, with and without certificates, identities and tokens). One iteration decides
//! all 100,000; the figure per decision is the median iteration over 100,000.

use std::hint::black_box;
use std::net::IpAddr;

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{CertificateRequest, KeySigner, KeySpec, PrivateKey, RootCaBuilder};
use certgate_policy::{Identity, Outcome, PolicyConfig, PolicySet, Request};
use certgate_verify::{ClientCertInfo, Verdict};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const APPS: usize = 1_000;
const REQUESTS: usize = 100_000;

/// xorshift64: reproducible request mixes without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }
}

fn config(issuer: &str) -> String {
    let mut t = String::from(
        "[[rule_groups]]\nname = \"admins\"\ninclude = [{ group = \"admins\" }]\nrequire = [{ auth_method = \"otp\" }]\n",
    );
    for k in 0..50 {
        t += &format!(
            "[[service_tokens]]\nname = \"token-{k}\"\nclient_id = \"robot-{k}.access\"\nclient_secret = \"secret-{k}\"\n"
        );
    }
    for i in 0..APPS {
        let domains = match i % 3 {
            0 => format!("\"app{i}.example.com\""),
            1 => format!("\"*.svc{i}.example.net\", \"api-*.svc{i}.example.net/v1\""),
            _ => format!("\"portal{i}.example.org/api\", \"portal{i}.example.org/api/*/admin\""),
        };
        t += &format!(
            r#"
[[applications]]
name = "app-{i}"
domains = [{domains}]
session_duration = "0s"
[[applications.policies]]
name = "device"
decision = "non_identity"
include = [{{ common_name = "device-{d}" }}]
require = [{{ certificate = true }}]
[[applications.policies]]
name = "robot"
decision = "non_identity"
include = [{{ service_token = "token-{k}" }}]
[[applications.policies]]
name = "lan"
decision = "bypass"
include = [{{ ip = "10.{o}.0.0/16" }}]
[[applications.policies]]
name = "preflight"
decision = "bypass"
include = [{{ method = "OPTIONS" }}]
[[applications.policies]]
name = "blocked-range"
decision = "deny"
include = [{{ ip = "198.51.100.0/24" }}, {{ ip = "2001:db8:bad::/48" }}]
[[applications.policies]]
name = "team"
decision = "allow"
include = [{{ email_domain = "example.com" }}]
require = [{{ group = "team-{g}" }}]
[[applications.policies]]
name = "corp-devices"
decision = "allow"
include = [{{ san_dns = {{ suffix = ".corp.example.com" }} }}]
require = [{{ certificate = true }}]
[[applications.policies]]
name = "contractors"
decision = "deny"
include = [{{ subject = {{ attribute = "OU", value = "Contractors" }} }}]
[[applications.policies]]
name = "admins"
decision = "allow"
include = [{{ rule_group = "admins" }}]
[[applications.policies]]
name = "fleet"
decision = "allow"
include = [{{ issuer = "{issuer}" }}]
exclude = [{{ expiring_within = "7d" }}]
"#,
            d = i % 20,
            k = i % 50,
            o = i % 256,
            g = i % 20,
        );
    }
    t
}

fn certificates() -> (Vec<ClientCertInfo>, String) {
    let csr = CsrJson::from_json(
        br#"{"CN": "Bench Root", "names": [{"O": "Bench"}]}"#,
        "root",
    )
    .expect("json");
    let root = RootCaBuilder::new(
        &csr,
        Box::new(KeySigner::new(
            PrivateKey::generate(KeySpec::EcdsaP256).expect("key"),
        )),
    )
    .build()
    .expect("root");
    let config = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"client": {"usages": ["digital signature", "client auth"], "expiry": "720h"}}}}"#,
        "bench",
    )
    .expect("config");
    let mut infos = Vec::new();
    for d in 0..20 {
        let ou = if d % 5 == 0 { "Contractors" } else { "Staff" };
        let json = format!(
            r#"{{"CN": "device-{d}", "hosts": ["device-{d}.corp.example.com"], "names": [{{"O": "Bench", "OU": "{ou}"}}]}}"#
        );
        let leaf_json = CsrJson::from_json(json.as_bytes(), "leaf").expect("json");
        let (_, req) = CertificateRequest::generate(&leaf_json).expect("csr");
        let leaf = root
            .ca
            .issue(&req, config.profile("client").expect("profile"))
            .build()
            .expect("leaf");
        let info = ClientCertInfo::from_der(leaf.der()).expect("info");
        infos.push(certgate_verify::danger::assert_verdict(
            info.clone(),
            Verdict::Verified {
                anchor_subject: "CN=Bench Root,O=Bench".into(),
            },
        ));
        infos.push(info); // presented, not verified
    }
    let issuer = infos[0].issuer_rfc4514().expect("issuer");
    (infos, issuer)
}

/// The owned parts of one request.
struct Parts {
    host: String,
    path: &'static str,
    method: &'static str,
    ip: Option<IpAddr>,
    cert: Option<usize>,
    identity: Option<usize>,
    token: Option<(String, String)>,
}

fn parts(rng: &mut Rng) -> Parts {
    let i = rng.below(APPS);
    let host = if rng.below(20) == 0 {
        format!("unknown{i}.example.com")
    } else {
        match i % 3 {
            0 => format!("app{i}.example.com"),
            1 if rng.below(2) == 0 => format!("api-{}.svc{i}.example.net", rng.below(9)),
            1 => format!("host{}.svc{i}.example.net", rng.below(9)),
            _ => format!("portal{i}.example.org"),
        }
    };
    let path = [
        "/",
        "/api/orders",
        "/api/v2/admin/users",
        "/v1/x?y=1",
        "/static/app.js",
    ][rng.below(5)];
    let ip = match rng.below(4) {
        0 => None,
        1 => Some(format!("10.{}.3.4", rng.below(256))),
        2 => Some(format!("198.51.100.{}", rng.below(256))),
        _ => Some(format!("203.0.113.{}", rng.below(256))),
    }
    .map(|s| s.parse().expect("ip"));
    let cert = match rng.below(10) {
        0..=3 => Some(rng.below(20) * 2),
        4 => Some(rng.below(20) * 2 + 1),
        _ => None,
    };
    let identity = (rng.below(10) < 3).then(|| rng.below(40));
    let token = (rng.below(10) == 0).then(|| {
        let k = rng.below(50);
        let secret = if rng.below(2) == 0 {
            format!("secret-{k}")
        } else {
            "wrong".into()
        };
        (format!("robot-{k}.access"), secret)
    });
    let method = if rng.below(50) == 0 { "OPTIONS" } else { "GET" };
    Parts {
        host,
        path,
        method,
        ip,
        cert,
        identity,
        token,
    }
}

fn policy(c: &mut Criterion) {
    let (certs, issuer) = certificates();
    let set =
        PolicySet::new(PolicyConfig::from_toml(&config(&issuer), "bench.toml").expect("config"))
            .expect("set");
    let identities: Vec<Identity> = (0..40)
        .map(|u| {
            let domain = if u % 4 == 0 {
                "example.org"
            } else {
                "example.com"
            };
            let groups = if u % 10 == 0 {
                vec!["admins".to_owned()]
            } else {
                vec![format!("team-{}", u % 20)]
            };
            Identity::new(format!("user{u}@{domain}"), "otp")
                .expect("a well-formed address")
                .with_groups(groups)
        })
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let owned: Vec<Parts> = (0..REQUESTS).map(|_| parts(&mut rng)).collect();
    let requests: Vec<Request<'_>> = owned
        .iter()
        .map(|p| {
            let mut r = Request::new(&p.host, p.path).with_method(p.method);
            if let Some(ip) = p.ip {
                r = r.with_peer_ip(ip);
            }
            if let Some(c) = p.cert {
                r = r.with_cert(&certs[c]);
            }
            if let Some(u) = p.identity {
                r = r.with_identity(&identities[u]);
            }
            if let Some((id, secret)) = &p.token {
                r = r.with_service_token(id, secret);
            }
            r
        })
        .collect();
    let allowed = requests
        .iter()
        .filter(|r| set.decide(r).outcome != Outcome::Deny)
        .count();
    println!(
        "policy bench: {APPS} applications x 10 policies, {REQUESTS} requests, {allowed} let in ({:.1}%)",
        allowed as f64 * 100.0 / REQUESTS as f64
    );

    let mut group = c.benchmark_group("policy/1000-apps-x-10-policies");
    group.throughput(Throughput::Elements(REQUESTS as u64));
    group.sample_size(20);
    group.bench_function("decide 100k mixed requests", |b| {
        b.iter(|| {
            for r in &requests {
                black_box(set.decide(black_box(r)));
            }
        });
    });
    group.finish();
}

// criterion_group! makes an undocumented public function.
#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, policy);
}
use group::benches;
criterion_main!(benches);
