//! The OpenID provider of the login tests (`scripts/oidc-provider/provider.mjs`, npm's
//! oidc-provider under node) started and stopped from Rust, and a curl client with a
//! cookie jar that walks the login flow one redirect at a time.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use certgate_examples::lab::{Device, HOST};

use crate::gate_common::{GateProcess, World, pem_args};

/// The test client's id and secret (provider.mjs' defaults).
pub const CLIENT_ID: &str = "certgate-test";
pub const CLIENT_SECRET: &str = "certgate-test-secret";

/// The provider's directory (`CERTGATE_OIDC_PROVIDER_DIR`, or `scripts/oidc-provider`
/// of this checkout) when node and its `npm ci` are there; else the test is skipped
/// (and fails under CI).
pub fn provider_dir() -> Option<PathBuf> {
    if !certgate_test_support::require_tool("node") {
        return None;
    }
    let dir = std::env::var_os("CERTGATE_OIDC_PROVIDER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/oidc-provider"));
    if dir.join("node_modules/oidc-provider").is_dir() {
        Some(dir)
    } else {
        certgate_test_support::skip(&format!(
            "oidc-provider is not installed in {} (npm ci --prefix scripts/oidc-provider)",
            dir.display()
        ));
        None
    }
}

/// A port free now (bound, then released) for a process started later.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running provider; killed when dropped.
pub struct Provider {
    child: Child,
    dir: PathBuf,
    pub port: u16,
    args: Vec<String>,
    pub log: PathBuf,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// Starts provider.mjs on `port` for a client redirected to `redirect_uris`, with
    /// `extra` arguments (`--issuer URL`), and waits until it serves.
    pub fn start(
        dir: &Path,
        port: u16,
        redirect_uris: &[String],
        extra: &[&str],
        log: PathBuf,
    ) -> Self {
        let mut args = vec!["--port".to_owned(), port.to_string()];
        for uri in redirect_uris {
            args.push("--redirect-uri".into());
            args.push(uri.clone());
        }
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let child = spawn(dir, &args, &log);
        Self {
            child,
            dir: dir.to_owned(),
            port,
            args,
            log,
        }
    }

    /// The issuer URL (`http://127.0.0.1:PORT`).
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops and starts it again on the same port: a new signing key (a rotation).
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(&self.dir, &self.args, &self.log);
    }
}

fn spawn(dir: &Path, args: &[String], log: &Path) -> Child {
    let mut child = Command::new("node")
        .arg(dir.join("provider.mjs"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    // Drained: oidc-provider's notices go to stdout, and a closed pipe would end it.
    std::thread::spawn(move || for _ in out.lines() {});
    assert!(
        line.starts_with("oidc-provider listening on "),
        "provider.mjs said {line:?}: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
    child
}

/// One response as curl saw it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// The absolute URL of `Location`, when there is one.
    pub location: Option<String>,
    /// Header lines, names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// curl's complaints, if any.
    pub stderr: String,
}

impl Answer {
    /// Every value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A browser-like client: curl with a cookie jar of its own, and a device certificate
/// (or none) for the gate.
pub struct Client<'a> {
    pub gate: &'a GateProcess,
    pub world: &'a World,
    pub device: Option<&'a Device>,
    pub jar: PathBuf,
}

impl<'a> Client<'a> {
    /// A client with an empty jar named `name`.
    pub fn new(
        gate: &'a GateProcess,
        world: &'a World,
        device: Option<&'a Device>,
        name: &str,
    ) -> Self {
        let jar = world.dir.path().join(format!("{name}.cookies"));
        let _ = std::fs::remove_file(&jar);
        Self {
            gate,
            world,
            device,
            jar,
        }
    }

    /// GET `url` (a gate path, or an absolute URL) as a browser (`Accept: text/html`),
    /// following no redirect.
    pub fn get(&self, url: &str) -> Answer {
        self.get_with(
            url,
            &["-H", "Accept: text/html,application/xhtml+xml,*/*;q=0.8"],
        )
    }

    /// GET `url` with `extra` curl arguments.
    pub fn get_with(&self, url: &str, extra: &[&str]) -> Answer {
        let url = if url.starts_with('/') {
            self.gate.url(url)
        } else {
            url.to_owned()
        };
        let headers_file = tempfile::NamedTempFile::new().unwrap();
        let mut args: Vec<String> = vec![
            "-sS".into(),
            "--max-time".into(),
            "20".into(),
            "--resolve".into(),
            self.gate.resolve(),
            "--cacert".into(),
            self.world.lab.ca_pem.display().to_string(),
            "-b".into(),
            self.jar.display().to_string(),
            "-c".into(),
            self.jar.display().to_string(),
            "-D".into(),
            headers_file.path().display().to_string(),
            "-w".into(),
            "\n%{http_code} %{redirect_url}".into(),
        ];
        if let Some(d) = self.device {
            args.extend(pem_args(d));
        }
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args.push(url.clone());
        let out = Command::new("curl").args(&args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, tail) = text.rsplit_once('\n').unwrap_or(("", "0 "));
        let (code, location) = tail.split_once(' ').unwrap_or((tail, ""));
        let headers = std::fs::read_to_string(headers_file.path())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Answer {
            status: code.trim().parse().unwrap_or(0),
            location: (!location.trim().is_empty()).then(|| location.trim().to_owned()),
            headers,
            body: body.to_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Walks a login from `path` up to the gate's callback: the gate's redirect to the
    /// login page, the page's link for provider `provider`, the provider's
    /// interaction as `account`. Returns the callback URL (not yet visited).
    pub fn login_until_callback(&self, path: &str, provider: &str, account: &str) -> String {
        let first = self.get(path);
        assert_eq!(first.status, 302, "{path}: {first:?}");
        let login_page = first.location.clone().unwrap();
        assert!(
            login_page.contains("/cdn-cgi/access/login?redirect_url="),
            "{login_page}"
        );
        let start = self.start_url(&login_page, provider);
        self.provider_until_callback(&start, account)
    }

    /// The start link of `provider` on the login page at `login_page`.
    pub fn start_url(&self, login_page: &str, provider: &str) -> String {
        let page = self.get(login_page);
        assert_eq!(page.status, 200, "{page:?}");
        assert!(
            page.header("set-cookie").is_empty(),
            "the login page sets no cookie"
        );
        let marker = format!("id=\"login-oidc-{provider}\" href=\"");
        let at = page
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("{}", page.body))
            + marker.len();
        let href = &page.body[at..];
        let href = href[..href.find('"').unwrap()].replace("&amp;", "&");
        format!("https://{HOST}:{}{href}", self.gate.addr.port())
    }

    /// From a login's start URL through the provider as `account`: the callback URL.
    pub fn provider_until_callback(&self, start: &str, account: &str) -> String {
        let to_provider = self.get(start);
        assert_eq!(to_provider.status, 302, "{to_provider:?}");
        self.authorize_until_callback(to_provider.location.as_deref().unwrap(), account)
    }

    /// From the provider's authorization URL, signed in as `account`: the callback URL.
    pub fn authorize_until_callback(&self, authorize: &str, account: &str) -> String {
        let authorize = self.get(authorize);
        let next = authorize
            .location
            .clone()
            .unwrap_or_else(|| panic!("{authorize:?}"));
        // Signed in at the provider already: straight back to the gate.
        let callback = if next.contains("/cdn-cgi/access/callback?") {
            next
        } else {
            let resume = self.get(&format!("{next}?login={account}"));
            let resume = resume
                .location
                .clone()
                .unwrap_or_else(|| panic!("{resume:?}"));
            let back = self.get(&resume);
            back.location.clone().unwrap_or_else(|| panic!("{back:?}"))
        };
        assert!(callback.contains("/cdn-cgi/access/callback?"), "{callback}");
        callback
    }

    /// A login started from the login page (not from a refused request), returning to
    /// `/`: the callback URL.
    pub fn login_from_page(&self, provider: &str, account: &str) -> String {
        let page = "/cdn-cgi/access/login?redirect_url=%2F";
        let start = self.start_url(&self.gate.url(page), provider);
        self.provider_until_callback(&start, account)
    }

    /// A whole login from `path` as `account`: the callback's answer (302 back to
    /// `path` with the session cookie).
    pub fn login(&self, path: &str, provider: &str, account: &str) -> Answer {
        let callback = self.login_until_callback(path, provider, account);
        self.get(&callback)
    }
}

/// The query parameter `name` of `url`, raw.
pub fn query_param<'u>(url: &'u str, name: &str) -> Option<&'u str> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
}
