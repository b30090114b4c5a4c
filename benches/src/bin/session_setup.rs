//! Writes what `benches/session-overhead.sh` runs on, with the examples' lab: one P-256
//! CA, the server's certificate and key, one device's certificate and key; a gate
//! configuration (no CRL) with two applications on the same host, `/cert` (the
//! device's certificate alone) and `/both` (the certificate and a signed-in email, a
//! 24-hour session), its session keys kept in `DIR/session-keys`; a session for the
//! device on `/both`, signed with those keys and bound to the device's certificate
//! (`DIR/session-cookie.txt`: the `Cookie:` header line); and the origin's nginx
//! configuration (`return 200 "ok"`).
//!
//! ```text
//! session_setup DIR ORIGIN_PORT GATE_PORT
//! ```

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use certgate_ca::{FileMode, write_atomic};
use certgate_examples::lab::{HOST, Keys, Lab};
use certgate_gate::{SessionIssuer, SessionKeys};
use certgate_policy::{Identity, SessionDuration};
use certgate_x509::CertificateInfo;

/// The device's serial (as `gate_setup`'s).
const DEVICE_SERIAL: [u8; 20] = [0x42; 20];

/// The session's length: far longer than a run.
const SESSION: Duration = Duration::from_secs(24 * 3600);

/// Both applications allow the device's certificate; `/both` wants a login besides.
const POLICY: &str = r#"# Written by session_setup for benches/session-overhead.sh.
[[applications]]
name = "cert"
domains = ["money.localhost/cert"]

[[applications.policies]]
name = "device"
decision = "allow"
include = [{ certificate = true }]

[[applications]]
name = "both"
domains = ["money.localhost/both"]
session_duration = "24h"

[[applications.policies]]
name = "device-and-login"
decision = "allow"
include = [{ email_domain = "example.com" }]
require = [{ certificate = true }]
"#;

type Error = Box<dyn std::error::Error>;

fn setup(dir: &Path, origin: u16, gate: u16) -> Result<(), Error> {
    let lab = Lab::create(dir, Keys::Fast, None)?;
    let device = lab.device("bench", "bench-device", &DEVICE_SERIAL)?;
    lab.write_crl(&[])?;
    let config = lab.write_gate_config(
        &format!("http://127.0.0.1:{origin}"),
        &format!("127.0.0.1:{gate}"),
        "enforce",
        "max_connections = 16384",
    )?;
    let policy = dir.join("policies-session.toml");
    write_atomic(&policy, POLICY.as_bytes(), FileMode::Public)?;
    let keys_dir = dir.join("session-keys");
    let text = std::fs::read_to_string(&config)?
        .lines()
        .filter(|l| !l.starts_with("crls = "))
        .map(|l| {
            if l.starts_with("policy = ") {
                format!("policy = \"{}\"", policy.display())
            } else if l == "[server]" {
                format!("[server]\nsession_keys = \"{}\"", keys_dir.display())
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    write_atomic(
        dir.join("gate-session.toml"),
        format!("{text}\n").as_bytes(),
        FileMode::Public,
    )?;

    // The gate reads these keys at start: the session verifies there.
    let keys = Arc::new(SessionKeys::builder().with_dir(&keys_dir).build()?);
    let thumbprint = CertificateInfo::from_der(&device.der)?
        .fingerprint_sha256()
        .0;
    let identity = Identity::new("bench@example.com", "otp")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let issued = SessionIssuer::new(keys, format!("https://{HOST}")).issue(
        &identity,
        "both",
        SessionDuration::For(SESSION),
        Some(&thumbprint),
        now,
    )?;
    write_atomic(
        dir.join("session-cookie.txt"),
        format!("Cookie: CF_Authorization={}\n", issued.token).as_bytes(),
        FileMode::Private,
    )?;
    let d = dir.display();
    let origin_conf = format!(
        "# Written by session_setup for benches/session-overhead.sh.\n\
         worker_processes 1;\ndaemon off;\npid {d}/nginx-origin.pid;\n\
         error_log {d}/nginx-origin-error.log warn;\nevents {{ worker_connections 4096; }}\n\
         http {{\n  access_log off;\n  keepalive_requests 1000000;\n\
         \x20 client_body_temp_path {d}/tmp/body;\n  proxy_temp_path {d}/tmp/proxy;\n\
         \x20 fastcgi_temp_path {d}/tmp/fastcgi;\n  uwsgi_temp_path {d}/tmp/uwsgi;\n\
         \x20 scgi_temp_path {d}/tmp/scgi;\n\
         \x20 server {{\n    listen 127.0.0.1:{origin} backlog=4096;\n\
         \x20   location / {{ default_type text/plain; return 200 \"ok\"; }}\n  }}\n}}\n"
    );
    std::fs::create_dir_all(dir.join("tmp"))?;
    write_atomic(
        dir.join("nginx-origin.conf"),
        origin_conf.as_bytes(),
        FileMode::Public,
    )?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, origin, gate] = args.as_slice() else {
        eprintln!("usage: session_setup DIR ORIGIN_PORT GATE_PORT");
        return ExitCode::from(2);
    };
    let (Ok(origin), Ok(gate)) = (origin.parse(), gate.parse()) else {
        eprintln!("session_setup: the ports are numbers");
        return ExitCode::from(2);
    };
    match setup(Path::new(dir), origin, gate) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("session_setup: {e}");
            ExitCode::FAILURE
        }
    }
}
