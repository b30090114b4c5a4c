//! A real browser logs in at the gate: headless Chromium with the iPhone's `.p12`
//! opens money-app through the gate (`enforce`: the certificate is asked for in the TLS
//! handshake, before any page, so no login page can race the certificate prompt), is
//! sent to the login page, picks the test OpenID provider, signs in at its form, comes
//! back with a session bound to its certificate, and enters an expense.

#![allow(clippy::unwrap_used)]

mod gate_common;
mod oidc_common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use certgate_examples::lab::HOST;
use gate_common::browser::{browser_home, lab_ca_cn, need_browser};
use gate_common::{GateProcess, support, world};
use oidc_common::{CLIENT_ID, CLIENT_SECRET, Provider, free_port, provider_dir};

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
"#;

/// money-app; killed when dropped.
struct MoneyApp(Child);

impl Drop for MoneyApp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn money_app(workbook: &std::path::Path) -> (MoneyApp, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_money-app"))
        .args(["--listen", "127.0.0.1:0", "--workbook"])
        .arg(workbook)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("money-app listening on ")
        .unwrap_or_else(|| panic!("money-app said {line:?}"))
        .to_owned();
    (MoneyApp(child), url)
}

#[test]
fn chromium_logs_in_with_the_provider_and_enters_an_expense() {
    if !need_browser() {
        return;
    }
    let Some(dir) = provider_dir() else { return };
    let world = world();
    let workbook = world.dir.path().join("expenses.csv");
    let (_app, url) = money_app(&workbook);
    let lab = world.dir.path();
    let config = world
        .lab
        .write_gate_config(&url, "127.0.0.1:0", "enforce", "")
        .unwrap();
    std::fs::write(lab.join("policies.toml"), POLICY).unwrap();
    std::fs::write(lab.join("oidc-secret.txt"), CLIENT_SECRET).unwrap();
    let port = free_port();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!(
            "{text}\n[[login.oidc]]\nname = \"test\"\ndisplay_name = \"Test IdP\"\n\
             issuer = \"http://127.0.0.1:{port}\"\nclient_id = \"{CLIENT_ID}\"\n\
             client_secret_file = \"oidc-secret.txt\"\n"
        ),
    )
    .unwrap();
    let gate = GateProcess::start(&config, lab.join("gate.log"));
    let callback = format!(
        "https://{HOST}:{}/cdn-cgi/access/callback",
        gate.addr.port()
    );
    let _provider = Provider::start(&dir, port, &[callback], &[], lab.join("provider.log"));
    let home = browser_home(&world, "chromium-login", Some(&world.iphone));
    let form = serde_json::json!({
        "date": "2025-03-15",
        "amount": "7.25",
        "currency": "EUR",
        "category": "Transport",
        "note": "after an OIDC login",
    });
    let out = Command::new("python3")
        .arg(support("browser.py"))
        .arg("--home")
        .arg(&home)
        .args(["--url", &gate.url("/"), "--issuer-cn", &lab_ca_cn(&world)])
        .args([
            "--login-click",
            "#login-oidc-test",
            "--login-account",
            "sam",
        ])
        .args(["--form", &form.to_string(), "--wait-path", "/expenses"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let result: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "browser.py: {e}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(result["error"].is_null(), "{result}\n{}", gate.log());
    let pages = result["pages"].as_array().unwrap();
    // The first page is the gate's login page: the handshake, certificate included,
    // was done before it.
    assert!(
        pages[0]["title"]
            .as_str()
            .unwrap()
            .contains("Sign in to money.localhost"),
        "{result}"
    );
    assert!(
        pages[0]["text"]
            .as_str()
            .unwrap()
            .contains("Sign in with Test IdP")
    );
    assert!(
        pages[1]["url"].as_str().unwrap().contains("/interaction/"),
        "{result}"
    );
    assert!(
        pages[2]["text"].as_str().unwrap().contains("Add expense"),
        "{result}"
    );
    let listed = pages[3]["text"].as_str().unwrap();
    assert!(listed.contains("after an OIDC login"), "{result}");
    let rows = std::fs::read_to_string(&workbook).unwrap();
    assert!(rows.contains("after an OIDC login"), "{rows}");
    let log = gate.log();
    assert!(
        log.contains("signed in") && log.contains("\"bound\":true"),
        "{log}"
    );
}
