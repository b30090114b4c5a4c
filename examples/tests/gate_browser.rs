//! A real browser through the gate: headless Chromium, driven over WebDriver, with the
//! device's `.p12` imported into its NSS database by pk12util and picked without a
//! dialog: the echo origin, and money-app's form filled in, submitted and listed; and,
//! without a certificate, the page that says what to do.

#![allow(clippy::unwrap_used)]

mod gate_common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use gate_common::browser::{browser, browser_home, gate_in_front_of, need_browser};
use gate_common::{gate_with, world};

#[test]
fn chromium_with_the_iphone_p12_reaches_the_origin() {
    if !need_browser() {
        return;
    }
    let (world, origin, gate) = gate_with("enforce", "");
    let home = browser_home(&world, "chromium-iphone", Some(&world.iphone));
    let result = browser(&world, &home, &gate.url("/from-chromium"), None);
    let page = &result["pages"][0];
    let text = page["text"].as_str().unwrap();
    // The page is the echo: the origin saw the gate's identity of the iPhone.
    let echo: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {page}"));
    assert_eq!(echo["path"], "/from-chromium", "{page}");
    let headers = gate_common::echo_headers(text);
    let subjects = gate_common::values(&headers, "certgate-subject");
    assert_eq!(subjects.len(), 1, "{headers:?}");
    assert!(subjects[0].starts_with("CN=Sam's iPhone,"), "{subjects:?}");
    assert_eq!(
        gate_common::values(&headers, "cf-client-cert-sha256"),
        vec![certgate_x509::Sha256Fingerprint::of(&world.iphone.der).to_hex()]
    );
    assert!(
        gate_common::values(&headers, "user-agent")[0].contains("Chrome"),
        "{headers:?}"
    );
    assert!(
        origin
            .requests_until("/from-chromium")
            .ends_with(&["request GET /from-chromium".to_owned()])
    );
}

#[test]
fn chromium_without_a_certificate_sees_what_to_do() {
    if !need_browser() {
        return;
    }
    let (world, origin, gate) = gate_with("report", "");
    let home = browser_home(&world, "chromium-none", None);
    let result = browser(&world, &home, &gate.url("/"), None);
    let page = &result["pages"][0];
    assert!(
        page["title"]
            .as_str()
            .unwrap()
            .contains("This site needs a device certificate"),
        "{page}"
    );
    assert!(page["text"].as_str().unwrap().contains(".p12"), "{page}");
    // Nothing reached the origin before a request that did.
    let (status, _) = gate_common::curl(&gate, &world, Some(&world.iphone), &[], "/after");
    assert_eq!(status, 200);
    assert_eq!(origin.requests_until("/after"), vec!["request GET /after"]);
}

/// money-app; killed when dropped.
struct MoneyApp(Child);

impl Drop for MoneyApp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts money-app on a free port with `workbook`: the process and its URL.
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
fn chromium_enters_an_expense_through_the_gate() {
    if !need_browser() {
        return;
    }
    let world = world();
    let workbook = world.dir.path().join("expenses.csv");
    let (_app, url) = money_app(&workbook);
    let gate = gate_in_front_of(&world, &url, "enforce");
    let home = browser_home(&world, "chromium-money", Some(&world.iphone));
    let form = serde_json::json!({
        "date": "2025-03-14",
        "amount": "12.50",
        "currency": "EUR",
        "category": "Groceries",
        "note": "typed in chromium",
    });
    let result = browser(&world, &home, &gate.url("/"), Some((&form, "/expenses")));
    let form_page = result["pages"][0]["text"].as_str().unwrap();
    assert!(form_page.contains("Add expense"), "{result}");
    let listed = result["pages"][1]["text"].as_str().unwrap();
    for needle in ["typed in chromium", "12.50", "Groceries", "2025-03-14"] {
        assert!(listed.contains(needle), "{needle} not listed: {result}");
    }
    let rows = std::fs::read_to_string(&workbook).unwrap();
    assert!(rows.contains("typed in chromium"), "{rows}");
    assert!(rows.contains("2025-03-14"), "{rows}");
    assert!(
        gate.log().contains("\"path\":\"/expenses\""),
        "{}",
        gate.log()
    );
}
