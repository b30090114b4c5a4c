//! Helpers for the CLI tests: run `certgate` in a directory, with the seed's files.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use certgate_test_support::{ToolOutput, run_with_stdin};

/// The `certgate` binary under test.
pub const CERTGATE: &str = env!("CARGO_BIN_EXE_certgate");

/// Runs `certgate ARGS` in `dir`.
pub fn certgate(dir: &Path, args: &[&str]) -> ToolOutput {
    run_with_stdin(CERTGATE, args, dir, b"")
}

/// Runs `certgate ARGS` in `dir` and expects success.
pub fn certgate_ok(dir: &Path, args: &[&str]) -> ToolOutput {
    let out = certgate(dir, args);
    assert!(out.success(), "certgate {args:?} failed:\n{}", out.stderr);
    out
}

/// Runs `certgate ARGS` in `dir` and expects failure with one line on stderr.
pub fn certgate_err(dir: &Path, args: &[&str]) -> String {
    let out = certgate(dir, args);
    assert!(
        !out.success(),
        "certgate {args:?} succeeded:\n{}",
        out.stdout
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "not one line: {}",
        out.stderr
    );
    assert!(out.stderr.starts_with("certgate: "), "{}", out.stderr);
    out.stderr
}

/// `certgate ARGS1 | certgate ARGS2` in `dir`: two processes joined by an OS pipe, as a
/// shell runs them. Returns what each said (the first one's stdout went down the pipe).
pub fn pipe_raw(dir: &Path, first: &[&str], second: &[&str]) -> (ToolOutput, ToolOutput) {
    let mut one = Command::new(CERTGATE)
        .args(first)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let two = Command::new(CERTGATE)
        .args(second)
        .current_dir(dir)
        .stdin(one.stdout.take().unwrap())
        .output()
        .unwrap();
    let one = one.wait_with_output().unwrap();
    (tool_output(&one), tool_output(&two))
}

/// `certgate ARGS1 | certgate ARGS2` in `dir`; both must succeed.
pub fn pipe(dir: &Path, first: &[&str], second: &[&str]) -> ToolOutput {
    let (one, two) = pipe_raw(dir, first, second);
    assert!(one.success(), "certgate {first:?} failed:\n{}", one.stderr);
    assert!(two.success(), "certgate {second:?} failed:\n{}", two.stderr);
    two
}

/// A finished process as the test-support crate describes it.
pub fn tool_output(out: &Output) -> ToolOutput {
    ToolOutput {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The seed walkthrough's JSON files, copied into `root/` and `client/` under `dir`.
pub fn seed_files(dir: &Path) -> (PathBuf, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("walkthrough");
    let root = dir.join("root");
    let client = dir.join("client");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&client).unwrap();
    for f in ["ca-csr.json", "ca-config.json"] {
        std::fs::copy(src.join("root").join(f), root.join(f)).unwrap();
    }
    std::fs::copy(
        src.join("client/client-csr.json"),
        client.join("client-csr.json"),
    )
    .unwrap();
    (root, client)
}

/// The names of the files in `dir`, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The permission bits of a file.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A small CA made with the CLI in `dir` (ECDSA, fast): ca.pem, ca-key.pem, ca-config.json.
pub fn small_ca(dir: &Path) {
    std::fs::write(
        dir.join("ca-csr.json"),
        r#"{"CN": "Test CA", "key": {"algo": "ecdsa", "size": 256}}"#,
    )
    .unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("walkthrough/root/ca-config.json"),
        dir.join("ca-config.json"),
    )
    .unwrap();
    certgate_ok(dir, &["genkey", "-initca", "-bare", "ca", "ca-csr.json"]);
}

/// `openssl ARGS` in `dir`.
pub fn openssl(dir: &Path, args: &[&str]) -> ToolOutput {
    certgate_test_support::run("openssl", args, dir)
}

/// An `openssl s_server -www` on 127.0.0.1 at a free port, stopped when dropped.
pub struct OpensslServer {
    child: std::process::Child,
    /// The port it listens on.
    pub port: u16,
}

impl OpensslServer {
    /// Starts `openssl s_server -www` in `dir` with `cert` and `key` (files in `dir`) and
    /// `extra` arguments (`-tls1_2`, ...), and waits until it accepts connections.
    pub fn start(dir: &Path, cert: &str, key: &str, extra: &[&str]) -> Self {
        use std::io::BufRead;
        // A port the OS just handed out and took back: free unless another process takes
        // it in between, which the ACCEPT check below would reveal.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let accept = format!("127.0.0.1:{port}");
        let mut child = Command::new("openssl")
            .args([
                "s_server", "-accept", &accept, "-cert", cert, "-key", key, "-www",
            ])
            .args(extra)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // s_server prints ACCEPT once it listens.
        while !line.starts_with("ACCEPT") {
            line.clear();
            if stdout.read_line(&mut line).unwrap() == 0 {
                let _ = child.kill();
                panic!("openssl s_server on port {port} exited before accepting");
            }
        }
        // Keep reading what it prints per connection, so it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Self { child, port }
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
