//! money-app behind the gate in a real browser: headless Chromium with the iPhone's
//! `.p12` opens the form through the gate, fills it in, submits it, and sees the row
//! listed; the row is in the workbook.
//!
//! Not built until money-app is a bin of certgate-examples (`CARGO_BIN_EXE_money-app`
//! exists only then): to enable it, move this file to `examples/tests/`.

#![allow(clippy::unwrap_used)]

mod gate_common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use gate_common::{browser, browser_home, gate_in_front_of, need_browser, world};

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
        "amount": "12.50",
        "currency": "EUR",
        "category": "Groceries",
        "note": "typed in chromium",
    });
    let result = browser(&world, &home, &gate.url("/"), Some((&form, "/expenses")));
    let form_page = result["pages"][0]["text"].as_str().unwrap();
    assert!(form_page.contains("Add expense"), "{result}");
    let listed = result["pages"][1]["text"].as_str().unwrap();
    for needle in ["typed in chromium", "12.50", "Groceries"] {
        assert!(listed.contains(needle), "{needle} not listed: {result}");
    }
    let rows = std::fs::read_to_string(&workbook).unwrap();
    assert!(rows.contains("typed in chromium"), "{rows}");
    assert!(gate.log().contains("\"path\":\"/expenses\""), "{}", gate.log());
}
