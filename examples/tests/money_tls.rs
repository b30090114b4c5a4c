//! money-app on its own with TLS: certgate-verify in its own ServerConfig and
//! certgate-gate's GateLayer in front of the router (the "embed it" use), checked with
//! curl as a phone would reach it.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use certgate_examples::lab::{Device, Keys, Lab};

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn curl(port: u16, lab: &Lab, device: Option<&Device>, path: &str) -> (u16, String) {
    let mut args = vec![
        "-sS".to_owned(),
        "--max-time".into(),
        "20".into(),
        "--cacert".into(),
        lab.ca_pem.display().to_string(),
        "-H".into(),
        "Certgate-Subject: CN=someone else".into(),
        "-w".into(),
        "\n%{http_code}".into(),
    ];
    if let Some(d) = device {
        args.extend([
            "--cert".into(),
            d.cert.display().to_string(),
            "--key".into(),
            d.key.display().to_string(),
        ]);
    }
    args.push(format!("https://127.0.0.1:{port}{path}"));
    let out = Command::new("curl").args(&args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.trim().parse().unwrap(), body.to_owned())
}

#[test]
fn money_app_with_tls_and_the_gate_layer() {
    if !certgate_test_support::require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lab = Lab::create(dir.path(), Keys::Fast, None).unwrap();
    let phone = lab.device("iphone", "Sam's iPhone", &[0x21]).unwrap();
    let old = lab.device("old", "old phone", &[0x22]).unwrap();
    let other = Lab::create(&dir.path().join("other"), Keys::Fast, Some("Other CA")).unwrap();
    let stranger = other.device("stranger", "stranger", &[0x23]).unwrap();
    let crl = lab.write_crl(&[&old]).unwrap();
    let (cert, key) = lab.server().unwrap();
    let policy = lab.write_policy().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_money-app"))
        .args(["--listen", "127.0.0.1:0", "--workbook"])
        .arg(dir.path().join("expenses.csv"))
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .arg("--client-ca")
        .arg(&lab.ca_pem)
        .arg("--crl")
        .arg(&crl)
        .arg("--policy")
        .arg(&policy)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _app = Killed(child);
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    assert!(
        line.starts_with("money-app listening on https://"),
        "{line}"
    );

    let (status, body) = curl(port, &lab, Some(&phone), "/");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("Sam&#39;s iPhone") || body.contains("Sam&#x27;s iPhone"),
        "{body}"
    );
    assert!(
        !body.contains("someone else"),
        "a client's header reached the app: {body}"
    );
    let (status, body) = curl(port, &lab, None, "/");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("no-certificate"), "{body}");
    let (status, body) = curl(port, &lab, Some(&old), "/");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("revoked"), "{body}");
    let (status, body) = curl(port, &lab, Some(&stranger), "/");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("unknown-ca"), "{body}");
}
