//! Policy configuration parsing (certgate's TOML and JSON, Cloudflare Access API JSON),
//! compilation, linting, request path normalisation and evaluation on arbitrary text:
//! never panics, `decide` and `explain` agree, a parsed path normalises to itself again,
//! and a raw path decides as its parsed form does.
//!
//! Input: the first byte picks the format (`% 3`: 0 TOML, 1 JSON, else Access JSON) and
//! the origin case of the paths (`/ 3 % 3`: unknown, sensitive, insensitive); the rest
//! is the configuration, then (after a NUL, which no configuration holds) request
//! paths separated by NULs.
#![no_main]

use certgate_policy::{
    ConfigFormat, Identity, OriginCase, PathOptions, PathProblem, PolicyConfig, PolicySet, Reason,
    Request, RequestPath,
};
use libfuzzer_sys::fuzz_target;

/// How many request paths one input may carry.
const MAX_PATHS: usize = 8;

/// Parses each path; checks that its normal form is a fixed point.
fn parse_paths<'t>(
    paths: &[&'t str],
    options: &PathOptions,
) -> Vec<(&'t str, Result<RequestPath, PathProblem>)> {
    paths
        .iter()
        .map(|raw| {
            let parsed = RequestPath::parse(raw, options);
            if let Ok(p) = &parsed {
                let again = RequestPath::parse(p.path_and_query(), options)
                    .unwrap_or_else(|e| panic!("{raw:?} -> {p:?} is refused again: {e:?}"));
                assert_eq!(&again, p, "{raw:?} normalises twice differently");
                assert!(p.as_str().starts_with('/') && !p.as_str().contains("//"));
            }
            (*raw, parsed)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let format = match selector % 3 {
        0 => ConfigFormat::Toml,
        1 => ConfigFormat::Json,
        _ => ConfigFormat::AccessJson,
    };
    let case = match selector / 3 % 3 {
        0 => OriginCase::Unknown,
        1 => OriginCase::Sensitive,
        _ => OriginCase::Insensitive,
    };
    let mut parts = text.split('\0');
    let text = parts.next().unwrap_or_default();
    let raw_paths: Vec<&str> = parts.take(MAX_PATHS).collect();
    let paths = parse_paths(&raw_paths, &PathOptions::new().with_origin_case(case));
    let Ok(config) = PolicyConfig::parse(text, format, "fuzz") else {
        return;
    };
    let _ = config.lint();
    let Ok(set) = PolicySet::new(config) else {
        return;
    };
    // Requests at each configured domain (wildcards filled in), and a few fixed ones.
    let mut targets: Vec<(String, String)> = set
        .config()
        .applications
        .iter()
        .flat_map(|a| &a.domains)
        .map(|d| {
            let d = d.replace('*', "x");
            match d.split_once('/') {
                Some((host, path)) => (host.to_owned(), format!("/{path}/y")),
                None => (d, "/".to_owned()),
            }
        })
        .take(16)
        .collect();
    targets.push(("example.com".into(), "/a/../b%2e%2E/%41?q".into()));
    targets.push((String::new(), String::new()));
    let hosts: Vec<String> = targets
        .iter()
        .map(|(host, _)| host.clone())
        .take(4)
        .collect();
    for host in &hosts {
        for (raw, parsed) in &paths {
            let by_raw = set.decide(&Request::new(host, raw));
            let path = match parsed {
                Ok(path) => path,
                Err(problem) => {
                    // The host is looked at first.
                    let expected = [Reason::InvalidPath(*problem), Reason::InvalidHost];
                    assert!(expected.contains(&by_raw.reason), "{raw:?}: {by_raw:?}");
                    continue;
                }
            };
            let by_parsed = set.decide(&Request::for_path(host, path));
            assert_eq!(
                set.explain(&Request::for_path(host, path)).decision,
                by_parsed
            );
            if case == OriginCase::Unknown {
                assert_eq!(by_raw, by_parsed, "{raw:?}");
            }
        }
    }
    let identity = Identity::new("sam@example.com", "otp")
        .expect("a well-formed address")
        .with_groups(["staff"]);
    for (host, path) in &targets {
        let plain = Request::new(host, path);
        let rich = plain
            .with_method("POST")
            .with_peer_ip(
                "198.51.100.7"
                    .parse()
                    .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into()),
            )
            .with_identity(&identity)
            .with_service_token("robot.access", "s3cret")
            .with_time(certgate_x509::Timestamp::from_unix_seconds(1_780_000_000));
        for req in [plain, rich] {
            let decision = set.decide(&req);
            let explanation = set.explain(&req);
            assert_eq!(decision, explanation.decision);
            let _ = explanation.to_json();
            let _ = explanation.to_string();
        }
    }
});
