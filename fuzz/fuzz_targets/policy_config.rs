//! Policy configuration parsing (certgate's TOML and JSON, Cloudflare Access API JSON),
//! compilation, linting and evaluation on arbitrary text: never panics, and `decide`
//! and `explain` agree.
//!
//! Input: the first byte picks the format (0: TOML, 1: JSON, else Access JSON); the rest
//! is the text.
#![no_main]

use certgate_policy::{ConfigFormat, Identity, PolicyConfig, PolicySet, Request};
use libfuzzer_sys::fuzz_target;

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
    let identity = Identity::new("sam@example.com", "otp").with_groups(["staff"]);
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
            .with_time(1_780_000_000);
        for req in [plain, rich] {
            let decision = set.decide(&req);
            let explanation = set.explain(&req);
            assert_eq!(decision, explanation.decision);
            let _ = explanation.to_json();
            let _ = explanation.to_string();
        }
    }
});
