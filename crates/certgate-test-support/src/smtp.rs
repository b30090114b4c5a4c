//! A real SMTP server for the tests of one-time codes: Debian's `python3-aiosmtpd`,
//! started on a free loopback port, writing every mail it receives to a maildir the
//! test reads. Killed when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server gets to listen (a loaded machine starts Python slowly).
const START_PATIENCE: Duration = Duration::from_secs(30);

/// How the server speaks to its clients.
#[derive(Clone, Copy, Debug)]
pub enum SmtpMode<'a> {
    /// STARTTLS with this certificate and key (PEM files).
    StartTls {
        /// The server's certificate chain.
        cert: &'a Path,
        /// Its private key.
        key: &'a Path,
    },
    /// TLS from the first byte (SMTPS) with this certificate and key.
    Implicit {
        /// The server's certificate chain.
        cert: &'a Path,
        /// Its private key.
        key: &'a Path,
    },
    /// Plain text (to show a client refuses it).
    Plain,
    /// A script of the test's own, run as `python3 SCRIPT PORT ARGS..`; it writes the
    /// mails to `DIR/maildir` (pass that path among the arguments).
    Script {
        /// The script.
        script: &'a Path,
        /// Its arguments after the port.
        args: &'a [&'a str],
    },
}

/// A Python that has aiosmtpd: the one on `PATH`, else Debian's own interpreter (where
/// apt's `python3-aiosmtpd` lands when `PATH` has another Python first).
pub fn python_with_aiosmtpd() -> Option<&'static str> {
    ["python3", "/usr/bin/python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A free TCP port on the loopback address.
///
/// # Panics
/// When no port can be bound.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// An aiosmtpd process; killed when dropped.
#[derive(Debug)]
pub struct Aiosmtpd {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Aiosmtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Aiosmtpd {
    /// Starts aiosmtpd in `mode` on a free port of 127.0.0.1, its maildir and log in
    /// `dir`, and waits until it listens. `None` when aiosmtpd is not installed: the
    /// test is skipped ([`crate::skip`]; under `CI` that panics).
    ///
    /// # Panics
    /// When the server exits or does not listen within 30 seconds.
    pub fn start(mode: SmtpMode<'_>, dir: &Path) -> Option<Self> {
        let Some(python) = python_with_aiosmtpd() else {
            crate::skip("Python module aiosmtpd is not installed (apt package python3-aiosmtpd)");
            return None;
        };
        let port = free_port();
        let text = |p: &Path| p.display().to_string();
        let maildir = text(&dir.join("maildir"));
        let mut args: Vec<String> = match mode {
            SmtpMode::Script { script, args } => {
                let mut v = vec![text(script), port.to_string()];
                v.extend(args.iter().map(|a| (*a).to_owned()));
                v
            }
            SmtpMode::StartTls { cert, key } => {
                vec!["--tlscert".into(), text(cert), "--tlskey".into(), text(key)]
            }
            SmtpMode::Implicit { cert, key } => {
                vec![
                    "--smtpscert".into(),
                    text(cert),
                    "--smtpskey".into(),
                    text(key),
                ]
            }
            SmtpMode::Plain => vec![],
        };
        if !matches!(mode, SmtpMode::Script { .. }) {
            let listen = format!("127.0.0.1:{port}");
            let head = ["-m", "aiosmtpd", "-n", "-l", &listen].map(str::to_owned);
            args.splice(0..0, head);
            args.extend(["-c".into(), "aiosmtpd.handlers.Mailbox".into(), maildir]);
        }
        let log_path = dir.join("aiosmtpd.log");
        let log = std::fs::File::create(&log_path)
            .unwrap_or_else(|e| panic!("{}: {e}", log_path.display()));
        let child = Command::new(python)
            .args(&args)
            .stdout(log.try_clone().unwrap_or_else(|e| panic!("log: {e}")))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{python}: {e}"));
        let mut server = Self {
            child,
            port,
            dir: dir.to_owned(),
        };
        server.wait_listening();
        Some(server)
    }

    fn wait_listening(&mut self) {
        let deadline = Instant::now() + START_PATIENCE;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self.dir.join("aiosmtpd.log"));
                panic!("aiosmtpd exited ({status}): {}", log.unwrap_or_default());
            }
            assert!(Instant::now() < deadline, "aiosmtpd did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every mail received so far, as text (the maildir's `new/` files).
    ///
    /// # Panics
    /// When a mail file cannot be read.
    pub fn mails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("maildir/new")) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .map(|e| {
                std::fs::read_to_string(e.path())
                    .unwrap_or_else(|err| panic!("{}: {err}", e.path().display()))
            })
            .collect()
    }

    /// Waits until `count` mails have arrived, and returns them all.
    ///
    /// # Panics
    /// When they have not within 30 seconds.
    pub fn wait_mails(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + START_PATIENCE;
        loop {
            let mails = self.mails();
            if mails.len() >= count {
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "{count} mails did not arrive: {}",
                mails.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The one-time code in a mail: the line of six digits alone.
///
/// # Panics
/// When the mail has none.
pub fn code_in(mail: &str) -> String {
    mail.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in the mail: {mail}"))
        .to_owned()
}
