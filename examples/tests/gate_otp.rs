//! One-time codes by email through the real gate and a real SMTP server (Debian's
//! `python3-aiosmtpd`, spawned by the test with the lab's server certificate, STARTTLS):
//! a policy that needs the device's certificate and an email login sends the device to
//! the login page, the page offers the email form, the code arrives by mail, the gate
//! issues a session bound to the certificate and the origin sees the identity; a used
//! code, a stranger's address, a copied cookie and wrong guesses are refused.

#![allow(clippy::unwrap_used)]

mod gate_common;
mod oidc_common;

use std::path::{Path, PathBuf};

use certgate_examples::lab::HOST;
use certgate_test_support::smtp::{Aiosmtpd, SmtpMode, code_in, python_with_aiosmtpd};
use gate_common::{GateProcess, Origin, World, echo_headers, need_curl_and_python, values};
use oidc_common::{Answer, Client};

const POLICY: &str = r#"
[[applications]]
name = "money"
domains = ["money.localhost"]
session_duration = "1h"

[[applications.policies]]
name = "certificate and email login (otp)"
decision = "allow"
include = [{ email_domain = "example.com" }]
require = [{ certificate = true }, { auth_method = "otp" }]
"#;

struct Setup {
    world: World,
    _origin: Origin,
    gate: GateProcess,
    smtp: Aiosmtpd,
}

/// The lab's directory, from the `policy = ".."` line of its gate config.
fn lab_dir(config: &str) -> PathBuf {
    let policy = config
        .lines()
        .find_map(|l| l.strip_prefix("policy = \""))
        .unwrap()
        .trim_end_matches('"');
    Path::new(policy).parent().unwrap().to_owned()
}

/// The lab's gate in `report` mode (a client without a certificate completes the
/// handshake and gets pages) with [`POLICY`] and `[login.otp]` (plus `extra` keys)
/// sending through aiosmtpd, which serves the gate's own certificate (`localhost`,
/// issued by the lab's CA).
fn setup(extra: &str) -> Option<Setup> {
    if !need_curl_and_python() {
        return None;
    }
    if python_with_aiosmtpd().is_none() {
        certgate_test_support::skip(
            "Python module aiosmtpd is not installed (apt package python3-aiosmtpd)",
        );
        return None;
    }
    let mut smtp = None;
    let (world, origin, gate) = gate_common::gate_with_config("report", "", |config| {
        let dir = lab_dir(&config);
        std::fs::write(dir.join("policies.toml"), POLICY).unwrap();
        let (cert, key) = (dir.join("server.pem"), dir.join("server-key.pem"));
        let mode = SmtpMode::StartTls {
            cert: &cert,
            key: &key,
        };
        let server = Aiosmtpd::start(mode, &dir).unwrap();
        let text = format!(
            "{config}\n[login.otp]\nsmtp_host = \"localhost\"\nsmtp_port = {}\n\
             smtp_ca = \"{}\"\nfrom = \"access@example.com\"\n{extra}",
            server.port(),
            dir.join("root/ca.pem").display(),
        );
        smtp = Some(server);
        text
    });
    Some(Setup {
        world,
        _origin: origin,
        gate,
        smtp: smtp.unwrap(),
    })
}

impl Setup {
    /// A metric of the gate, 0 when absent.
    fn logins(&self, result: &str) -> f64 {
        self.gate.metric(&format!(
            "certgate_gate_logins_total{{method=\"otp\",result=\"{result}\"}}"
        ))
    }

    fn mails_sent(&self) -> f64 {
        self.gate
            .metric("certgate_gate_otp_mails_total{result=\"sent\"}")
    }
}

/// Posts `form` (already URL-encoded) to `path` as the gate's own page would.
fn post(client: &Client<'_>, path: &str, form: &str) -> Answer {
    let origin = format!("Origin: https://{HOST}:{}", client.gate.addr.port());
    client.get_with(
        path,
        &["-H", "Accept: text/html", "-H", &origin, "--data-raw", form],
    )
}

fn start(client: &Client<'_>, email: &str) -> Answer {
    let form = format!(
        "email={}&redirect_url=%2Fexpenses",
        email.replace('@', "%40")
    );
    post(client, "/cdn-cgi/access/otp/start", &form)
}

fn verify(client: &Client<'_>, email: &str, code: &str) -> Answer {
    let form = format!(
        "email={}&code={code}&redirect_url=%2Fexpenses",
        email.replace('@', "%40")
    );
    post(client, "/cdn-cgi/access/otp/verify", &form)
}

/// The `CF_Authorization` value in a client's cookie jar.
fn session_token(client: &Client<'_>) -> String {
    std::fs::read_to_string(&client.jar)
        .unwrap()
        .lines()
        .filter(|l| l.contains("CF_Authorization"))
        .find_map(|l| l.split('\t').nth(6))
        .unwrap()
        .to_owned()
}

#[test]
fn a_code_by_mail_signs_the_device_in() {
    let Some(s) = setup("") else { return };
    let iphone = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "iphone");
    // The certificate alone: sent to the login page, which offers the email form.
    let first = iphone.get("/expenses");
    assert_eq!(first.status, 302, "{first:?}");
    let login = first.location.unwrap();
    assert!(
        login.ends_with("/cdn-cgi/access/login?redirect_url=%2Fexpenses"),
        "{login}"
    );
    let page = iphone.get(&login);
    assert_eq!(page.status, 200, "{page:?}");
    assert!(
        page.body.contains("action=\"/cdn-cgi/access/otp/start\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"email\""));
    assert!(page.body.contains("value=\"/expenses\""));
    assert!(!page.body.contains("login-oidc"), "no provider configured");

    // Start: the page with the code form; the mail arrives at aiosmtpd.
    let started = start(&iphone, "Sam@Example.com");
    assert_eq!(started.status, 200, "{started:?}");
    assert!(started.body.contains("a code is on its way"));
    assert!(
        started
            .body
            .contains("action=\"/cdn-cgi/access/otp/verify\"")
    );
    let mails = s.smtp.wait_mails(1);
    assert!(mails[0].contains("To: <sam@example.com>"), "{}", mails[0]);
    let code = code_in(&mails[0]);
    assert!(!started.body.contains(&code));

    // Verify: 302 back with the session cookie, host-only.
    let done = verify(&iphone, "sam@example.com", &code);
    assert_eq!(done.status, 302, "{done:?}\n{}", s.gate.log());
    assert_eq!(
        done.location.as_deref(),
        Some(s.gate.url("/expenses").as_str())
    );
    let cookies = done.header("set-cookie").join("\n");
    assert!(cookies.contains("CF_Authorization="), "{cookies}");
    assert!(
        cookies.contains("Secure; HttpOnly; SameSite=Lax"),
        "{cookies}"
    );
    assert!(!cookies.contains("Domain"), "{cookies}");

    // In: the origin sees the signed assertion and the address.
    let page = iphone.get_with("/expenses", &[]);
    assert_eq!(page.status, 200, "{page:?}");
    let headers = echo_headers(&page.body);
    assert_eq!(
        values(&headers, "cf-access-authenticated-user-email"),
        vec!["sam@example.com"]
    );
    let assertion = values(&headers, "cf-access-jwt-assertion");
    assert_eq!(assertion.len(), 1);
    let jwks = iphone.get_with("/cdn-cgi/access/certs", &[]);
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
    assert_eq!(identity.auth_methods, vec!["otp"]);
    assert!(identity.cert_thumbprint.is_some(), "bound to the iPhone");

    // The same code again: refused, no cookie.
    let again = verify(&iphone, "sam@example.com", &code);
    assert_eq!(again.status, 401, "{again:?}");
    assert!(again.header("set-cookie").is_empty());
    assert!(again.body.contains("Wrong code"));

    // The cookie in a client without the certificate, and in the laptop: refused.
    let cookie = format!("Cookie: CF_Authorization={}", session_token(&iphone));
    let thief = Client::new(&s.gate, &s.world, None, "thief");
    let r = thief.get_with(
        "/expenses",
        &["-H", &cookie, "-H", "Accept: application/json"],
    );
    assert_eq!(r.status, 401, "the session counts for nothing: {r:?}");
    let laptop = Client::new(&s.gate, &s.world, Some(&s.world.laptop), "laptop");
    let r = laptop.get_with("/expenses", &["-H", &cookie, "-H", "Accept: text/html"]);
    assert_eq!(r.status, 302, "bound to the iPhone: {r:?}");

    // Counted and logged: one decision line per OTP request, the code in none.
    assert_eq!(s.logins("code-mailed"), 1.0);
    assert_eq!(s.logins("ok"), 1.0);
    assert_eq!(s.logins("no-code"), 1.0);
    assert_eq!(s.mails_sent(), 1.0);
    let log = s.gate.log();
    assert!(!log.contains(&code), "the code in the log: {log}");
    let decisions = |detail: &str| {
        log.lines()
            .filter(|l| {
                l.contains("\"decision\"") && l.contains(&format!("\"detail\":\"{detail}\""))
            })
            .count()
    };
    assert_eq!(decisions("code-mailed"), 1, "{log}");
    assert_eq!(decisions("ok"), 1, "{log}");
    assert_eq!(decisions("no-code"), 1, "{log}");
    // The address only in the sign-in line, as with OpenID Connect.
    let with_email: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("sam@example.com"))
        .collect();
    assert_eq!(with_email.len(), 1, "{with_email:#?}");
    assert!(with_email[0].contains("signed in"), "{}", with_email[0]);
}

#[test]
fn a_stranger_gets_the_same_page_and_no_mail() {
    let Some(s) = setup("") else { return };
    let client = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "iphone");
    let stranger = start(&client, "eve@evil.com");
    let member = start(&client, "bob@example.com");
    assert_eq!(stranger.status, 200, "{stranger:?}");
    assert_eq!(member.status, 200);
    assert_eq!(
        stranger.body.replace("eve@evil.com", "ADDRESS"),
        member.body.replace("bob@example.com", "ADDRESS"),
        "the page tells a stranger from a member"
    );
    // The member's mail arrives; by then the stranger's would have been sent first.
    s.gate
        .wait_metric("certgate_gate_otp_mails_total{result=\"sent\"}", 1.0);
    let mails = s.smtp.wait_mails(1);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: <bob@example.com>"));
    assert!(!mails.iter().any(|m| m.contains("evil.com")));
    assert_eq!(s.logins("no-mail"), 1.0);
    assert_eq!(s.logins("code-mailed"), 1.0);
    // A code for the stranger does not exist: whatever is typed is wrong.
    let guess = verify(&client, "eve@evil.com", "123456");
    assert_eq!(guess.status, 401);
}

#[test]
fn wrong_codes_are_limited() {
    let Some(s) = setup("max_attempts_per_code = 2\n") else {
        return;
    };
    let client = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "iphone");
    assert_eq!(start(&client, "sam@example.com").status, 200);
    let code = code_in(&s.smtp.wait_mails(1)[0]);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..2 {
        let r = verify(&client, "sam@example.com", wrong);
        assert_eq!(r.status, 401, "{r:?}");
        assert!(r.header("set-cookie").is_empty());
    }
    // The right code now finds a dead one.
    let r = verify(&client, "sam@example.com", &code);
    assert_eq!(r.status, 401, "{r:?}");
    assert!(r.body.contains("Too many wrong codes"), "{}", r.body);
    assert_eq!(s.logins("wrong-code"), 2.0);
    assert_eq!(s.logins("too-many-attempts"), 1.0);
    assert_eq!(client.get("/expenses").status, 302, "still not signed in");
}

#[test]
fn forms_are_read_within_their_bound() {
    let Some(s) = setup("") else { return };
    let client = Client::new(&s.gate, &s.world, Some(&s.world.iphone), "iphone");
    let big = format!(
        "email=sam%40example.com&redirect_url=%2F{}",
        "a".repeat(9000)
    );
    let r = post(&client, "/cdn-cgi/access/otp/start", &big);
    assert_eq!(r.status, 413, "{r:?}");
    // Another site's form is refused; so is a GET.
    let r = client.get_with(
        "/cdn-cgi/access/otp/start",
        &[
            "-H",
            "Origin: https://evil.example",
            "--data-raw",
            "email=sam%40example.com&redirect_url=%2F",
        ],
    );
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(client.get("/cdn-cgi/access/otp/start").status, 405);
    assert_eq!(s.logins("form-too-large"), 1.0);
    assert_eq!(s.logins("form-cross-site"), 1.0);
    assert!(s.smtp.mails().is_empty());
}

/// `certgate-gate --check CONFIG`: (exit code, stdout + stderr).
fn check(config: &Path) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_certgate-gate"))
        .arg("--check")
        .arg(config)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn check_names_the_otp_key_that_is_wrong() {
    // No SMTP server needed: the configuration is read, not used.
    let world = gate_common::world();
    let good = world
        .lab
        .write_gate_config("http://127.0.0.1:9", "127.0.0.1:0", "enforce", "")
        .unwrap();
    let base = std::fs::read_to_string(&good).unwrap();
    let ca = world.lab.ca_pem.display().to_string();
    let otp = |keys: &str| {
        format!(
            "{base}\n[login.otp]\nsmtp_host = \"localhost\"\nsmtp_ca = \"{ca}\"\n\
             from = \"access@example.com\"\n{keys}"
        )
    };
    let path = world.dir.path().join("otp.toml");
    let run = |text: String| {
        std::fs::write(&path, text).unwrap();
        check(&path)
    };
    let (code, out) = run(otp(""));
    assert_eq!(code, 0, "{out}");
    for (keys, named) in [
        ("smtp_hots = \"x\"\n", "smtp_hots"),
        ("code_ttl = \"5s\"\n", "login.otp.code_ttl"),
        (
            "max_attempts_per_code = 0\n",
            "login.otp.max_attempts_per_code",
        ),
        ("tls = \"none\"\n", "none"),
        ("username = \"gate\"\n", "login.otp.username"),
        (
            "password_file = \"missing-password\"\nusername = \"gate\"\n",
            "missing-password",
        ),
    ] {
        let (code, out) = run(otp(keys));
        assert_ne!(code, 0, "{keys}: {out}");
        assert!(out.contains(named), "{keys}: {out}");
    }
    let (code, out) = run(format!(
        "{base}\n[login.otp]\nfrom = \"access@example.com\"\n"
    ));
    assert_ne!(code, 0);
    assert!(out.contains("smtp_host"), "{out}");
}
