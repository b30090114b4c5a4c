//! One-time codes through a real SMTP server: Debian's `python3-aiosmtpd`, started by
//! each test on a free port with a certificate from certgate-ca, writing what it
//! receives to a maildir the test reads. The clock is injected: no test sleeps for a
//! code to expire.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{CertificateRequest, KeySigner, KeySpec, PrivateKey, RootCaBuilder};
use certgate_gate::access::verify_assertion;
use certgate_gate::login::otp::SmtpStage;
use certgate_gate::login::otp::{
    CodeRefusal, FormProblem, MAX_FORM_BYTES, OtpConfig, OtpError, OtpLogin, OtpOutcome, OtpReply,
    OtpRequest, START_PATH, VERIFY_PATH,
};
use certgate_gate::{SessionIssuer, SessionKeys};
use certgate_policy::{PolicyConfig, PolicySet};
use certgate_test_support::smtp::{Aiosmtpd, SmtpMode, code_in, free_port};
use http::{Response, StatusCode};
use http_body_util::{BodyExt, Full};

const HOST: &str = "money.example.com";
const ISSUER: &str = "https://money.example.com";
const T0: u64 = 1_800_000_000;
const POLICY: &str = r#"
[[applications]]
name = "money"
domains = ["money.example.com"]
session_duration = "8h"
[[applications.policies]]
name = "staff"
decision = "allow"
include = [{ email_domain = "example.com" }]
"#;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    StartTls,
    Implicit,
    Plain,
    /// STARTTLS, then AUTH PLAIN as `gate` with `s3cret` (tests/support/smtp_auth.py).
    Auth,
}

/// An aiosmtpd server (certgate-test-support's) and the files of the test.
struct Smtp {
    server: Aiosmtpd,
    port: u16,
    dir: tempfile::TempDir,
}

/// A root CA, and a server certificate for `localhost` it issued; `name.pem` (the CA),
/// `server.pem`, `server-key.pem` in `dir`.
fn pki(dir: &Path, name: &str) {
    let csr = CsrJson::from_json(br#"{"CN": "otp test CA"}"#, "t").unwrap();
    let signer = KeySigner::new(PrivateKey::generate(KeySpec::EcdsaP256).unwrap());
    let root = RootCaBuilder::new(&csr, Box::new(signer)).build().unwrap();
    let json = CsrJson::from_json(
        br#"{"CN": "localhost", "hosts": ["localhost", "127.0.0.1"]}"#,
        "t",
    )
    .unwrap();
    let (key, req) = CertificateRequest::generate(&json).unwrap();
    let config = SigningConfig::from_json(
        br#"{"signing": {"profiles": {"server": {"usages": ["digital signature", "server auth"], "expiry": "720h"}}}}"#,
        "t",
    )
    .unwrap();
    let leaf = root
        .ca
        .issue(&req, config.profile("server").unwrap())
        .with_serial(&[0x51])
        .build()
        .unwrap();
    std::fs::write(dir.join(format!("{name}.pem")), root.certificate.to_pem()).unwrap();
    std::fs::write(dir.join("server.pem"), leaf.to_pem()).unwrap();
    std::fs::write(
        dir.join("server-key.pem"),
        key.to_pkcs8_pem().unwrap().as_bytes(),
    )
    .unwrap();
}

/// Starts aiosmtpd with a Mailbox handler; `None` (the test skips) without aiosmtpd.
fn smtp(tls: Mode) -> Option<Smtp> {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path(), "ca");
    let d = |f: &str| dir.path().join(f);
    let (cert, key) = (d("server.pem"), d("server-key.pem"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_auth.py");
    let (cert_text, key_text, maildir) = (
        cert.to_str().unwrap().to_owned(),
        key.to_str().unwrap().to_owned(),
        d("maildir").to_str().unwrap().to_owned(),
    );
    let auth_args = [
        cert_text.as_str(),
        key_text.as_str(),
        maildir.as_str(),
        "gate",
        "s3cret",
    ];
    let mode = match tls {
        Mode::StartTls => SmtpMode::StartTls {
            cert: &cert,
            key: &key,
        },
        Mode::Implicit => SmtpMode::Implicit {
            cert: &cert,
            key: &key,
        },
        Mode::Plain => SmtpMode::Plain,
        Mode::Auth => SmtpMode::Script {
            script: &script,
            args: &auth_args,
        },
    };
    let server = Aiosmtpd::start(mode, dir.path())?;
    Some(Smtp {
        port: server.port(),
        server,
        dir,
    })
}

impl Smtp {
    fn path(&self, f: &str) -> PathBuf {
        self.dir.path().join(f)
    }

    /// Every mail received, as text.
    fn mails(&self) -> Vec<String> {
        self.server.mails()
    }

    fn config(&self, extra: &str) -> OtpConfig {
        let text = format!(
            "smtp_host = \"localhost\"\nsmtp_port = {}\nsmtp_ca = \"ca.pem\"\n\
             from = \"access@example.com\"\n{extra}",
            self.port
        );
        toml::from_str(&text).unwrap()
    }
}

struct Fixture {
    login: OtpLogin,
    clock: Arc<AtomicU64>,
    policies: PolicySet,
    sessions: SessionIssuer,
    keys: Arc<SessionKeys>,
}

fn fixture(server: &Smtp, extra: &str) -> Fixture {
    let clock = Arc::new(AtomicU64::new(T0));
    let c = Arc::clone(&clock);
    let login = OtpLogin::builder(server.config(extra))
        .with_base_dir(server.dir.path())
        .with_clock(Arc::new(move || c.load(Ordering::SeqCst)))
        .build()
        .unwrap();
    let policies =
        PolicySet::new(PolicyConfig::from_toml(POLICY, "policies.toml").unwrap()).unwrap();
    let keys = Arc::new(SessionKeys::builder().build().unwrap());
    let sessions = SessionIssuer::new(Arc::clone(&keys), ISSUER);
    Fixture {
        login,
        clock,
        policies,
        sessions,
        keys,
    }
}

fn form(path: &str, body: &str, headers: &[(&str, &str)]) -> (http::request::Parts, Vec<u8>) {
    let mut b = http::Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://money.example.com");
    for (n, v) in headers {
        b = b.header(*n, *v);
    }
    let (parts, ()) = b.body(()).unwrap().into_parts();
    (parts, body.as_bytes().to_vec())
}

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
const THUMB: [u8; 32] = [7; 32];

impl Fixture {
    fn start_from(&self, email: &str, client: IpAddr) -> OtpReply {
        let body = format!("email={}&redirect_url=%2Fexpenses", urlencode(email));
        let (parts, body) = form(START_PATH, &body, &[]);
        self.login.start(&OtpRequest::new(
            &parts,
            &body,
            HOST,
            client,
            &self.policies,
        ))
    }

    fn start(&self, email: &str) -> OtpReply {
        self.start_from(email, CLIENT)
    }

    fn verify(&self, email: &str, code: &str) -> OtpReply {
        let body = format!(
            "email={}&code={code}&redirect_url=%2Fexpenses",
            urlencode(email)
        );
        let (parts, body) = form(VERIFY_PATH, &body, &[]);
        let req = OtpRequest::new(&parts, &body, HOST, CLIENT, &self.policies)
            .with_cert_thumbprint(&THUMB);
        self.login.verify(&req, &self.sessions)
    }

    fn advance(&self, secs: u64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn body_of(response: Response<Full<Bytes>>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Starts a login for `email` and returns the code mailed.
async fn mailed_code(server: &Smtp, f: &Fixture, email: &str) -> String {
    let before = server.mails();
    let reply = f.start(email);
    assert_eq!(reply.outcome, OtpOutcome::CodeMailed);
    reply.delivery.unwrap().wait().await.unwrap();
    let mails = server.mails();
    assert_eq!(mails.len(), before.len() + 1);
    let mail = mails.iter().find(|m| !before.contains(m)).unwrap();
    assert!(mail.contains(&format!("To: <{email}>")), "{mail}");
    code_in(mail)
}

#[tokio::test]
async fn a_code_arrives_over_starttls_and_signs_in_once() {
    let Some(server) = smtp(Mode::StartTls) else {
        return;
    };
    let f = fixture(&server, "");
    let reply = f.start("Bob@Example.com");
    assert_eq!(reply.outcome, OtpOutcome::CodeMailed);
    assert_eq!(reply.email.as_deref(), Some("bob@example.com"));
    assert_eq!(reply.response.status(), StatusCode::OK);
    let page = body_of(reply.response).await;
    reply.delivery.unwrap().wait().await.unwrap();
    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.contains("To: <bob@example.com>"), "{mail}");
    assert!(mail.contains("From: <access@example.com>"));
    assert!(mail.contains("Subject: Your sign-in code"));
    assert!(mail.contains("sign in to money.example.com"));
    assert!(mail.contains("valid for 10 minutes"));
    let code = code_in(mail);
    assert!(!page.contains(&code), "the page shows the code");
    assert!(page.contains("a code is on its way"));
    assert_eq!(f.login.mail_counts().sent, 1);

    let reply = f.verify("bob@example.com", &code);
    assert_eq!(reply.outcome, OtpOutcome::SignedIn);
    let r = &reply.response;
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()["location"], "/expenses");
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("CF_Authorization="), "{cookie}");
    assert!(cookie.contains("Max-Age=28800") && cookie.contains("HttpOnly"));
    let token = cookie["CF_Authorization=".len()..]
        .split(';')
        .next()
        .unwrap();
    let id = verify_assertion(token, f.keys.jwks().as_bytes(), "money", ISSUER, T0).unwrap();
    assert_eq!(id.email, "bob@example.com");
    assert_eq!(id.auth_methods, ["otp"]);
    assert_eq!(id.cert_thumbprint, Some(THUMB));

    // Single use.
    let again = f.verify("bob@example.com", &code);
    assert_eq!(again.outcome, OtpOutcome::CodeRefused(CodeRefusal::NoCode));
    assert_eq!(again.response.status(), StatusCode::UNAUTHORIZED);
    assert!(again.response.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn implicit_tls_works_too() {
    let Some(server) = smtp(Mode::Implicit) else {
        return;
    };
    let f = fixture(&server, "tls = \"tls\"\nsubject = \"Money sign-in\"\n");
    let code = mailed_code(&server, &f, "sam@example.com").await;
    assert!(server.mails()[0].contains("Subject: Money sign-in"));
    assert_eq!(
        f.verify("sam@example.com", &code).outcome,
        OtpOutcome::SignedIn
    );
}

#[tokio::test]
async fn codes_expire() {
    let Some(server) = smtp(Mode::StartTls) else {
        return;
    };
    let f = fixture(&server, "code_ttl = \"2m\"\n");
    let code = mailed_code(&server, &f, "bob@example.com").await;
    assert!(server.mails()[0].contains("valid for 2 minutes"));
    f.advance(120);
    let reply = f.verify("bob@example.com", &code);
    assert_eq!(reply.outcome, OtpOutcome::CodeRefused(CodeRefusal::Expired));
    assert!(body_of(reply.response).await.contains("expired"));
}

#[tokio::test]
async fn wrong_codes_are_counted_and_the_code_dies() {
    let Some(server) = smtp(Mode::StartTls) else {
        return;
    };
    let f = fixture(&server, "max_attempts_per_code = 3\n");
    let code = mailed_code(&server, &f, "bob@example.com").await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for left in [2, 1, 0] {
        let reply = f.verify("bob@example.com", wrong);
        assert_eq!(
            reply.outcome,
            OtpOutcome::CodeRefused(CodeRefusal::Wrong {
                attempts_left: left
            })
        );
        assert!(!body_of(reply.response).await.contains(&code));
    }
    let reply = f.verify("bob@example.com", &code);
    assert_eq!(
        reply.outcome,
        OtpOutcome::CodeRefused(CodeRefusal::TooManyAttempts)
    );
    assert!(
        body_of(reply.response)
            .await
            .contains("Too many wrong codes")
    );
    // A new code works again.
    let code = mailed_code(&server, &f, "bob@example.com").await;
    assert_eq!(
        f.verify("bob@example.com", &code).outcome,
        OtpOutcome::SignedIn
    );
}

#[tokio::test]
async fn send_limits_hold_per_address_and_per_client() {
    let Some(server) = smtp(Mode::StartTls) else {
        return;
    };
    let f = fixture(
        &server,
        "max_sends_per_address_per_hour = 2\nmax_sends_per_client_per_hour = 4\n",
    );
    for _ in 0..2 {
        f.start("bob@example.com")
            .delivery
            .unwrap()
            .wait()
            .await
            .unwrap();
    }
    let reply = f.start("bob@example.com");
    assert_eq!(reply.outcome, OtpOutcome::AddressLimited);
    assert_eq!(reply.response.status(), StatusCode::TOO_MANY_REQUESTS);
    // The address limit holds from another client too.
    let other = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));
    assert_eq!(
        f.start_from("bob@example.com", other).outcome,
        OtpOutcome::AddressLimited
    );
    // One more for this client (3 of 4 counted: the refused one too), then the limit,
    // for strangers' addresses as well (no oracle in the limits either).
    f.start("sam@example.com")
        .delivery
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(
        f.start("ann@example.com").outcome,
        OtpOutcome::ClientLimited
    );
    assert_eq!(f.start("eve@evil.com").outcome, OtpOutcome::ClientLimited);
    assert_eq!(server.mails().len(), 3);
    // An hour later the limits have room again.
    f.advance(3600);
    assert_eq!(f.start("bob@example.com").outcome, OtpOutcome::CodeMailed);
}

#[tokio::test]
async fn a_stranger_gets_no_mail_and_the_same_page() {
    let Some(server) = smtp(Mode::StartTls) else {
        return;
    };
    let f = fixture(&server, "");
    let stranger = f.start("eve@evil.com");
    assert_eq!(stranger.outcome, OtpOutcome::NoMail);
    assert!(stranger.delivery.is_none());
    let known = f.start("bob@example.com");
    assert_eq!(known.outcome, OtpOutcome::CodeMailed);
    known.delivery.unwrap().wait().await.unwrap();
    assert_eq!(stranger.response.status(), known.response.status());
    assert_eq!(stranger.response.headers(), known.response.headers());
    let (a, b) = (
        body_of(stranger.response).await,
        body_of(known.response).await,
    );
    assert_eq!(
        a.replace("eve@evil.com", "ADDRESS"),
        b.replace("bob@example.com", "ADDRESS")
    );
    // Only bob's mail arrived.
    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: <bob@example.com>"));
    // A stranger's guesses read as wrong codes, as a known address's do.
    assert_eq!(
        f.verify("eve@evil.com", "123456").response.status(),
        StatusCode::UNAUTHORIZED
    );
    // An address that only looks like one of example.com is refused outright.
    let reply = f.start("bob@evil.com@example.com");
    assert_eq!(reply.outcome, OtpOutcome::BadForm(FormProblem::Email));
    assert_eq!(reply.response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(server.mails().len(), 1);
}

#[tokio::test]
async fn malformed_forms_are_refused() {
    let Some(server) = smtp(Mode::StartTls) else {
        return;
    };
    let f = fixture(&server, "");
    let start = |parts: &http::request::Parts, body: &[u8]| {
        f.login
            .start(&OtpRequest::new(parts, body, HOST, CLIENT, &f.policies))
            .outcome
    };
    let ok = "email=bob%40example.com";
    let cases: Vec<(http::request::Parts, Vec<u8>, FormProblem)> = vec![
        {
            let (p, b) = form(START_PATH, ok, &[("origin", "https://evil.example")]);
            (p, b, FormProblem::CrossSite)
        },
        {
            let (p, b) = form(START_PATH, ok, &[("sec-fetch-site", "cross-site")]);
            (p, b, FormProblem::CrossSite)
        },
        {
            let (mut p, b) = form(START_PATH, ok, &[]);
            p.headers
                .insert("content-type", "text/plain".parse().unwrap());
            (p, b, FormProblem::ContentType)
        },
        {
            let (mut p, b) = form(START_PATH, ok, &[]);
            p.method = http::Method::GET;
            (p, b, FormProblem::Method)
        },
        {
            let (p, _) = form(START_PATH, ok, &[]);
            (p, vec![b'a'; MAX_FORM_BYTES + 1], FormProblem::TooLarge)
        },
        {
            let (p, b) = form(START_PATH, "email=bob%40example.com&is_admin=1", &[]);
            (p, b, FormProblem::Fields)
        },
        {
            let (p, b) = form(
                START_PATH,
                "email=bob%40example.com%0d%0aBcc%3a+eve%40evil.com",
                &[],
            );
            (p, b, FormProblem::Email)
        },
        {
            let (p, b) = form(
                START_PATH,
                "email=bob%40example.com&redirect_url=%2F%2Fevil.example",
                &[],
            );
            (p, b, FormProblem::Redirect)
        },
    ];
    for (parts, body, problem) in &cases {
        assert_eq!(
            start(parts, body),
            OtpOutcome::BadForm(*problem),
            "{problem:?}"
        );
    }
    assert!(server.mails().is_empty());
    let (p, b) = form(VERIFY_PATH, "email=bob%40example.com&code=12a456", &[]);
    let reply = f.login.verify(
        &OtpRequest::new(&p, &b, HOST, CLIENT, &f.policies),
        &f.sessions,
    );
    assert_eq!(reply.outcome, OtpOutcome::BadForm(FormProblem::Code));
}

#[tokio::test]
async fn smtp_down_is_a_clear_error_and_the_page_does_not_change() {
    let Some(server) = smtp(Mode::StartTls) else {
        return;
    };
    let mut config = server.config("");
    config.smtp_port = Some(free_port());
    let login = OtpLogin::builder(config)
        .with_base_dir(server.dir.path())
        .build()
        .unwrap();
    let f = fixture(&server, "");
    let (parts, body) = form(START_PATH, "email=bob%40example.com", &[]);
    let reply = login.start(&OtpRequest::new(&parts, &body, HOST, CLIENT, &f.policies));
    assert_eq!(reply.outcome, OtpOutcome::CodeMailed);
    assert_eq!(reply.response.status(), StatusCode::OK);
    let error = reply.delivery.unwrap().wait().await.unwrap_err();
    assert!(matches!(error, OtpError::Connect { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("cannot connect to the SMTP server")
    );
    assert_eq!(login.mail_counts().failed, 1);
}

#[tokio::test]
async fn a_server_without_starttls_or_with_an_untrusted_certificate_gets_nothing() {
    let Some(plain) = smtp(Mode::Plain) else {
        return;
    };
    let f = fixture(&plain, "");
    let error = f
        .start("bob@example.com")
        .delivery
        .unwrap()
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(error, OtpError::NoStartTls), "{error:?}");
    assert!(plain.mails().is_empty());

    let server = smtp(Mode::StartTls).unwrap();
    // Another CA than the one that issued the server's certificate.
    std::fs::create_dir_all(server.path("other")).unwrap();
    pki(&server.path("other"), "ca");
    let mut config = server.config("");
    config.smtp_ca = Some(server.path("other/ca.pem"));
    let login = OtpLogin::builder(config).build().unwrap();
    let policies =
        PolicySet::new(PolicyConfig::from_toml(POLICY, "policies.toml").unwrap()).unwrap();
    let (parts, body) = form(START_PATH, "email=bob%40example.com", &[]);
    let reply = login.start(&OtpRequest::new(&parts, &body, HOST, CLIENT, &policies));
    let error = reply.delivery.unwrap().wait().await.unwrap_err();
    assert!(matches!(error, OtpError::Tls { .. }), "{error:?}");
    assert!(server.mails().is_empty());
}

/// A log sink for the test's thread.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_code_in_the_logs_or_pages() {
    let Some(server) = smtp(Mode::StartTls) else {
        return;
    };
    let log = Log::default();
    let sink = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let f = fixture(&server, "");
    let code = mailed_code(&server, &f, "bob@example.com").await;
    let wrong = f.verify(
        "bob@example.com",
        if code == "111111" { "222222" } else { "111111" },
    );
    let wrong_page = body_of(wrong.response).await;
    let ok = f.verify("bob@example.com", &code);
    assert_eq!(ok.outcome, OtpOutcome::SignedIn);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("one-time code mailed"), "{text}");
    assert!(!text.contains(&code), "the log shows the code: {text}");
    assert!(!wrong_page.contains(&code));
    assert!(!format!("{ok:?}").contains(&code));
}

#[tokio::test]
async fn credentials_from_a_file_sign_in_to_the_server() {
    let Some(server) = smtp(Mode::Auth) else {
        return;
    };
    std::fs::write(server.path("smtp-password"), "s3cret\n").unwrap();
    let f = fixture(
        &server,
        "username = \"gate\"\npassword_file = \"smtp-password\"\n",
    );
    assert!(!format!("{:?}", f.login).contains("s3cret"));
    let code = mailed_code(&server, &f, "bob@example.com").await;
    assert_eq!(
        f.verify("bob@example.com", &code).outcome,
        OtpOutcome::SignedIn
    );

    std::fs::write(server.path("wrong-password"), "guess\n").unwrap();
    let f = fixture(
        &server,
        "username = \"gate\"\npassword_file = \"wrong-password\"\n",
    );
    let error = f
        .start("bob@example.com")
        .delivery
        .unwrap()
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            OtpError::Rejected {
                stage: SmtpStage::Auth,
                code: 535
            }
        ),
        "{error:?}"
    );
    // Without credentials this server takes no mail.
    let f = fixture(&server, "");
    let error = f
        .start("bob@example.com")
        .delivery
        .unwrap()
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            OtpError::Rejected {
                stage: SmtpStage::MailFrom,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.mails().len(), 1);
}

#[test]
fn configurations_are_checked() {
    let base = "smtp_host = \"smtp.example.com\"\nfrom = \"access@example.com\"\n";
    let build = |extra: &str| {
        let config: OtpConfig = toml::from_str(&format!("{base}{extra}")).unwrap();
        OtpLogin::builder(config)
            .build()
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert!(build("smtp_ca = \"/nonexistent/ca.pem\"\n").is_err());
    for (extra, key) in [
        (
            "subject = \"Hi\\r\\nBcc: eve@evil.com\"\n",
            "login.otp.subject",
        ),
        ("code_ttl = \"2h\"\n", "login.otp.code_ttl"),
        (
            "max_attempts_per_code = 0\n",
            "login.otp.max_attempts_per_code",
        ),
        ("username = \"gate\"\n", "login.otp.username"),
        (
            "username = \"gate\"\npassword_env = \"A\"\npassword_file = \"p\"\n",
            "login.otp.password_env",
        ),
    ] {
        let error = build(extra).unwrap_err();
        assert!(
            error.starts_with(&format!("config: {key}:")),
            "{extra}: {error}"
        );
    }
    let bad_from: Result<OtpConfig, _> =
        toml::from_str("smtp_host = \"smtp.example.com\"\nfrom = \"a@b.com@evil.com\"\n");
    let error = OtpLogin::builder(bad_from.unwrap()).build().unwrap_err();
    assert!(error.to_string().starts_with("config: login.otp.from:"));
    let bad_host: OtpConfig =
        toml::from_str("smtp_host = \"smtp.example.com\\r\\nRCPT\"\nfrom = \"a@b.com\"\n").unwrap();
    assert!(OtpLogin::builder(bad_host).build().is_err());
    assert!(toml::from_str::<OtpConfig>(&format!("{base}password = \"inline\"\n")).is_err());
    assert!(toml::from_str::<OtpConfig>(&format!("{base}tls = \"none\"\n")).is_err());
}
