//! Test helpers shared by certgate's crates: checks for the external tools that interop
//! tests run (openssl, cfssl, curl, Python, NSS) and for the shared conformance data, and
//! small process helpers.
//!
//! A test that needs a tool calls [`require_tool`], one that needs the shared data calls
//! [`shared_dir`]; both go through [`skip`] when the thing is missing. On a developer
//! machine that skips the test with a reason, printed and appended to the file named by
//! `CERTGATE_SKIP_LOG` (which `scripts/test` sets, so that it can count the skips at the
//! end: test output is captured, and a skipped test passes in 0.00 s); under `CI` it
//! fails, because a skip there would hide a broken install step in `scripts/test`.
#![forbid(unsafe_code)]

pub mod smtp;

use std::ffi::OsString;
use std::io::Write as _;
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
    skip(&format!("{what} is not installed ({install})"));
    false
}

/// Records that the calling test is skipped, and why: under `CI`, panics with `reason`
/// instead (a skip there hides a broken install step). Otherwise prints the reason and
/// appends a line `TEST-BINARY TEST-NAME<tab>REASON` to the file named by `CERTGATE_SKIP_LOG`,
/// when it is set. The caller then returns early.
///
/// # Panics
/// When `CI` is set.
pub fn skip(reason: &str) {
    record_skip(reason, in_ci(), std::env::var_os("CERTGATE_SKIP_LOG"));
}

fn record_skip(reason: &str, ci: bool, log: Option<OsString>) {
    let test = current_test();
    assert!(!ci, "{test}: {reason} (CI must not skip tests)");
    eprintln!("skipping {test}: {reason}");
    let Some(log) = log.filter(|l| !l.is_empty()) else {
        return;
    };
    // One write of one line, appended: lines from tests running in parallel stay whole.
    let line = format!("{test}\t{}\n", reason.replace(['\n', '\t'], " "));
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "cannot record the skip in {}: {e}",
            Path::new(&log).display()
        );
    }
}

/// `TEST-BINARY TEST-NAME`: the test harness names each test's thread after the test.
fn current_test() -> String {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|stem| match stem.rsplit_once('-') {
            // Cargo names test binaries NAME-HASH.
            Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name.to_owned(),
            _ => stem,
        })
        .unwrap_or_default();
    let thread = std::thread::current();
    format!("{binary} {}", thread.name().unwrap_or("?"))
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

/// The read-only shared data (conformance suites, fuzz seeds): the directory named by
/// `CERTGATE_SHARED_DIR`, or else `shared/` beside the checkout. When it is not there:
/// [`skip`] (a panic under `CI`) and `None`.
///
/// # Panics
/// When the directory is missing and `CI` is set.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = shared_dir_from(
        std::env::var_os("CERTGATE_SHARED_DIR"),
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    if dir.is_dir() {
        return Some(dir);
    }
    skip(&format!(
        "no shared data at {} (set CERTGATE_SHARED_DIR to the directory that holds \
         conformance/ and fuzz-seeds/)",
        dir.display()
    ));
    None
}

/// Where the shared data should be: `env` when set and not empty, else `shared/` beside
/// the checkout that holds `start`.
fn shared_dir_from(env: Option<OsString>, start: &Path) -> PathBuf {
    if let Some(dir) = env.filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let mut checkout = start.to_path_buf();
    while !checkout.join("deny.toml").exists() && !checkout.join(".git").exists() {
        if !checkout.pop() {
            break;
        }
    }
    match checkout.parent() {
        Some(parent) => parent.join("shared"),
        None => checkout.join("../shared"),
    }
}

/// The environment variable that names the PostgreSQL server tests use
/// (`postgres://user:password@host:port/database`); scripts/test starts one and sets it.
pub const POSTGRES_URL_VAR: &str = "CERTGATE_POSTGRES_URL";

/// The PostgreSQL server for tests, from [`POSTGRES_URL_VAR`]; `None` (after [`skip`])
/// when it is not set.
///
/// # Panics
/// Under `CI`, when the variable is not set (see [`skip`]).
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            skip(&format!(
                "{POSTGRES_URL_VAR} is not set (scripts/test starts PostgreSQL and sets it)"
            ));
            None
        }
    }
}

/// A new, empty PostgreSQL database of its own for one test (named `prefix` plus a
/// unique suffix, made with `psql` on the [`postgres_url`] server), as a URL; `None`
/// (after [`skip`]) when no server is configured.
///
/// # Panics
/// When the database cannot be created, and as [`postgres_url`].
pub fn postgres_database(prefix: &str) -> Option<String> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let url = postgres_url()?;
    if !require_tool("psql") {
        return None;
    }
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "{}_{}_{n}_{nanos}",
        prefix
            .to_ascii_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        std::process::id()
    );
    let out = Command::new("psql")
        .args([url.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c"])
        .arg(format!("CREATE DATABASE \"{name}\""))
        .output()
        .unwrap_or_else(|e| panic!("psql: {e}"));
    assert!(
        out.status.success(),
        "CREATE DATABASE {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(with_database(&url, &name))
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{authority}/{name}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_replace_the_path() {
        assert_eq!(
            with_database("postgres://u:p@127.0.0.1:5432/certgate", "t1"),
            "postgres://u:p@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h?sslmode=disable", "t2"),
            "postgres://u@h/t2?sslmode=disable"
        );
    }

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

    #[test]
    fn a_skip_outside_ci_appends_a_line_naming_the_test() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("skips.txt");
        record_skip("tool `x` is not installed", false, Some(log.clone().into()));
        record_skip("no shared data\nat\tall", false, Some(log.clone().into()));
        let text = std::fs::read_to_string(&log).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].ends_with(
                " tests::a_skip_outside_ci_appends_a_line_naming_the_test\ttool `x` is not installed"
            ),
            "{text}"
        );
        assert!(lines[1].ends_with("\tno shared data at all"), "{text}");
        // Without a log, the skip is only printed.
        record_skip("quietly", false, None);
    }

    #[test]
    #[should_panic(expected = "tool `x` is not installed (CI must not skip tests)")]
    fn a_skip_under_ci_fails_the_test() {
        record_skip("tool `x` is not installed", true, None);
    }

    #[test]
    fn shared_data_is_beside_the_checkout_unless_the_environment_says_where() {
        let checkout = tempfile::tempdir().unwrap();
        let crate_dir = checkout.path().join("crates/some-crate");
        std::fs::create_dir_all(&crate_dir).unwrap();
        std::fs::write(checkout.path().join("deny.toml"), "").unwrap();
        assert_eq!(
            shared_dir_from(None, &crate_dir),
            checkout.path().parent().unwrap().join("shared")
        );
        assert_eq!(
            shared_dir_from(Some("".into()), &crate_dir),
            checkout.path().parent().unwrap().join("shared")
        );
        assert_eq!(
            shared_dir_from(Some("/elsewhere/data".into()), &crate_dir),
            Path::new("/elsewhere/data")
        );
    }
}

/// The README's Rust examples, compiled as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
