//! Writes what `benches/gate-vs-nginx.sh` runs on, with the examples' lab: one P-256 CA,
//! the server's certificate and key (P-256), one device's certificate and key, CRLs
//! listing 0, 100,000 and 1,000,000 random serials, and for each CRL size (and "none",
//! no CRL at all) a gate configuration and an nginx configuration that serve the same
//! host with the same files in front of the same origin; plus the origin's nginx
//! configuration (`return 200 "ok"`).
//!
//! ```text
//! gate_setup DIR ORIGIN_PORT GATE_PORT NGINX_PORT
//! ```
//!
//! Files (all under `DIR`): `root/ca.pem`, `server.pem`, `server-key.pem`,
//! `bench/bench.pem`, `bench/bench-key.pem`, `revoked/revoked.pem` and its key (a
//! device whose serial every non-empty CRL lists), `crl-{0,100k,1m}.pem`,
//! `gate-{none,0,100k,1m}.toml`, `nginx-{none,0,100k,1m}.conf`, `nginx-origin.conf`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use certgate_ca::{FileMode, RevokedEntry, write_atomic};
use certgate_examples::lab::{HOST, Keys, Lab, LabError};
use time::{Duration, OffsetDateTime};

/// The CRL sizes compared, by the name the files and the script use; `None`: no CRL.
const CRLS: [(&str, Option<u64>); 4] = [
    ("none", None),
    ("0", Some(0)),
    ("100k", Some(100_000)),
    ("1m", Some(1_000_000)),
];

/// Connections each server under test accepts at most: the idle-memory step holds
/// 1,000 open at once and the load runs use at most a few dozen, so neither server ever
/// turns a client away (the gate's default is 10,000, nginx's 512 per worker).
const MAX_CONNECTIONS: usize = 16_384;

/// Idle upstream connections nginx keeps per worker: more than the load generator's
/// concurrent requests, so the keep-alive run never opens an origin connection anew
/// (the gate's pool keeps every idle one).
const UPSTREAM_KEEPALIVE: usize = 128;

/// The device's serial: 20 octets, never among the CRLs' 16-octet ones.
const DEVICE_SERIAL: [u8; 20] = [0x42; 20];

/// Why the setup failed.
#[derive(Debug, thiserror::Error)]
enum SetupError {
    #[error(transparent)]
    Lab(#[from] LabError),
    #[error(transparent)]
    Ca(#[from] certgate_ca::CaError),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the lab's gate.toml has no `{0}` line to replace")]
    GateConfigShape(&'static str),
    #[error("not a port: {0}")]
    Port(String),
}

/// A 16-octet serial that looks random (splitmix64 of the index, twice), top bit clear:
/// as `benches/crl_load.rs` makes them, so neither server's CRL gets sorted input.
fn random_serial(i: u64) -> Vec<u8> {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut out = mix(i).to_be_bytes().to_vec();
    out.extend(mix(i ^ 0x5555_5555_5555_5555).to_be_bytes());
    out[0] &= 0x7f;
    out[0] |= 0x01;
    out
}

/// Writes `DIR/crl-NAME.pem` listing `entries` random serials, valid for a day.
fn write_crl(lab: &Lab, name: &str, number: u64, entries: u64) -> Result<PathBuf, SetupError> {
    let started = Instant::now();
    let now = OffsetDateTime::now_utc();
    let revoked_at = now - Duration::minutes(1);
    let crl = lab
        .ca
        .crl(number, now - Duration::minutes(5), now + Duration::days(1))
        .with_entries((0..entries).map(|i| RevokedEntry {
            serial: random_serial(i),
            revoked_at,
            reason: None,
        }))
        .build()?;
    let path = lab.dir.join(format!("crl-{name}.pem"));
    let pem = crl.to_pem();
    write_atomic(&path, pem.as_bytes(), FileMode::Public)?;
    eprintln!(
        "gate_setup: {} ({entries} entries, {:.1} MiB of DER) in {:.1} s",
        path.display(),
        crl.der().len() as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64()
    );
    Ok(path)
}

/// The gate configurations, one per CRL size, from the lab's `gate.toml`: its
/// `crls = [...]` line points at each CRL in turn, or goes for "none".
fn write_gate_configs(lab: &Lab, origin: &str, listen: &str) -> Result<(), SetupError> {
    let limits = format!("max_connections = {MAX_CONNECTIONS}");
    let path = lab.write_gate_config(&format!("http://{origin}"), listen, "enforce", &limits)?;
    let text = std::fs::read_to_string(&path).map_err(|source| SetupError::Read {
        path: path.clone(),
        source,
    })?;
    let line = format!("crls = [\"{}\"]\n", lab.dir.join("crl.pem").display());
    if !text.contains(&line) {
        return Err(SetupError::GateConfigShape("crls"));
    }
    for (name, entries) in CRLS {
        let crls = match entries {
            Some(_) => format!(
                "crls = [\"{}\"]\n",
                lab.dir.join(format!("crl-{name}.pem")).display()
            ),
            None => String::new(),
        };
        let out = lab.dir.join(format!("gate-{name}.toml"));
        write_atomic(
            &out,
            text.replace(&line, &crls).as_bytes(),
            FileMode::Public,
        )?;
    }
    Ok(())
}

/// nginx's common head: one worker, no access log, room for the idle connections.
fn nginx_head(dir: &Path, name: &str) -> String {
    let d = dir.display();
    format!(
        "# Written by gate_setup for benches/gate-vs-nginx.sh.\n\
         worker_processes 1;\ndaemon off;\npid {d}/nginx-{name}.pid;\n\
         error_log {d}/nginx-{name}-error.log warn;\nworker_rlimit_nofile {};\n\
         events {{ worker_connections {MAX_CONNECTIONS}; }}\n\
         http {{\n  access_log off;\n  keepalive_requests 1000000;\n  keepalive_timeout 75s;\n\
         \x20 client_body_temp_path {d}/tmp/body-{name};\n  proxy_temp_path {d}/tmp/proxy-{name};\n\
         \x20 fastcgi_temp_path {d}/tmp/fastcgi-{name};\n  uwsgi_temp_path {d}/tmp/uwsgi-{name};\n\
         \x20 scgi_temp_path {d}/tmp/scgi-{name};\n",
        MAX_CONNECTIONS + 1024,
    )
}

/// The origin both servers proxy to: nginx answering `ok` to everything.
fn nginx_origin(dir: &Path, port: u16) -> String {
    let mut text = nginx_head(dir, "origin");
    let _ = write!(
        text,
        "  server {{\n    listen 127.0.0.1:{port} backlog=4096;\n\
         \x20   location / {{ default_type text/plain; return 200 \"ok\"; }}\n  }}\n}}\n"
    );
    text
}

/// nginx under test: mTLS as the gate does it (TLS 1.3, X25519, the same CA, CRL and
/// server certificate), the client's identity forwarded in headers, proxying to the
/// origin over a keep-alive pool.
fn nginx_server(dir: &Path, name: &str, crl: Option<&Path>, port: u16, origin: u16) -> String {
    let d = dir.display();
    let mut text = nginx_head(dir, name);
    let crl_line = crl.map_or(String::new(), |p| format!("    ssl_crl {};\n", p.display()));
    let _ = write!(
        text,
        "  upstream origin {{\n    server 127.0.0.1:{origin};\n    keepalive {UPSTREAM_KEEPALIVE};\n  }}\n\
         \x20 server {{\n    listen 127.0.0.1:{port} ssl backlog=4096;\n    server_name {HOST};\n\
         \x20   ssl_certificate {d}/server.pem;\n    ssl_certificate_key {d}/server-key.pem;\n\
         \x20   ssl_protocols TLSv1.3;\n    ssl_ecdh_curve X25519;\n\
         \x20   ssl_client_certificate {d}/root/ca.pem;\n    ssl_verify_client on;\n{crl_line}\
         \x20   location / {{\n      proxy_pass http://origin;\n      proxy_http_version 1.1;\n\
         \x20     proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n\
         \x20     proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
         \x20     proxy_set_header X-Forwarded-Proto https;\n\
         \x20     proxy_set_header X-SSL-Client-Verify $ssl_client_verify;\n\
         \x20     proxy_set_header X-SSL-Client-S-DN $ssl_client_s_dn;\n\
         \x20     proxy_set_header X-SSL-Client-Serial $ssl_client_serial;\n\
         \x20     proxy_set_header X-SSL-Client-Fingerprint $ssl_client_fingerprint;\n\
         \x20     proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;\n\
         \x20   }}\n  }}\n}}\n"
    );
    text
}

fn write_nginx_configs(dir: &Path, ports: [u16; 3]) -> Result<(), SetupError> {
    let [origin, _, nginx] = ports;
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).map_err(|source| SetupError::Read { path: tmp, source })?;
    write_atomic(
        dir.join("nginx-origin.conf"),
        nginx_origin(dir, origin).as_bytes(),
        FileMode::Public,
    )?;
    for (name, entries) in CRLS {
        let crl = entries.map(|_| dir.join(format!("crl-{name}.pem")));
        let text = nginx_server(dir, name, crl.as_deref(), nginx, origin);
        write_atomic(
            dir.join(format!("nginx-{name}.conf")),
            text.as_bytes(),
            FileMode::Public,
        )?;
    }
    Ok(())
}

fn setup(dir: &Path, ports: [u16; 3]) -> Result<(), SetupError> {
    let [origin, gate, _] = ports;
    let lab = Lab::create(dir, Keys::Fast, None)?;
    lab.device("bench", "bench-device", &DEVICE_SERIAL)?;
    // Listed in every CRL but the empty one: the script checks that both servers refuse it.
    lab.device("revoked", "revoked-device", &random_serial(0))?;
    // The lab's own `crl.pem` (empty) is what its gate.toml names until replaced.
    lab.write_crl(&[])?;
    for (number, (name, entries)) in (2..).zip(CRLS) {
        if let Some(entries) = entries {
            write_crl(&lab, name, number, entries)?;
        }
    }
    write_gate_configs(
        &lab,
        &format!("127.0.0.1:{origin}"),
        &format!("127.0.0.1:{gate}"),
    )?;
    write_nginx_configs(dir, ports)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, ports @ ..] = args.as_slice() else {
        eprintln!("usage: gate_setup DIR ORIGIN_PORT GATE_PORT NGINX_PORT");
        return ExitCode::from(2);
    };
    let ports: Result<Vec<u16>, SetupError> = ports
        .iter()
        .map(|p| p.parse().map_err(|_| SetupError::Port(p.clone())))
        .collect();
    let ports = match ports.map(<[u16; 3]>::try_from) {
        Ok(Ok(ports)) => ports,
        Ok(Err(_)) => {
            eprintln!("usage: gate_setup DIR ORIGIN_PORT GATE_PORT NGINX_PORT");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("gate_setup: {e}");
            return ExitCode::from(2);
        }
    };
    match setup(Path::new(dir), ports) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gate_setup: {e}");
            ExitCode::FAILURE
        }
    }
}
