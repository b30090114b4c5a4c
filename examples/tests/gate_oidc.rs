//! OpenID Connect login through the real gate against a real provider (npm's
//! oidc-provider, `scripts/oidc-provider/provider.mjs`): a request that needs a login
//! is sent to the login page, the provider signs the user in, the gate issues a session
//! bound to the device's certificate and the origin sees the identity; groups, logout,
//! the provider's key rotation; and each way a login is refused, with its page, its
//! log line and its metric.

#![allow(clippy::unwrap_used)]

mod gate_common;
mod oidc_common;

use std::path::PathBuf;

use certgate_examples::lab::HOST;
use gate_common::{GateProcess, Origin, World, echo_headers, need_curl_and_python, values};
use oidc_common::{
    CLIENT_ID, CLIENT_SECRET, Client, Provider, free_port, provider_dir, query_param,
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
require = [{ certificate = true }, { auth_method = "oidc" }]

[[applications]]
name = "finance"
domains = ["money.localhost/finance"]
session_duration = "30m"

[[applications.policies]]
name = "finance-group"
decision = "allow"
include = [{ group = "finance" }]
require = [{ certificate = true }]

[[applications]]
name = "short"
domains = ["money.localhost/short"]
session_duration = "1s"

[[applications.policies]]
name = "staff"
decision = "allow"
include = [{ email_domain = "example.com" }]

[[applications]]
name = "every-time"
domains = ["money.localhost/pay"]
session_duration = "0s"

[[applications.policies]]
name = "staff"
decision = "allow"
include = [{ email_domain = "example.com" }]
"#;

struct Setup {
    world: World,
    _origin: Origin,
    gate: GateProcess,
    provider: Provider,
}

/// The lab's gate (`mode`) with [`POLICY`] and the provider `test` (plus the `extra`
/// configuration text), then the provider.
fn setup_with(mode: &str, extra: impl FnOnce(&std::path::Path) -> String) -> Option<Setup> {
    if !need_curl_and_python() {
        return None;
    }
    let dir = provider_dir()?;
    let port = free_port();
    let (world, origin, gate) = gate_common::gate_with_config(mode, "", |config| {
        let lab_dir = policy_dir(&config);
        std::fs::write(lab_dir.join("policies.toml"), POLICY).unwrap();
        std::fs::write(
            lab_dir.join("oidc-secret.txt"),
            format!("{CLIENT_SECRET}\n"),
        )
        .unwrap();
        format!(
            "{config}\n[[login.oidc]]\nname = \"test\"\ndisplay_name = \"Test IdP\"\n\
             issuer = \"http://127.0.0.1:{port}\"\nclient_id = \"{CLIENT_ID}\"\n\
             client_secret_file = \"{}\"\n{}",
            lab_dir.join("oidc-secret.txt").display(),
            extra(&lab_dir),
        )
    });
    let callback = format!(
        "https://{HOST}:{}/cdn-cgi/access/callback",
        gate.addr.port()
    );
    let provider = Provider::start(
        &dir,
        port,
        &[callback],
        &[],
        world.dir.path().join("provider.log"),
    );
    Some(Setup {
        world,
        _origin: origin,
        gate,
        provider,
    })
}

fn setup() -> Option<Setup> {
    setup_with("enforce", |_| String::new())
}

/// The lab's directory, from the `policy = ".."` line of its gate config.
fn policy_dir(config: &str) -> PathBuf {
    let policy = config
        .lines()
        .find_map(|l| l.strip_prefix("policy = \""))
        .unwrap()
        .trim_end_matches('"');
    std::path::Path::new(policy).parent().unwrap().to_owned()
}

/// The decision lines of the gate's log with `detail`.
fn log_lines_with(gate: &GateProcess, needle: &str) -> usize {
    gate.log().lines().filter(|l| l.contains(needle)).count()
}

#[test]
fn a_login_lets_the_device_in_with_its_identity_at_the_origin() {
    let Some(s) = setup() else { return };
    let c = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "iphone");
    let back = c.login("/expenses?month=11", "test", "sam");
    assert_eq!(back.status, 302, "{back:?}\n{}", s.gate.log());
    assert_eq!(
        back.location.as_deref(),
        Some(s.gate.url("/expenses?month=11").as_str())
    );
    let cookies = back.header("set-cookie").join("\n");
    assert!(cookies.contains("CF_Authorization="), "{cookies}");
    assert!(
        cookies.contains("Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax"),
        "{cookies}"
    );
    assert!(!cookies.contains("Domain"), "host-only: {cookies}");
    // In, with the identity and the signed assertion at the origin.
    let page = c.get_with("/expenses?month=11", &[]);
    assert_eq!(page.status, 200, "{page:?}");
    let headers = echo_headers(&page.body);
    assert_eq!(
        values(&headers, "cf-access-authenticated-user-email"),
        vec!["sam@example.com"]
    );
    let assertion = values(&headers, "cf-access-jwt-assertion");
    let jwks = c.get_with("/cdn-cgi/access/certs", &[]);
    let identity = certgate_gate::verify_assertion(
        &assertion[0],
        jwks.body.as_bytes(),
        "money",
        &format!("https://{HOST}"),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    assert_eq!(identity.email, "sam@example.com");
    assert_eq!(identity.auth_methods, vec!["oidc"]);
    assert!(identity.cert_thumbprint.is_some(), "bound to the iPhone");
    // Bound to the iPhone's certificate (RFC 8705).
    let claims = jwt_claims(&assertion[0]);
    assert!(claims["cnf"]["x5t#S256"].is_string(), "{claims}");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600,
        "session_duration"
    );
    assert!(
        s.gate
            .metric("certgate_gate_logins_total{method=\"oidc\",result=\"ok\"}")
            >= 1.0
    );
    // Logout clears the session: the next request asks for a login again.
    let out = c.get("/cdn-cgi/access/logout?redirect_url=/expenses");
    assert_eq!(out.status, 302);
    assert!(
        out.header("set-cookie")
            .iter()
            .any(|c| c.starts_with("CF_Authorization=; Max-Age=0"))
    );
    let again = c.get("/expenses");
    assert_eq!(again.status, 302, "{again:?}");
    assert!(
        again
            .location
            .unwrap()
            .contains("/cdn-cgi/access/login?redirect_url=%2Fexpenses")
    );
}

fn jwt_claims(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let part = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn groups_from_the_provider_select() {
    let Some(s) = setup() else { return };
    let sam = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "sam");
    assert_eq!(sam.login("/finance/report", "test", "sam").status, 302);
    let page = sam.get_with("/finance/report", &[]);
    assert_eq!(page.status, 200, "{page:?}");
    let claims = jwt_claims(&values(&echo_headers(&page.body), "cf-access-jwt-assertion")[0]);
    assert_eq!(claims["groups"], serde_json::json!(["finance"]));
    assert_eq!(claims["aud"], serde_json::json!(["finance"]));
    // alex is in `staff`: signed in, and still kept out of /finance.
    let alex = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "alex");
    assert_eq!(alex.login("/finance/report", "test", "alex").status, 302);
    assert_eq!(alex.get_with("/finance/report", &[]).status, 403);
    // An email the provider does not mark verified is not an identity.
    let nope = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "nope");
    let refused = nope.login("/", "test", "unverified");
    assert_eq!(refused.status, 403, "{refused:?}");
    assert!(
        refused.body.contains("email-not-verified"),
        "{}",
        refused.body
    );
}

/// A session ends at its `exp` at the gate itself: with `session_duration = "1s"` the
/// cookie lets the device in at once and, two seconds later, the same cookie on the
/// same client is sent to the login page again (the gate allows no clock skew on the
/// sessions it made itself).
#[test]
fn a_session_expires_at_the_gate() {
    let Some(s) = setup() else { return };
    let c = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "short");
    let back = c.login("/short/list", "test", "sam");
    assert_eq!(back.status, 302, "{back:?}\n{}", s.gate.log());
    let cookies = back.header("set-cookie").join("\n");
    assert!(cookies.contains("Max-Age=1;"), "{cookies}");
    let page = c.get_with("/short/list", &[]);
    assert_eq!(page.status, 200, "{page:?}\n{}", s.gate.log());
    let claims = jwt_claims(&values(&echo_headers(&page.body), "cf-access-jwt-assertion")[0]);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        1
    );
    // curl drops the cookie once its Max-Age has passed: send it by hand, so the gate's
    // own check of `exp` is what refuses it.
    let token = cookies
        .split(';')
        .find_map(|p| p.trim().strip_prefix("CF_Authorization="))
        .unwrap()
        .to_owned();
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    let later = c.get_with(
        "/short/list",
        &[
            "-H",
            "Accept: text/html",
            "-H",
            &format!("Cookie: CF_Authorization={token}"),
        ],
    );
    assert_eq!(later.status, 302, "{later:?}\n{}", s.gate.log());
    assert!(
        later
            .location
            .as_deref()
            .is_some_and(|l| l.contains("/cdn-cgi/access/login?redirect_url=%2Fshort%2Flist")),
        "{later:?}"
    );
}

#[test]
fn api_clients_get_401_with_the_login_url() {
    let Some(s) = setup() else { return };
    let c = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "api");
    for accept in [&["-H", "Accept: application/json"][..], &[][..]] {
        let r = c.get_with("/api/x?y=1", accept);
        assert_eq!(r.status, 401, "{accept:?}: {r:?}");
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["error"], "login-required");
        assert_eq!(
            body["login_url"],
            "/cdn-cgi/access/login?redirect_url=%2Fapi%2Fx%3Fy%3D1"
        );
    }
    assert!(
        s.gate.log().contains("\"outcome\":\"login\""),
        "{}",
        s.gate.log()
    );
}

#[test]
fn wrong_state_replays_and_another_browser_are_refused() {
    let Some(s) = setup() else { return };
    let c = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "victim");
    // A state the gate never issued.
    let r = c.get("/cdn-cgi/access/callback?code=abc&state=forged");
    assert_eq!(r.status, 400, "{r:?}");
    assert!(
        r.body.contains("unknown-state") && r.body.contains("Sign-in refused"),
        "{}",
        r.body
    );
    assert_eq!(
        log_lines_with(&s.gate, "\"detail\":\"unknown-state\""),
        1,
        "{}",
        s.gate.log()
    );
    // A callback planted in another browser (login CSRF): refused there.
    let callback = c.login_until_callback("/", "test", "sam");
    let attacker = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "other-browser");
    let r = attacker.get(&callback);
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.body.contains("browser-mismatch"), "{}", r.body);
    // The state was used up by that attempt: the right browser starts again.
    assert_eq!(c.get(&callback).status, 400);
    // A code used once is not taken again, even under a fresh state.
    let callback = c.login_until_callback("/", "test", "sam");
    assert_eq!(c.get(&callback).status, 302);
    let code = query_param(&callback, "code").unwrap().to_owned();
    let fresh = c.login_from_page("test", "sam");
    let state = query_param(&fresh, "state").unwrap();
    let replay = c.get(&format!(
        "/cdn-cgi/access/callback?code={code}&state={state}"
    ));
    assert_eq!(replay.status, 502, "{replay:?}");
    assert!(replay.body.contains("token-refused"), "{}", replay.body);
    assert!(
        s.gate
            .metric("certgate_gate_logins_total{method=\"oidc\",result=\"token-refused\"}")
            >= 1.0
    );
    assert!(log_lines_with(&s.gate, "\"detail\":\"token-refused\"") >= 1);
}

#[test]
fn a_code_from_another_issuer_is_refused() {
    let Some(s) = setup() else { return };
    let dir = provider_dir().unwrap();
    let callback_uri = format!(
        "https://{HOST}:{}/cdn-cgi/access/callback",
        s.gate.addr.port()
    );
    // A second, real provider with the same client: its code and its `iss` at our
    // callback, under the state of a login that went to the first.
    let other = Provider::start(
        &dir,
        free_port(),
        std::slice::from_ref(&callback_uri),
        &[],
        s.world.dir.path().join("other-provider.log"),
    );
    let c = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "mixup");
    let ours = c.login_until_callback("/", "test", "sam");
    let state = query_param(&ours, "state").unwrap();
    let theirs = c.authorize_until_callback(
        &format!(
            "{}/auth?client_id={CLIENT_ID}&response_type=code&scope=openid%20email&redirect_uri={}\
             &state=x&nonce=y&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
            other.issuer(),
            callback_uri.replace(':', "%3A").replace('/', "%2F"),
        ),
        "sam",
    );
    let code = query_param(&theirs, "code").unwrap();
    let iss = query_param(&theirs, "iss").unwrap();
    let r = c.get(&format!(
        "/cdn-cgi/access/callback?code={code}&state={state}&iss={iss}"
    ));
    assert_eq!(r.status, 403, "{r:?}");
    assert!(r.body.contains("id-token-issuer"), "{}", r.body);
    // Without `iss`, the first provider's token endpoint does not know the code.
    let ours = c.login_from_page("test", "sam");
    let state = query_param(&ours, "state").unwrap();
    let r = c.get(&format!(
        "/cdn-cgi/access/callback?code={code}&state={state}"
    ));
    assert_eq!(r.status, 502, "{r:?}");
}

#[test]
fn crafted_id_tokens_are_refused_at_the_callback() {
    let Some(s) = setup() else { return };
    let c = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "crafted");
    let tamper = |mode: &str| {
        let url = format!("{}/test/tamper?mode={mode}", s.provider.issuer());
        assert_eq!(c.get_with(&url, &[]).status, 200);
    };
    for (mode, reason) in [
        ("none", "id-token-algorithm"),
        ("signature", "id-token-signature"),
        ("aud", "id-token-audience"),
        ("iss", "id-token-issuer"),
        ("expired", "id-token-expired"),
        ("nonce", "id-token-nonce"),
    ] {
        tamper(mode);
        let r = c.get(&c.login_from_page("test", "sam"));
        assert_eq!(r.status, 403, "{mode}: {r:?}");
        assert!(r.body.contains(reason), "{mode}: {}", r.body);
        assert!(
            r.header("set-cookie")
                .iter()
                .all(|c| !c.starts_with("CF_Authorization"))
        );
        assert_eq!(
            log_lines_with(&s.gate, &format!("\"detail\":\"{reason}\"")),
            1,
            "{mode}: {}",
            s.gate.log()
        );
        let metric = format!("certgate_gate_logins_total{{method=\"oidc\",result=\"{reason}\"}}");
        assert_eq!(s.gate.metric(&metric), 1.0, "{metric}");
    }
    tamper("");
    assert_eq!(c.get(&c.login_from_page("test", "sam")).status, 302);
}

#[test]
fn the_provider_rotating_its_key_is_followed() {
    let Some(mut s) = setup() else { return };
    let first = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "before");
    assert_eq!(first.login("/", "test", "sam").status, 302);
    s.provider.restart();
    // The gate fetches the JWKS again for an unknown key at most this often.
    std::thread::sleep(certgate_gate::login::JWKS_REFETCH_INTERVAL);
    let second = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "after");
    let r = second.login("/", "test", "sam");
    assert_eq!(r.status, 302, "{r:?}\n{}", s.gate.log());
    assert_eq!(second.get_with("/", &[]).status, 200);
    assert_eq!(
        log_lines_with(&s.gate, "provider keys fetched"),
        2,
        "{}",
        s.gate.log()
    );
}

#[test]
fn open_redirects_are_refused_on_login_and_logout() {
    let Some(s) = setup() else { return };
    let c = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "redirects");
    for bad in [
        "https%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example",
        "//evil.example",
        "%2F%5Cevil.example",
        "/%5Cevil.example",
        "evil.example",
        "%zz",
    ] {
        let page = c.get(&format!("/cdn-cgi/access/login?redirect_url={bad}"));
        assert_eq!(page.status, 400, "{bad}: {page:?}");
        assert!(page.header("set-cookie").is_empty(), "{bad}");
        let start = c.get(&format!("/cdn-cgi/access/oidc/test?redirect_url={bad}"));
        assert_eq!(start.status, 400, "{bad}: {start:?}");
        // Logout still signs out; it redirects nowhere (a broken escape is no target).
        let out = c.get(&format!("/cdn-cgi/access/logout?redirect_url={bad}"));
        assert_ne!(out.status, 302, "{bad}: {out:?}");
        assert!(out.location.is_none(), "{bad}: {out:?}");
    }
    let unknown = c.get("/cdn-cgi/access/oidc/nope?redirect_url=%2F");
    assert_eq!(unknown.status, 404);
}

#[test]
fn certificate_and_login_are_both_required() {
    // `report`: a client without a certificate completes the handshake and gets pages.
    let Some(s) = setup_with("report", |_| String::new()) else {
        return;
    };
    // Certificate without a login: sent to log in.
    let iphone = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "cert-only");
    let r = iphone.get("/");
    assert_eq!(r.status, 302, "{r:?}");
    // Certificate and login: in.
    assert_eq!(iphone.login("/", "test", "sam").status, 302);
    assert_eq!(iphone.get_with("/", &[]).status, 200);
    // Login without a certificate: the identity is missing too, so the login is
    // offered; after it the session is not bound and the policy still refuses.
    let bare = Client::new(&s.gate, &s.world, None, "no-cert");
    assert_eq!(bare.get("/").status, 302);
    let start = bare.start_url(
        &s.gate.url("/cdn-cgi/access/login?redirect_url=%2F"),
        "test",
    );
    let callback = bare.provider_until_callback(&start, "sam");
    assert_eq!(bare.get(&callback).status, 302);
    assert_eq!(bare.get("/").status, 403);
    // The iPhone's session cookie copied to a client without the certificate, and to
    // the laptop: refused (bound to the iPhone).
    let jar = std::fs::read_to_string(&iphone.jar).unwrap();
    let token = jar
        .lines()
        .find_map(|l| {
            l.split('\t')
                .nth(6)
                .filter(|_| l.contains("CF_Authorization"))
        })
        .unwrap()
        .to_owned();
    let cookie = format!("Cookie: CF_Authorization={token}");
    let thief = Client::new(&s.gate, &s.world, None, "thief");
    let r = thief.get_with("/", &["-H", &cookie, "-H", "Accept: application/json"]);
    assert_eq!(r.status, 401, "the session counts for nothing: {r:?}");
    let laptop = Client::new(&s.gate, &s.world, Some(&s.world.laptop), "laptop");
    let r = laptop.get_with("/", &["-H", &cookie, "-H", "Accept: text/html"]);
    assert_eq!(
        r.status, 302,
        "a session for another certificate counts for nothing: {r:?}"
    );
    assert!(
        s.gate.log().contains("bound to another client certificate"),
        "{}",
        s.gate.log()
    );
}
