//! `tls_load`: the load generator of `benches/gate-vs-nginx.sh`. HTTP/1.1 over TLS 1.3
//! with a client certificate, on one thread (the script pins it to its own core), so the
//! gate and nginx meet exactly the same client.
//!
//! ```text
//! tls_load --mode probe      --addr A --ca CA --cert C --key K    wait until A answers 200
//! tls_load --mode refused    ... --cert REVOKED --key ...        check that A refuses it
//! tls_load --mode new        ... --connections 16 --duration 10   one request per connection
//! tls_load --mode keepalive  ... --connections 32 --duration 10   requests on long connections
//! tls_load --mode idle       ... --idle 1000 --hold 30            open 1,000 and keep them idle
//! tls_load ... --header "Cookie: CF_Authorization=..."          an extra request header
//! ```
//!
//! `new` and `keepalive` run `--connections` clients in a closed loop (`keepalive` opens
//! its connections before the clock starts) for `--warmup` seconds, then count for
//! `--duration` seconds the requests that began and ended inside that window, and print one line of `key=value`: requests per second, latency
//! percentiles, errors, and, given `--server-pids`, the CPU seconds those processes used
//! in the window and the requests per second of server CPU (what one server core does).
//!
//! Every connection is a full handshake: no session resumption, TLS 1.3 only, X25519
//! only (the group both servers are set to). The client offers ALPN `http/1.1` and
//! sends `Connection: close` in `new` mode.
//!
//! The load connections do not check the server's certificate or its handshake
//! signature (`client::danger::UncheckedServer`): the client's core must outrun the
//! server's, and those two checks would double the client's share of each handshake
//! without changing the server's. `probe` checks both against `--ca` before any load
//! runs.

mod client;
mod load;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use http::StatusCode;

use crate::client::{Target, within};
use crate::load::{load, open_held};

/// Longest one connection, handshake and request may take before it counts as an
/// error: far above any latency either server shows, even with a 1M-entry CRL.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);

/// Pause after a failed exchange, so a refusing server is not spun against.
const ERROR_BACKOFF: Duration = Duration::from_millis(10);

/// What a run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// Retry a checked connection and one request until it answers 200.
    Probe,
    /// One checked connection and request that must not get a 200 (a revoked client).
    Refused,
    /// A new connection (full handshake) for every request.
    New,
    /// Requests one after another on long-lived connections.
    Keepalive,
    /// Open connections, make one request on each, then hold them idle.
    Idle,
}

/// The command line.
#[derive(Debug, Parser)]
#[command(about = "mTLS HTTP/1.1 load generator for benches/gate-vs-nginx.sh")]
struct Args {
    /// What to do.
    #[arg(long, value_enum)]
    mode: Mode,
    /// The server.
    #[arg(long)]
    addr: SocketAddr,
    /// The server name sent (SNI) and the request's `Host`.
    #[arg(long, default_value = certgate_examples::lab::HOST)]
    sni: String,
    /// The request path.
    #[arg(long, default_value = "/")]
    path: String,
    /// An extra request header, `Name: value` (repeatable): a session cookie, for
    /// `benches/session-overhead.sh`.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// The CA that issued the server's certificate (checked by `probe`).
    #[arg(long)]
    ca: PathBuf,
    /// The client certificate (PEM).
    #[arg(long)]
    cert: PathBuf,
    /// The client key (PEM, PKCS#8).
    #[arg(long)]
    key: PathBuf,
    /// Concurrent clients (`new`, `keepalive`, and how many open at once in `idle`).
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Seconds of load before counting.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Seconds counted.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Processes whose CPU time is read at both ends of the counted window.
    #[arg(long, value_delimiter = ',')]
    server_pids: Vec<u32>,
    /// Clock ticks per second of `/proc/PID/stat` (`getconf CLK_TCK`).
    #[arg(long, default_value_t = 100)]
    clk_tck: u64,
    /// `idle`: connections to open and hold.
    #[arg(long, default_value_t = 1000)]
    idle: usize,
    /// `idle`: seconds to hold them after printing the line.
    #[arg(long, default_value_t = 30.0)]
    hold: f64,
    /// `probe`: seconds to keep trying.
    #[arg(long, default_value_t = 60.0)]
    wait: f64,
}

/// Why an exchange or the setup failed.
#[derive(Debug, thiserror::Error)]
enum LoadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("request: {0}")]
    Request(#[from] http::Error),
    #[error("answered {0}")]
    Status(StatusCode),
    #[error("no answer within {EXCHANGE_TIMEOUT:?}")]
    Timeout,
    #[error("{}: {what}", path.display())]
    File { path: PathBuf, what: &'static str },
    #[error("{0}")]
    Usage(&'static str),
}

async fn probe(args: &Args) -> Result<(), LoadError> {
    let target = Target::new(args, true)?;
    let deadline = Instant::now() + Duration::from_secs_f64(args.wait);
    let started = Instant::now();
    loop {
        let attempt = within(async {
            let tls = target.handshake().await?;
            let conn = tls.get_ref().1;
            let version = conn.protocol_version().map(|v| format!("{v:?}"));
            let suite = conn
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite()));
            let group = conn
                .negotiated_key_exchange_group()
                .map(|g| format!("{:?}", g.name()));
            let mut sender = target.http(tls).await?;
            target.get(&mut sender, true).await?;
            Ok((version, suite, group))
        })
        .await;
        match attempt {
            Ok((version, suite, group)) => {
                println!(
                    "mode=probe status=200 version={} suite={} group={} ready_s={:.1}",
                    version.unwrap_or_default(),
                    suite.unwrap_or_default(),
                    group.unwrap_or_default(),
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Succeeds when the server refuses the client, in the handshake or in HTTP (nginx
/// completes the handshake and answers 400).
async fn refused(args: &Args) -> Result<(), LoadError> {
    let target = Target::new(args, true)?;
    match within(target.one_connection()).await {
        Ok(()) => Err(LoadError::Usage("the server let a revoked client in")),
        Err(e) => {
            println!("mode=refused refused=yes");
            eprintln!("tls_load: refused as expected: {e}");
            Ok(())
        }
    }
}

async fn idle(args: &Args) -> Result<(), LoadError> {
    let target = Arc::new(Target::new(args, false)?);
    let (held, errors) = open_held(&target, args.idle, args.connections).await;
    println!("mode=idle opened={} errors={errors}", held.len());
    tokio::time::sleep(Duration::from_secs_f64(args.hold)).await;
    drop(held);
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        eprintln!("tls_load: cannot start the async runtime");
        return ExitCode::FAILURE;
    };
    let result = runtime.block_on(async {
        match args.mode {
            Mode::Probe => probe(&args).await,
            Mode::Refused => refused(&args).await,
            Mode::New | Mode::Keepalive => load(&args).await,
            Mode::Idle => idle(&args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tls_load: {e}");
            ExitCode::FAILURE
        }
    }
}
