//! `certgate-gate`: the mTLS gate in front of any HTTP app, a thin shell over the
//! certgate-gate library.
//!
//! ```text
//! certgate-gate CONFIG          serve until SIGTERM or Ctrl-C (SIGHUP reloads)
//! certgate-gate --check CONFIG  read and build the configuration, print what it serves, exit
//! ```

use std::process::ExitCode;

use certgate_gate::Gate;
use certgate_gate::config::LogFormat;

fn usage() -> ExitCode {
    eprintln!("usage: certgate-gate [--check] CONFIG");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (check, path) = match args.as_slice() {
        [flag, path] if flag == "--check" => (true, path),
        [path] if !path.starts_with('-') => (false, path),
        _ => return usage(),
    };
    let gate = match Gate::load(path) {
        Ok(gate) => gate,
        Err(e) => {
            eprintln!("certgate-gate: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = gate.runtime();
    if check {
        for host in runtime.hosts() {
            println!(
                "host {}: {:?} mode, {} CRL issuer(s), origin {:?}",
                host.name,
                host.mode,
                host.store.as_ref().map_or(0, |s| s.issuer_count()),
                runtime
                    .config
                    .hosts
                    .iter()
                    .find(|h| h.name == host.name)
                    .map(|h| h.origin.as_str())
                    .unwrap_or_default(),
            );
        }
        println!("{path}: OK");
        return ExitCode::SUCCESS;
    }
    init_logging(runtime.config.server.log_format);
    let Ok(rt) = build_runtime(runtime.config.server.workers) else {
        eprintln!("certgate-gate: cannot start the async runtime");
        return ExitCode::FAILURE;
    };
    rt.block_on(async move {
        let bound = match gate.bind().await {
            Ok(bound) => bound,
            Err(e) => {
                eprintln!("certgate-gate: {e}");
                return ExitCode::FAILURE;
            }
        };
        for address in bound.addresses() {
            println!("certgate-gate listening on https://{address}");
        }
        if let Some(address) = bound.metrics_address() {
            println!("certgate-gate metrics on http://{address}/metrics");
        }
        gate.serve(bound, shutdown_signal()).await;
        ExitCode::SUCCESS
    })
}

/// One thread: tokio's single-threaded runtime. More, or the default (one per core, or
/// `TOKIO_WORKER_THREADS`): the multi-threaded one.
fn build_runtime(workers: Option<usize>) -> std::io::Result<tokio::runtime::Runtime> {
    match workers {
        Some(1) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Some(n) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build(),
        None => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CERTGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        _ => builder.init(),
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = tokio::signal::ctrl_c() => {},
    }
}
