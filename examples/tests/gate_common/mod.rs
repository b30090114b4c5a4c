//! Running the real gate binary for the end-to-end tests: a lab PKI, an echo origin
//! that answers with the headers it received (so tests check what reached the origin),
//! and the gate in front of it; the Python clients in `tests/support/`.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use certgate_examples::lab::{Device, HOST, Keys, Lab};

pub mod browser;

/// How long a test waits for something that should happen at once (a reload polled
/// every 200 ms, a process starting or ending): generous, for a loaded machine.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Polls `done` every 50 ms until it is true; panics naming `what` after [`PATIENCE`].
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The configuration `config` with its `crls = ...` line replaced by `lines` (another
/// revocation source: CRL URLs, a database).
pub fn without_crl_files(config: &str, lines: &str) -> String {
    config
        .lines()
        .map(|l| {
            if l.starts_with("crls = ") {
                lines.to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

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
        self.resolve_name(HOST)
    }

    /// `curl --resolve` arguments that send `name` to this gate.
    pub fn resolve_name(&self, name: &str) -> String {
        format!("{name}:{}:127.0.0.1", self.addr.port())
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://{HOST}:{}{path}", self.addr.port())
    }

    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.metrics)
    }

    pub fn metrics_text(&self) -> String {
        let out = Command::new("curl")
            .args(["-s", "--max-time", "10", &self.metrics_url()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The value of the sample `name` (with its labels, as printed), 0 when absent.
    pub fn metric(&self, name: &str) -> f64 {
        self.metrics_text()
            .lines()
            .filter_map(|l| l.strip_prefix(name))
            .filter_map(|rest| rest.strip_prefix(' '))
            .find_map(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    }

    /// Waits until the sample `name` is at least `value`.
    pub fn wait_metric(&self, name: &str, value: f64) {
        wait_until(&format!("{name} >= {value}"), || self.metric(name) >= value);
    }

    /// Sends SIGTERM (the binary's graceful shutdown).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the gate to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let mut status = None;
        wait_until("the gate to exit", || {
            status = self.child.try_wait().unwrap();
            status.is_some()
        });
        status.unwrap()
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

/// curl's result: the status (0 when there was none), the body, curl's exit code and
/// its stderr.
#[derive(Debug)]
pub struct CurlOutput {
    pub status: u16,
    pub body: String,
    pub exit: i32,
    pub stderr: String,
    /// `%{http_version}`: `1.1` or `2`.
    pub http_version: String,
}

/// curl through the gate with extra arguments (a `--cert` or none): the full result.
pub fn curl_full<S: AsRef<str>>(
    gate: &GateProcess,
    world: &World,
    extra: &[S],
    path: &str,
) -> CurlOutput {
    let mut args: Vec<String> = vec![
        "-sS".into(),
        "--max-time".into(),
        "20".into(),
        "--resolve".into(),
        gate.resolve(),
        "--cacert".into(),
        world.lab.ca_pem.display().to_string(),
        "-w".into(),
        "\n%{http_code} %{http_version}".into(),
    ];
    args.extend(extra.iter().map(|s| s.as_ref().to_owned()));
    if !path.starts_with("https://") {
        args.push(gate.url(path));
    } else {
        args.push(path.to_owned());
    }
    let out = Command::new("curl").args(&args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, tail) = text.rsplit_once('\n').unwrap_or(("", "0 0"));
    let (code, version) = tail.split_once(' ').unwrap_or((tail, ""));
    CurlOutput {
        status: code.trim().parse().unwrap_or(0),
        body: body.to_owned(),
        exit: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        http_version: version.trim().to_owned(),
    }
}

/// `--cert PEM --key KEY` for a device.
pub fn pem_args(device: &Device) -> Vec<String> {
    vec![
        "--cert".into(),
        device.cert.display().to_string(),
        "--key".into(),
        device.key.display().to_string(),
    ]
}

/// curl through the gate with a device's PEM certificate (or none): (status, body).
pub fn curl(
    gate: &GateProcess,
    world: &World,
    device: Option<&Device>,
    extra: &[&str],
    path: &str,
) -> (u16, String) {
    let mut args = device.map(pem_args).unwrap_or_default();
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = curl_full(gate, world, &args, path);
    (out.status, out.body)
}

/// The headers the echo origin received, names lowercased, in order.
pub fn echo_headers(body: &str) -> Vec<(String, String)> {
    let echo: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not the echo ({e}): {body}"));
    echo["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_ascii_lowercase(),
                h[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every value of header `name` (lowercase) among `headers`.
pub fn values(headers: &[(String, String)], name: &str) -> Vec<String> {
    headers
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The echo origin (a Python process); killed when dropped. Its lines after the port
/// (one per request received) are collected.
pub struct Origin {
    pub child: Child,
    pub port: u16,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Drop for Origin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Origin {
    /// The requests the origin received so far (`request METHOD PATH`).
    pub fn requests(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// The requests the origin received up to `GET path`, once it has (its lines are read
    /// on a thread). A request forwarded before that one is listed before it, so this
    /// also shows which earlier requests never reached the origin.
    pub fn requests_until(&self, path: &str) -> Vec<String> {
        let line = format!("request GET {path}");
        wait_until(&format!("{line} at the origin"), || {
            self.requests().contains(&line)
        });
        let all = self.requests();
        let end = all.iter().position(|l| *l == line).unwrap();
        all[..=end].to_vec()
    }

    /// Stops the origin (its port then refuses connections).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn support(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(script)
}

pub fn echo_origin() -> Origin {
    let mut child = Command::new("python3")
        .arg(support("echo_origin.py"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    Origin {
        child,
        port: line.trim().parse().unwrap(),
        lines,
    }
}

/// A lab, an echo origin and the gate in front of it, with `limits` in `[limits]`.
pub fn gate_with(mode: &str, limits: &str) -> (World, Origin, GateProcess) {
    gate_with_config(mode, limits, |config| config)
}

/// As [`gate_with`], with the configuration text passed through `edit` first.
pub fn gate_with_config(
    mode: &str,
    limits: &str,
    edit: impl FnOnce(String) -> String,
) -> (World, Origin, GateProcess) {
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
    let text = edit(std::fs::read_to_string(&config).unwrap());
    std::fs::write(&config, text).unwrap();
    let gate = GateProcess::start(&config, world.dir.path().join("gate.log"));
    (world, origin, gate)
}

/// `python3 tests/support/tls_client.py COMMAND` against the gate with `device`'s PEM
/// certificate (or none), `args` after; stdin, stdout and stderr piped.
pub fn tls_client_command(
    gate: &GateProcess,
    world: &World,
    command: &str,
    device: Option<&Device>,
    args: &[&str],
) -> Command {
    let mut cmd = Command::new("python3");
    cmd.arg(support("tls_client.py"))
        .arg(command)
        .arg("--port")
        .arg(gate.addr.port().to_string())
        .arg("--ca")
        .arg(&world.lab.ca_pem);
    if let Some(d) = device {
        cmd.args(pem_args(d));
    }
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// The JSON a finished `tls_client.py` printed.
pub fn tls_client_output(child: Child) -> serde_json::Value {
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "tls_client.py: {e}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Runs `tests/support/tls_client.py COMMAND` (see [`tls_client_command`]); `stdin` is
/// the raw request for `raw`.
pub fn tls_client(
    gate: &GateProcess,
    world: &World,
    command: &str,
    device: Option<&Device>,
    args: &[&str],
    stdin: &[u8],
) -> serde_json::Value {
    let mut child = tls_client_command(gate, world, command, device, args)
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    tls_client_output(child)
}

/// Base64 (standard alphabet, padded) of `bytes`, as the gate's headers carry DER.
pub fn base64(bytes: &[u8]) -> String {
    certgate_x509::pem::encode("X", bytes)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect()
}

/// Whether the support scripts' tools are here: curl and python3 (else skip, or fail
/// under CI).
pub fn need_curl_and_python() -> bool {
    certgate_test_support::require_tool("curl") && certgate_test_support::require_tool("python3")
}
