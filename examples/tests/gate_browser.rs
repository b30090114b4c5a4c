//! A real browser through the gate: headless Chromium, driven over WebDriver, with the
//! device's `.p12` imported into its NSS database by pk12util and picked without a
//! dialog; and, without a certificate, the page that says what to do.

#![allow(clippy::unwrap_used)]

mod gate_common;

use gate_common::{browser, browser_home, gate_with, need_browser};

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
            .requests()
            .contains(&"request GET /from-chromium".to_owned())
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
    assert!(origin.requests().is_empty(), "{:?}", origin.requests());
}
