//! Sessions through the real gate: a session minted with the library (the keys written
//! where the gate's `session_keys` reads them) lets in a request that needs a login and
//! reaches the origin as `Cf-Access-Jwt-Assertion` and the email; the same cookie from
//! another device is refused; client copies of the Cf-Access headers never reach the
//! origin; the JWKS endpoint answers; logout clears the cookie and refuses open redirects.

#![allow(clippy::unwrap_used)]

mod gate_common;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use certgate_examples::lab::HOST;
use certgate_gate::access::verify_assertion;
use certgate_gate::{SessionIssuer, SessionKeys};
use certgate_policy::{Identity, SessionDuration};
use certgate_x509::Sha256Fingerprint;
use gate_common::{
    GateProcess, Origin, World, curl_full, echo_headers, gate_with_config, need_curl_and_python,
    pem_args, values,
};

const POLICY: &str = r#"
[[applications]]
name = "money"
domains = ["money.localhost"]
session_duration = "1h"

[[applications.policies]]
name = "device-and-login"
decision = "allow"
include = [{ email_domain = "example.com" }]
require = [{ certificate = true }]

[[applications]]
name = "open"
domains = ["money.localhost/open"]
session_duration = "0s"

[[applications.policies]]
name = "devices"
decision = "non_identity"
include = [{ certificate = true }]
"#;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

struct Setup {
    world: World,
    _origin: Origin,
    gate: GateProcess,
    keys: Arc<SessionKeys>,
}

/// The lab's gate with [`POLICY`] and `session_keys` in the lab's directory, whose keys
/// the test made first.
fn setup() -> Setup {
    let mut keys_dir = None;
    let (world, origin, gate) = gate_with_config("enforce", "", |config| {
        let dir = config
            .lines()
            .find_map(|l| l.strip_prefix("policy = \""))
            .map(|p| {
                std::path::Path::new(p.trim_end_matches('"'))
                    .parent()
                    .unwrap()
                    .to_owned()
            })
            .unwrap();
        std::fs::write(dir.join("policies.toml"), POLICY).unwrap();
        let keys = dir.join("session-keys");
        keys_dir = Some(keys.clone());
        // Made before the gate starts: the gate reads the same keys.
        SessionKeys::builder().with_dir(&keys).build().unwrap();
        config.replacen(
            "[server]\n",
            &format!("[server]\nsession_keys = \"{}\"\n", keys.display()),
            1,
        )
    });
    let keys = Arc::new(
        SessionKeys::builder()
            .with_dir(keys_dir.unwrap())
            .build()
            .unwrap(),
    );
    Setup {
        world,
        _origin: origin,
        gate,
        keys,
    }
}

/// A session for sam@example.com on `money`, bound to `cert_der` when given.
fn mint(keys: &Arc<SessionKeys>, cert_der: Option<&[u8]>) -> String {
    let thumb = cert_der.map(|d| Sha256Fingerprint::of(d).0);
    SessionIssuer::new(Arc::clone(keys), format!("https://{HOST}"))
        .issue(
            &Identity::new("sam@example.com", "otp")
                .unwrap()
                .with_groups(["finance"]),
            "money",
            SessionDuration::For(Duration::from_secs(3600)),
            thumb.as_ref(),
            now(),
        )
        .unwrap()
        .token
}

fn get(
    s: &Setup,
    device: Option<&certgate_examples::lab::Device>,
    extra: &[String],
    path: &str,
) -> gate_common::CurlOutput {
    let mut args = device.map(pem_args).unwrap_or_default();
    args.extend(extra.iter().cloned());
    curl_full(&s.gate, &s.world, &args, path)
}

fn cookie(token: &str) -> Vec<String> {
    vec![
        "-H".into(),
        format!("Cookie: theme=dark; CF_Authorization={token}"),
    ]
}

#[test]
fn a_bound_session_reaches_the_origin_and_only_from_its_device() {
    if !need_curl_and_python() {
        return;
    }
    let s = setup();
    let token = mint(&s.keys, Some(&s.world.iphone.der));
    // Certificate without a login: the policy needs an identity.
    assert_eq!(get(&s, Some(&s.world.iphone), &[], "/").status, 403);
    // Certificate and session: in, with the identity at the origin and the client's
    // forged copies gone.
    let mut extra = cookie(&token);
    for h in [
        "Cf-Access-Jwt-Assertion: forged.token.here",
        "Cf-Access-Authenticated-User-Email: boss@example.com",
        "cf_access_authenticated_user_email: boss@example.com",
    ] {
        extra.extend(["-H".to_owned(), h.to_owned()]);
    }
    let out = get(&s, Some(&s.world.iphone), &extra, "/expenses");
    assert_eq!(out.status, 200, "{out:?}\n{}", s.gate.log());
    let headers = echo_headers(&out.body);
    assert_eq!(
        values(&headers, "cf-access-jwt-assertion"),
        std::slice::from_ref(&token)
    );
    assert_eq!(
        values(&headers, "cf-access-authenticated-user-email"),
        ["sam@example.com"]
    );
    assert!(
        headers
            .iter()
            .all(|(k, v)| !k.contains('_') && !v.contains("boss")),
        "{headers:#?}"
    );
    // What the origin got verifies against the gate's JWKS.
    let jwks = get(&s, Some(&s.world.iphone), &[], "/cdn-cgi/access/certs");
    assert_eq!(jwks.status, 200);
    let id = verify_assertion(
        &token,
        jwks.body.as_bytes(),
        "money",
        &format!("https://{HOST}"),
        now(),
    )
    .unwrap();
    assert_eq!(id.email, "sam@example.com");
    // The same cookie from another device of the same CA: refused, and logged.
    let other = get(&s, Some(&s.world.laptop), &cookie(&token), "/expenses");
    assert_eq!(other.status, 403, "{other:?}");
    assert!(
        s.gate.log().contains("bound to another client certificate"),
        "{}",
        s.gate.log()
    );
    // A forged token (signed by keys the gate does not have): no session.
    let stranger_keys = Arc::new(SessionKeys::builder().build().unwrap());
    let forged = mint(&stranger_keys, Some(&s.world.iphone.der));
    assert_eq!(
        get(&s, Some(&s.world.iphone), &cookie(&forged), "/").status,
        403
    );
}

#[test]
fn client_access_headers_never_reach_the_origin_without_a_session() {
    if !need_curl_and_python() {
        return;
    }
    let s = setup();
    let extra: Vec<String> = [
        "Cf-Access-Jwt-Assertion: forged",
        "CF-ACCESS-AUTHENTICATED-USER-EMAIL: boss@example.com",
    ]
    .iter()
    .flat_map(|h| ["-H".to_owned(), (*h).to_owned()])
    .collect();
    // Forged headers give no identity.
    assert_eq!(get(&s, Some(&s.world.iphone), &extra, "/").status, 403);
    let out = get(&s, Some(&s.world.iphone), &extra, "/open");
    assert_eq!(out.status, 200, "{out:?}");
    let headers = echo_headers(&out.body);
    assert!(
        headers.iter().all(|(k, _)| !k.starts_with("cf-access")),
        "{headers:#?}"
    );
    // A session for `money` counts nowhere else (`open`'s sessions expire immediately).
    let token = mint(&s.keys, None);
    let out = get(&s, Some(&s.world.iphone), &cookie(&token), "/open");
    assert_eq!(out.status, 200);
    assert!(values(&echo_headers(&out.body), "cf-access-jwt-assertion").is_empty());
    // An unbound session works from either device.
    assert_eq!(
        get(&s, Some(&s.world.laptop), &cookie(&token), "/").status,
        200
    );
}

#[test]
fn jwks_and_logout() {
    if !need_curl_and_python() {
        return;
    }
    let s = setup();
    let jwks = get(&s, Some(&s.world.iphone), &[], "/cdn-cgi/access/certs");
    assert_eq!(jwks.status, 200);
    let parsed: serde_json::Value = serde_json::from_str(&jwks.body).unwrap();
    let key = &parsed["keys"][0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["crv"], "P-256");
    assert_eq!(key["alg"], "ES256");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["kid"].as_str(), s.keys.current_kid().as_deref());
    let head = |path: &str| {
        let out = get(
            &s,
            Some(&s.world.iphone),
            &["-D".into(), "/dev/stderr".into()],
            path,
        );
        let location = out
            .stderr
            .lines()
            .find_map(|l| {
                l.strip_prefix("location: ")
                    .or_else(|| l.strip_prefix("Location: "))
            })
            .map(|l| l.trim().to_owned());
        let cookie = out
            .stderr
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: "))
            .map(|l| l.trim().to_owned());
        (out.status, location, cookie)
    };
    let cleared =
        Some("CF_Authorization=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax".to_owned());
    assert_eq!(
        head("/cdn-cgi/access/logout?redirect_url=%2Fexpenses%3Fm%3D1"),
        (302, Some("/expenses?m=1".to_owned()), cleared.clone())
    );
    assert_eq!(head("/cdn-cgi/access/logout"), (200, None, cleared.clone()));
    for evil in [
        "https%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example%2F",
        "%2F%5Cevil.example%2F",
        "%2F%09%2Fevil.example",
    ] {
        let (status, location, cookie) =
            head(&format!("/cdn-cgi/access/logout?redirect_url={evil}"));
        assert_eq!(
            (status, location, cookie),
            (400, None, cleared.clone()),
            "{evil}"
        );
    }
}
