//! Running the real gate binary for the end-to-end tests: a lab PKI, an echo origin
//! that answers with the headers it received (so tests check what reached the origin),
//! and the gate in front of it.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use certgate_examples::lab::{Device, Keys, Lab};

/// The gate process; killed when dropped.
pub struct GateProcess {
    pub child: Child,
    pub addr: SocketAddr,
    pub metrics: SocketAddr,
    pub log: PathBuf,
}

impl Drop for GateProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl GateProcess {
    /// Starts `certgate-gate CONFIG` and reads the addresses it prints.
    pub fn start(config: &Path, log: PathBuf) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_certgate-gate"))
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut addr = None;
        let mut metrics = None;
        while addr.is_none() || metrics.is_none() {
            let Some(Ok(line)) = lines.next() else {
                panic!(
                    "the gate exited: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            };
            if let Some(a) = line.strip_prefix("certgate-gate listening on https://") {
                addr = Some(a.parse().unwrap());
            }
            if let Some(a) = line.strip_prefix("certgate-gate metrics on http://") {
                metrics = Some(a.trim_end_matches("/metrics").parse().unwrap());
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            addr: addr.unwrap(),
            metrics: metrics.unwrap(),
            log,
        }
    }

    /// The gate's decision log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `curl --resolve` arguments that send HOST to this gate.
    pub fn resolve(&self) -> String {
        format!(
            "{}:{}:127.0.0.1",
            certgate_examples::lab::HOST,
            self.addr.port()
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!(
            "https://{}:{}{path}",
            certgate_examples::lab::HOST,
            self.addr.port()
        )
    }

    pub fn metrics_text(&self) -> String {
        let out = Command::new("curl")
            .args(["-s", &format!("http://{}/metrics", self.metrics)])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The lab used by the gate tests: a CA, two devices (`iphone` serial 0x11, `laptop`
/// 0x12), a device of another CA (`stranger`), a CRL revoking none.
pub struct World {
    pub dir: tempfile::TempDir,
    pub lab: Lab,
    pub iphone: Device,
    pub laptop: Device,
    pub stranger: Device,
}

pub fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let lab = Lab::create(dir.path(), Keys::Fast, None).unwrap();
    let iphone = lab.device("iphone", "Sam's iPhone", &[0x11]).unwrap();
    let laptop = lab.device("laptop", "my-laptop", &[0x12]).unwrap();
    let other = Lab::create(&dir.path().join("other"), Keys::Fast, Some("Stranger CA")).unwrap();
    let stranger = other.device("stranger", "stranger", &[0x13]).unwrap();
    lab.write_crl(&[]).unwrap();
    World {
        dir,
        lab,
        iphone,
        laptop,
        stranger,
    }
}

/// curl through the gate with a device's PEM certificate (or none): (status, body).
pub fn curl(
    gate: &GateProcess,
    world: &World,
    device: Option<&Device>,
    extra: &[&str],
    path: &str,
) -> (u16, String) {
    let mut args: Vec<String> = vec![
        "-sS".into(),
        "--max-time".into(),
        "20".into(),
        "--resolve".into(),
        gate.resolve(),
        "--cacert".into(),
        world.lab.ca_pem.display().to_string(),
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
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(gate.url(path));
    let out = Command::new("curl").args(&args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

/// The echo origin (a Python process); killed when dropped.
pub struct Origin {
    pub child: Child,
    pub port: u16,
}

impl Drop for Origin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn echo_origin() -> Origin {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/echo_origin.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    Origin {
        child,
        port: line.trim().parse().unwrap(),
    }
}

/// A lab, an echo origin and the gate in front of it, with `limits` in `[limits]`.
pub fn gate_with(mode: &str, limits: &str) -> (World, Origin, GateProcess) {
    let world = world();
    let origin = echo_origin();
    let config = world
        .lab
        .write_gate_config(
            &format!("http://127.0.0.1:{}", origin.port),
            "127.0.0.1:0",
            mode,
            limits,
        )
        .unwrap();
    let gate = GateProcess::start(&config, world.dir.path().join("gate.log"));
    (world, origin, gate)
}
