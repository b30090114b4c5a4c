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
//! signature ([`danger::UncheckedServer`]): the client's core must outrun the server's,
//! and those two checks would double the client's share of each handshake without
//! changing the server's. `probe` checks both against `--ca` before any load runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use http::{Request, StatusCode, header};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::client::Resumption;
use rustls::crypto::{CryptoProvider, aws_lc_rs};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

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

mod danger {
    use rustls::DigitallySignedStruct;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use std::sync::Arc;

    /// Accepts any server certificate and handshake signature: for load connections
    /// only, after `probe` has checked the server once. The server's work per
    /// handshake is the same either way; the client's halves.
    #[derive(Debug)]
    pub(crate) struct UncheckedServer(pub(crate) Arc<CryptoProvider>);

    impl ServerCertVerifier for UncheckedServer {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            _message: &[u8],
            _cert: &CertificateDer<'_>,
            _dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            Ok(HandshakeSignatureValid::assertion())
        }

        fn verify_tls13_signature(
            &self,
            _message: &[u8],
            _cert: &CertificateDer<'_>,
            _dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            Ok(HandshakeSignatureValid::assertion())
        }

        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
}

fn pem_blocks(path: &Path, label: &str) -> Result<Vec<Vec<u8>>, LoadError> {
    let text = std::fs::read(path)?;
    let blocks = certgate_x509::pem::parse_blocks(&text).map_err(|_| LoadError::File {
        path: path.to_owned(),
        what: "not PEM",
    })?;
    let ders: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|b| b.label == label)
        .map(|b| b.der)
        .collect();
    if ders.is_empty() {
        return Err(LoadError::File {
            path: path.to_owned(),
            what: "no block of the expected kind",
        });
    }
    Ok(ders)
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, LoadError> {
    Ok(pem_blocks(path, "CERTIFICATE")?
        .into_iter()
        .map(CertificateDer::from)
        .collect())
}

/// The client's TLS configuration; `checked`: verify the server against `--ca`.
fn client_config(args: &Args, checked: bool) -> Result<Arc<ClientConfig>, LoadError> {
    let provider = Arc::new(CryptoProvider {
        kx_groups: vec![aws_lc_rs::kx_group::X25519],
        ..aws_lc_rs::default_provider()
    });
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13])?;
    let builder = if checked {
        let mut roots = RootCertStore::empty();
        for cert in certificates(&args.ca)? {
            roots.add(cert)?;
        }
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(danger::UncheckedServer(provider)))
    };
    let key = pem_blocks(&args.key, "PRIVATE KEY")?
        .into_iter()
        .next()
        .map(|der| PrivateKeyDer::Pkcs8(der.into()))
        .ok_or(LoadError::Usage("no key"))?;
    let mut config = builder.with_client_auth_cert(certificates(&args.cert)?, key)?;
    config.resumption = Resumption::disabled();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// What every client shares.
#[derive(Debug)]
struct Target {
    tls: Arc<ClientConfig>,
    addr: SocketAddr,
    sni: ServerName<'static>,
    host: String,
    path: String,
}

impl Target {
    fn new(args: &Args, checked: bool) -> Result<Self, LoadError> {
        let sni = ServerName::try_from(args.sni.clone())
            .map_err(|_| LoadError::Usage("--sni is not a server name"))?;
        Ok(Self {
            tls: client_config(args, checked)?,
            addr: args.addr,
            sni,
            host: args.sni.clone(),
            path: args.path.clone(),
        })
    }

    async fn handshake(&self) -> Result<TlsStream<TcpStream>, LoadError> {
        let tcp = TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let connector = TlsConnector::from(Arc::clone(&self.tls));
        Ok(connector.connect(self.sni.clone(), tcp).await?)
    }

    /// HTTP/1.1 over a TLS stream; the connection is driven by a task of its own.
    async fn http(
        &self,
        tls: TlsStream<TcpStream>,
    ) -> Result<SendRequest<Empty<Bytes>>, LoadError> {
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    async fn get(
        &self,
        sender: &mut SendRequest<Empty<Bytes>>,
        close: bool,
    ) -> Result<(), LoadError> {
        sender.ready().await?;
        let mut request = Request::get(self.path.as_str()).header(header::HOST, self.host.as_str());
        if close {
            request = request.header(header::CONNECTION, "close");
        }
        let response = sender.send_request(request.body(Empty::new())?).await?;
        let status = response.status();
        response.into_body().collect().await?;
        if status != StatusCode::OK {
            return Err(LoadError::Status(status));
        }
        Ok(())
    }

    async fn one_connection(&self) -> Result<(), LoadError> {
        let tls = self.handshake().await?;
        let mut sender = self.http(tls).await?;
        self.get(&mut sender, true).await
    }
}

async fn within<T>(work: impl Future<Output = Result<T, LoadError>>) -> Result<T, LoadError> {
    tokio::time::timeout(EXCHANGE_TIMEOUT, work)
        .await
        .unwrap_or(Err(LoadError::Timeout))
}

/// The counted window.
#[derive(Clone, Copy, Debug)]
struct Window {
    begin: Instant,
    end: Instant,
}

/// One client's tally: latencies (µs) of the requests inside the window, errors.
#[derive(Debug, Default)]
struct Tally {
    latencies: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn record(&mut self, window: Window, start: Instant, result: Result<(), LoadError>) {
        let done = Instant::now();
        match result {
            Ok(()) if start >= window.begin && done <= window.end => {
                let micros = done.duration_since(start).as_micros();
                self.latencies
                    .push(u32::try_from(micros).unwrap_or(u32::MAX));
            }
            Ok(()) => {}
            Err(e) => {
                if start >= window.begin && start < window.end {
                    self.errors += 1;
                }
                self.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

async fn new_connections(target: Arc<Target>, window: Window) -> Tally {
    let mut tally = Tally::default();
    loop {
        let start = Instant::now();
        if start >= window.end {
            return tally;
        }
        let result = within(target.one_connection()).await;
        let failed = result.is_err();
        tally.record(window, start, result);
        if failed {
            tokio::time::sleep(ERROR_BACKOFF).await;
        }
    }
}

async fn keep_alive(
    target: Arc<Target>,
    window: Window,
    mut sender: Option<SendRequest<Empty<Bytes>>>,
) -> Tally {
    let mut tally = Tally::default();
    loop {
        let start = Instant::now();
        if start >= window.end {
            return tally;
        }
        let result = within(async {
            let mut open = match sender.take() {
                Some(open) => open,
                None => target.http(target.handshake().await?).await?,
            };
            target.get(&mut open, false).await?;
            sender = Some(open);
            Ok(())
        })
        .await;
        let failed = result.is_err();
        tally.record(window, start, result);
        if failed {
            tokio::time::sleep(ERROR_BACKOFF).await;
        }
    }
}

/// User plus system CPU seconds of `pids`, from `/proc/PID/stat`.
fn cpu_seconds(pids: &[u32], clk_tck: u64) -> Option<f64> {
    let mut ticks = 0_u64;
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the command name, which is in parentheses and may hold spaces:
        // state is field 3, utime 14 and stime 15.
        let rest = stat.get(stat.rfind(')')? + 1..)?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        ticks += utime + stime;
    }
    Some(ticks as f64 / clk_tck.max(1) as f64)
}

/// The latency (ms) at `per_mille` ‰ of `sorted` (nearest rank).
fn percentile_ms(sorted: &[u32], per_mille: usize) -> f64 {
    let rank = (per_mille * sorted.len())
        .div_ceil(1000)
        .clamp(1, sorted.len().max(1));
    sorted
        .get(rank - 1)
        .map_or(f64::NAN, |&v| f64::from(v) / 1000.0)
}

async fn load(args: &Args) -> Result<(), LoadError> {
    let target = Arc::new(Target::new(args, false)?);
    let clients = args.connections.max(1);
    // Keep-alive: every connection is open before the clock starts, so the handshakes
    // (slow for nginx with a big CRL) are not part of the warm-up or the window.
    let mut held = if args.mode == Mode::Keepalive {
        open_held(&target, clients, clients).await.0
    } else {
        Vec::new()
    };
    let now = Instant::now();
    let begin = now + Duration::from_secs_f64(args.warmup);
    let window = Window {
        begin,
        end: begin + Duration::from_secs_f64(args.duration),
    };
    let pids = args.server_pids.clone();
    let clk_tck = args.clk_tck;
    let cpu = tokio::spawn(async move {
        let me = [std::process::id()];
        tokio::time::sleep_until(window.begin.into()).await;
        let first = (cpu_seconds(&pids, clk_tck), cpu_seconds(&me, clk_tck));
        tokio::time::sleep_until(window.end.into()).await;
        let last = (cpu_seconds(&pids, clk_tck), cpu_seconds(&me, clk_tck));
        let server = first.0.zip(last.0).map(|(a, b)| b - a);
        let client = first.1.zip(last.1).map(|(a, b)| b - a);
        (server, client)
    });
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let target = Arc::clone(&target);
        match args.mode {
            Mode::New => tasks.spawn(new_connections(target, window)),
            _ => tasks.spawn(keep_alive(target, window, held.pop())),
        };
    }
    let mut total = Tally::default();
    while let Some(done) = tasks.join_next().await {
        let Ok(tally) = done else { continue };
        total.latencies.extend(tally.latencies);
        total.errors += tally.errors;
        if total.first_error.is_none() {
            total.first_error = tally.first_error;
        }
    }
    let (server_cpu, client_cpu) = cpu.await.unwrap_or((None, None));
    let server_cpu = server_cpu.filter(|_| !args.server_pids.is_empty());
    report(args, &mut total, server_cpu, client_cpu);
    Ok(())
}

fn report(args: &Args, total: &mut Tally, cpu: Option<f64>, client_cpu: Option<f64>) {
    total.latencies.sort_unstable();
    let requests = total.latencies.len();
    let rps = requests as f64 / args.duration;
    let mode = match args.mode {
        Mode::New => "new",
        _ => "keepalive",
    };
    let mut line = format!(
        "mode={mode} connections={} seconds={:.1} requests={requests} rps={rps:.1} \
         p50_ms={:.2} p99_ms={:.2} max_ms={:.2} errors={}",
        args.connections,
        args.duration,
        percentile_ms(&total.latencies, 500),
        percentile_ms(&total.latencies, 990),
        percentile_ms(&total.latencies, 1000),
        total.errors,
    );
    if let Some(cpu) = cpu {
        let per_core = if cpu > 0.0 {
            requests as f64 / cpu
        } else {
            f64::NAN
        };
        line.push_str(&format!(
            " server_cpu_s={cpu:.2} server_cpu_share={:.2} rps_per_server_core={per_core:.1}",
            cpu / args.duration
        ));
    }
    if let Some(client) = client_cpu {
        line.push_str(&format!(" client_cpu_share={:.2}", client / args.duration));
    }
    println!("{line}");
    if let Some(e) = &total.first_error {
        eprintln!("tls_load: first error: {e}");
    }
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

/// Opens `count` connections, `openers` at a time, each with one request answered;
/// returns them and how many failed.
async fn open_held(
    target: &Arc<Target>,
    count: usize,
    openers: usize,
) -> (Vec<SendRequest<Empty<Bytes>>>, usize) {
    let openers = openers.clamp(1, count.max(1));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..openers {
        let target = Arc::clone(target);
        let share = count / openers + usize::from(i < count % openers);
        tasks.spawn(async move {
            let mut held = Vec::with_capacity(share);
            let mut errors = 0_usize;
            for _ in 0..share {
                let opened = within(async {
                    let mut sender = target.http(target.handshake().await?).await?;
                    target.get(&mut sender, false).await?;
                    Ok(sender)
                })
                .await;
                match opened {
                    Ok(sender) => held.push(sender),
                    Err(_) => errors += 1,
                }
            }
            (held, errors)
        });
    }
    let mut held = Vec::with_capacity(count);
    let mut errors = 0;
    while let Some(done) = tasks.join_next().await {
        if let Ok((senders, failed)) = done {
            held.extend(senders);
            errors += failed;
        }
    }
    (held, errors)
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
