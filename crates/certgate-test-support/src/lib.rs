//! Test helpers shared by certgate's crates: checks for the external tools that interop
//! tests run (openssl, cfssl, curl, Python, NSS), and small process helpers.
//!
//! A test that needs a tool calls [`require_tool`]: on a developer machine a missing tool
//! skips the test with a printed reason; under `CI` it fails, because a skip there would
//! hide a broken install step in `scripts/test`.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The Debian package that provides each tool the tests use.
const PACKAGES: [(&str, &str); 10] = [
    ("openssl", "openssl"),
    ("curl", "curl"),
    ("cfssl", "golang-cfssl"),
    ("cfssljson", "golang-cfssl"),
    ("pk12util", "libnss3-tools"),
    ("certutil", "libnss3-tools"),
    ("python3", "python3"),
    ("xz", "xz-utils"),
    ("sh", "dash"),
    ("script", "bsdutils"),
];

/// Whether the environment says we run in CI (`CI` set, and not `false` or `0`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn missing(what: &str, install: &str) -> bool {
    assert!(
        !in_ci(),
        "required {what} is not installed; scripts/test installs it ({install})"
    );
    eprintln!("skipping: {what} is not installed ({install})");
    false
}

/// Finds `name` on `PATH`.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// True when `name` is on `PATH`. When it is not: panics under CI, else prints why the
/// test is skipped and returns false.
///
/// # Panics
/// When the tool is missing and `CI` is set.
pub fn require_tool(name: &str) -> bool {
    if find_tool(name).is_some() {
        return true;
    }
    let package = PACKAGES
        .iter()
        .find(|(tool, _)| *tool == name)
        .map_or(name, |(_, package)| package);
    missing(&format!("tool `{name}`"), &format!("apt package {package}"))
}

/// True when `python3 -c "import MODULE"` works; otherwise as [`require_tool`].
///
/// # Panics
/// When the module is missing and `CI` is set.
pub fn require_python_module(module: &str) -> bool {
    if !require_tool("python3") {
        return false;
    }
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok || missing(
        &format!("Python module `{module}`"),
        &format!("apt package python3-{module} or pip install {module}"),
    )
}

/// What a finished process said.
#[derive(Debug)]
pub struct ToolOutput {
    /// The exit code (-1 when killed by a signal).
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl ToolOutput {
    /// Whether the process exited with 0.
    pub fn success(&self) -> bool {
        self.status == 0
    }
}

/// Runs `program` with `args` in `dir`, feeding it `stdin`.
///
/// # Panics
/// When the program cannot be started.
pub fn run_with_stdin(program: &str, args: &[&str], dir: &Path, stdin: &[u8]) -> ToolOutput {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    if let Some(mut input) = child.stdin.take() {
        // A program that exits without reading its input is not an error here.
        let _ = input.write_all(stdin);
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{program} did not finish: {e}"));
    ToolOutput {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `program` with `args` in `dir`, with empty standard input.
///
/// # Panics
/// When the program cannot be started.
pub fn run(program: &str, args: &[&str], dir: &Path) -> ToolOutput {
    run_with_stdin(program, args, dir, b"")
}

/// Runs like [`run`] and panics, showing both streams, unless the exit code is 0.
///
/// # Panics
/// When the program fails.
pub fn run_ok(program: &str, args: &[&str], dir: &Path) -> ToolOutput {
    let out = run(program, args, dir);
    assert!(
        out.success(),
        "{program} {args:?} exited {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        out.stdout,
        out.stderr
    );
    out
}

/// The read-only `shared/` directory beside the checkout (or `CERTGATE_SHARED_DIR`).
/// When absent: panics under CI, else prints why and returns `None`.
///
/// # Panics
/// When the directory is missing and `CI` is set.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CERTGATE_SHARED_DIR") {
        return Some(PathBuf::from(dir));
    }
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join(".git").exists() && !dir.join("deny.toml").exists() {
        if !dir.pop() {
            break;
        }
    }
    let shared = dir.join("../shared");
    if shared.is_dir() {
        return Some(shared);
    }
    assert!(
        !in_ci(),
        "shared/ is not beside the checkout at {}",
        shared.display()
    );
    eprintln!("skipping: shared/ not found beside the checkout");
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh_and_runs_it() {
        assert!(require_tool("sh"));
        let out = run_with_stdin("sh", &["-c", "cat; exit 3"], Path::new("."), b"hi");
        assert_eq!((out.status, out.stdout.as_str()), (3, "hi"));
    }

    #[test]
    fn a_missing_tool_is_not_found() {
        assert!(find_tool("certgate-no-such-tool").is_none());
    }
}

/// The README's Rust examples, compiled as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
