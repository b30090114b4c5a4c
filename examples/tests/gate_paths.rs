//! What was decided is what is forwarded: the gate forwards the normalised path the
//! policy saw, and refuses (400) paths that could mean something else to some origin.

#![allow(clippy::unwrap_used)]

mod gate_common;

use gate_common::{GateProcess, curl, echo_origin, world};

const POLICY: &str = r#"
[[applications]]
name = "admin"
domains = ["money.localhost/admin"]
[[applications.policies]]
name = "nobody"
decision = "deny"
include = [{ everyone = true }]

[[applications]]
name = "money"
domains = ["money.localhost"]
[[applications.policies]]
name = "my-devices"
decision = "non_identity"
include = [{ certificate = true }]
"#;

#[test]
fn ambiguous_paths_are_refused_and_the_decided_path_is_forwarded() {
    if !certgate_test_support::require_tool("curl")
        || !certgate_test_support::require_tool("python3")
    {
        return;
    }
    let world = world();
    let origin = echo_origin();
    let config = world
        .lab
        .write_gate_config(
            &format!("http://127.0.0.1:{}", origin.port),
            "127.0.0.1:0",
            "report",
            "",
        )
        .unwrap();
    std::fs::write(world.dir.path().join("policies.toml"), POLICY).unwrap();
    let gate = GateProcess::start(&config, world.dir.path().join("gate.log"));
    let phone = Some(&world.iphone);
    // The admin application is closed to everyone, devices included.
    assert_eq!(curl(&gate, &world, phone, &[], "/admin").0, 403);
    // Each of these would miss /admin and fall to the broader application: refused.
    for path in [
        "/Admin",
        "/admin;",
        "/admin;jsessionid=1",
        "/public/..;/admin",
        "/admin.",
        "/admin%20",
        "/%252e%252e/admin",
        "/admin::$DATA",
        "/%2561dmin",
    ] {
        let (status, body) = curl(
            &gate,
            &world,
            phone,
            &["--path-as-is", "-H", "Accept: application/json"],
            path,
        );
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains("bad-path"), "{path}: {body}");
    }
    // These are /admin once normalised, and decided as /admin.
    for path in ["/%61dmin", "//admin", "/public/../admin", "/./admin"] {
        assert_eq!(
            curl(&gate, &world, phone, &["--path-as-is"], path).0,
            403,
            "{path}"
        );
    }
    // The origin gets exactly the normalised path the policy saw, query unchanged.
    let (status, body) = curl(
        &gate,
        &world,
        phone,
        &["--path-as-is"],
        "/public/..//%65xpenses/./?month=2026-11&x=%2F",
    );
    assert_eq!(status, 200, "{body}");
    let echo: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(echo["path"], "/expenses/?month=2026-11&x=%2F");
    assert!(
        gate.log().contains("path-parameter") || gate.log().contains("\"reason\""),
        "{}",
        gate.log()
    );
}
