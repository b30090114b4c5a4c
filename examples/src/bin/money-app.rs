//! `money-app`: the seed's budget form. Expenses entered on a phone become rows of a CSV
//! workbook; the app speaks plain HTTP on loopback (or a Unix socket) behind certgate's
//! gate, which lets only the phone's certificate in and says who it is in headers.
//!
//! ```text
//! money-app --listen 127.0.0.1:8081 --workbook expenses.csv [--unix PATH]
//! money-app --listen 0.0.0.0:8443 --workbook expenses.csv \
//!     --tls-cert server.pem --tls-key server-key.pem --client-ca ca.pem --crl crl.pem \
//!     --policy policies.toml
//! ```
//!
//! With `--tls-cert` it runs on its own, no gate process in front: certgate-verify's
//! verifier in its own rustls `ServerConfig` and certgate-gate's `GateLayer` around the
//! router (the "embed it" use; see `certgate_examples::money::tls`).
//!
//! It prints one line, `money-app listening on http://ADDR`, once it listens (so
//! `--listen 127.0.0.1:0` can be used and the port read back), logs one line per request
//! on standard error, and stops on SIGTERM or SIGINT after the requests in flight are
//! answered.

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use certgate_examples::money::access::AccessCheck;
use certgate_examples::money::form::parse_currency;
use certgate_examples::money::{AppState, Workbook, router};
use clap::{Parser, ValueEnum};
use tokio::net::{TcpListener, UnixListener};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing_subscriber::EnvFilter;

/// How long requests in flight get to finish after SIGTERM: an append is one write and
/// one fsync (milliseconds); a client that keeps a connection open longer is cut off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The log's format on standard error.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    /// One line of text per event, fields as `key=value`.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Parser)]
#[command(
    name = "money-app",
    version,
    about = "The seed's budget form: expenses from a phone, appended to a CSV workbook",
    after_help = "Run it behind certgate's gate: the app has no login of its own and shows \
                  who is signed in from the headers the gate forwards."
)]
struct Cli {
    /// Address to listen on, plain HTTP (the gate in front speaks TLS); port 0 picks one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// The CSV workbook rows are appended to (created, with its header, when missing).
    #[arg(long, value_name = "FILE", default_value = "expenses.csv")]
    workbook: PathBuf,
    /// Listen on this Unix socket too (mode 0600; a stale socket file is replaced).
    #[arg(long, value_name = "PATH")]
    unix: Option<PathBuf>,
    /// The currency the form starts with.
    #[arg(long, value_name = "CODE", default_value = "EUR")]
    currency: String,
    /// Serve HTTPS with this certificate chain, device certificates checked in process
    /// (needs --tls-key, --client-ca and --policy).
    #[arg(long, value_name = "FILE", requires_all = ["tls_key", "client_ca", "policy"])]
    tls_cert: Option<PathBuf>,
    /// The server's private key (PEM, PKCS#8), with --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The CA whose device certificates are accepted, with --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    client_ca: Option<PathBuf>,
    /// A CRL file of that CA, watched (repeat for more), with --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    crl: Vec<PathBuf>,
    /// The policy file deciding who gets in, with --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    policy: Option<PathBuf>,
    /// Require the gate's signed identity (`Cf-Access-Jwt-Assertion`) on every request,
    /// verified with this JWKS file (what the gate's /cdn-cgi/access/certs answers;
    /// read again on an unknown key). Needs --access-audience and --access-issuer.
    #[arg(long, value_name = "FILE", requires_all = ["access_audience", "access_issuer"])]
    access_jwks: Option<PathBuf>,
    /// The application the assertion must be for (the gate's policy application name).
    #[arg(long, value_name = "NAME", requires = "access_jwks")]
    access_audience: Option<String>,
    /// The gate that must have issued it: `https://HOST`.
    #[arg(long, value_name = "URL", requires = "access_jwks")]
    access_issuer: Option<String>,
    /// The log's format (RUST_LOG filters it; the default is `info`).
    #[arg(long = "log-format", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("money-app: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("money-app: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let currency = parse_currency(&cli.currency)
        .map_err(|problem| format!("--currency {}: {problem}", cli.currency))?;
    let directory = match cli.workbook.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !directory.is_dir() {
        // Said now, not at the first expense from the phone.
        return Err(format!(
            "--workbook {}: the directory {} does not exist",
            cli.workbook.display(),
            directory.display()
        ));
    }
    let mut state = AppState::new(Workbook::new(&cli.workbook)).with_default_currency(&currency);
    if let (Some(jwks), Some(audience), Some(issuer)) =
        (&cli.access_jwks, &cli.access_audience, &cli.access_issuer)
    {
        let check = AccessCheck::load(jwks, audience.as_str(), issuer.as_str())
            .map_err(|e| format!("--access-jwks: {e}"))?;
        state = state.with_access(check);
    }
    let app = router(state);
    // Signals first: a SIGTERM right after the "listening" line is already handled.
    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot handle SIGTERM: {e}"))?;
    let tcp = TcpListener::bind(cli.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.listen))?;
    let addr = tcp
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", cli.listen))?;
    let unix = cli.unix.as_deref().map(bind_unix).transpose()?;

    let (stop, stopped) = watch::channel(false);
    let until_stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };
    let mut servers = JoinSet::new();
    if let Some(tls) = tls_options(&cli) {
        let app = app.clone();
        let stopped = until_stopped();
        servers.spawn(async move {
            certgate_examples::money::tls::serve(tcp, &tls, app, stopped)
                .await
                .map_err(std::io::Error::other)
        });
        announce(&format!("money-app listening on https://{addr}"));
    } else {
        let serve_tcp = axum::serve(tcp, app.clone()).with_graceful_shutdown(until_stopped());
        servers.spawn(async move { serve_tcp.await });
        announce(&format!("money-app listening on http://{addr}"));
    }
    if let (Some(listener), Some(path)) = (unix, &cli.unix) {
        let serve_unix = axum::serve(listener, app).with_graceful_shutdown(until_stopped());
        servers.spawn(async move { serve_unix.await });
        tracing::info!(socket = %path.display(), "listening on a Unix socket too");
    }
    tracing::info!(%addr, workbook = %cli.workbook.display(), "listening");

    let signal_name = tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
        Some(ended) = servers.join_next() => {
            return Err(format!("a listener stopped: {}", describe(ended)));
        }
    };
    tracing::info!(
        signal = signal_name,
        "finishing the requests in flight, then stopping"
    );
    let _ = stop.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while let Some(ended) = servers.join_next().await {
            if let Some(problem) = describe_failure(ended) {
                tracing::error!(%problem, "a listener failed while stopping");
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("connections still open after the grace period: cut off");
    }
    if let Some(path) = &cli.unix {
        let _ = std::fs::remove_file(path);
    }
    tracing::info!("stopped");
    Ok(())
}

fn tls_options(cli: &Cli) -> Option<certgate_examples::money::tls::TlsOptions> {
    Some(certgate_examples::money::tls::TlsOptions {
        cert: cli.tls_cert.clone()?,
        key: cli.tls_key.clone()?,
        client_ca: cli.client_ca.clone()?,
        crls: cli.crl.clone(),
        policy: cli.policy.clone()?,
    })
}

/// Prints a line on standard output for whoever started the app. A reader that has
/// gone (it read the port and closed the pipe) is no reason to stop serving.
fn announce(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

type Ended = Result<std::io::Result<()>, tokio::task::JoinError>;

fn describe_failure(ended: Ended) -> Option<String> {
    match ended {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(e) => Some(e.to_string()),
    }
}

fn describe(ended: Ended) -> String {
    describe_failure(ended).unwrap_or_else(|| String::from("it ended"))
}

/// Binds `path`, replacing a socket file that no one listens on any more (a previous run
/// that was killed); a file that is not a socket, or a socket in use, is left alone.
fn bind_unix(path: &Path) -> Result<UnixListener, String> {
    let shown = path.display();
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(format!("--unix {shown}: exists and is not a socket"));
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(format!("--unix {shown}: another server is listening there"));
        }
        std::fs::remove_file(path).map_err(|e| format!("--unix {shown}: {e}"))?;
    }
    let listener = UnixListener::bind(path).map_err(|e| format!("--unix {shown}: {e}"))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("--unix {shown}: {e}"))?;
    Ok(listener)
}
