//! Headless Chromium through the gate: its NSS database, and `tests/support/browser.py`
//! driving it over WebDriver.

use std::path::{Path, PathBuf};
use std::process::Command;

use certgate_examples::lab::Device;

use super::{GateProcess, World, support};

/// The gate in front of `origin` (an URL) for `world`'s lab.
pub fn gate_in_front_of(world: &World, origin: &str, mode: &str) -> GateProcess {
    let config = world
        .lab
        .write_gate_config(origin, "127.0.0.1:0", mode, "")
        .unwrap();
    GateProcess::start(&config, world.dir.path().join("gate.log"))
}

/// Whether the browser tests' tools are here (else skip, or fail under CI).
pub fn need_browser() -> bool {
    [
        "python3",
        "chromium",
        "chromedriver",
        "certutil",
        "pk12util",
    ]
    .iter()
    .all(|t| certgate_test_support::require_tool(t))
}

/// A home directory for Chromium, `world.dir/NAME`, with a fresh NSS database
/// (`.pki/nssdb`, where Chromium on Linux looks) trusting the lab's CA for servers and
/// holding `device`'s modern `.p12`, imported with pk12util, when given.
pub fn browser_home(world: &World, name: &str, device: Option<&Device>) -> PathBuf {
    use certgate_test_support::run_ok;
    let home = world.dir.path().join(name);
    let db_dir = home.join(".pki/nssdb");
    std::fs::create_dir_all(&db_dir).unwrap();
    let db = format!("sql:{}", db_dir.display());
    let dir = world.dir.path();
    run_ok("certutil", &["-N", "-d", &db, "--empty-password"], dir);
    let ca = world.lab.ca_pem.display().to_string();
    run_ok(
        "certutil",
        &["-A", "-n", "lab CA", "-t", "C,,", "-i", &ca, "-d", &db],
        dir,
    );
    if let Some(device) = device {
        let p12 = device.p12.display().to_string();
        run_ok(
            "pk12util",
            &[
                "-i",
                &p12,
                "-d",
                &db,
                "-W",
                certgate_examples::lab::P12_PASSWORD,
            ],
            dir,
        );
    }
    home
}

/// The common name of the lab CA, as Chromium's certificate filter names the issuer.
pub fn lab_ca_cn(world: &World) -> String {
    let der = &world.iphone.der;
    let view = certgate_x509::CertView::parse(der).unwrap();
    view.issuer.common_name().unwrap().into_owned()
}

/// Runs `tests/support/browser.py`: headless Chromium with `home`, loading `url` (then
/// filling and submitting its form with `form`, waiting for `wait_path`).
pub fn browser(
    world: &World,
    home: &Path,
    url: &str,
    form: Option<(&serde_json::Value, &str)>,
) -> serde_json::Value {
    let mut cmd = Command::new("python3");
    cmd.arg(support("browser.py"))
        .arg("--home")
        .arg(home)
        .args(["--url", url, "--issuer-cn", &lab_ca_cn(world)]);
    if let Some((fields, wait_path)) = form {
        cmd.args(["--form", &fields.to_string(), "--wait-path", wait_path]);
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let result: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "browser.py: {e}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        result["error"].is_null(),
        "{result}\n{}",
        std::fs::read_to_string(home.join("chromedriver.log")).unwrap_or_default()
    );
    result
}
