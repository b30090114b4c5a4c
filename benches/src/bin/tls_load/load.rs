//! The counted runs: clients in a closed loop, the window, the tally, the report line.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;

use crate::client::{Target, within};
use crate::{Args, ERROR_BACKOFF, LoadError, Mode};

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

/// User plus system CPU seconds of `pids`, and user seconds alone, from `/proc/PID/stat`.
fn cpu_seconds(pids: &[u32], clk_tck: u64) -> Option<(f64, f64)> {
    let mut ticks = 0_u64;
    let mut user = 0_u64;
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the command name, which is in parentheses and may hold spaces:
        // state is field 3, utime 14 and stime 15.
        let rest = stat.get(stat.rfind(')')? + 1..)?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        ticks += utime + stime;
        user += utime;
    }
    let tck = clk_tck.max(1) as f64;
    Some((ticks as f64 / tck, user as f64 / tck))
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

pub(crate) async fn load(args: &Args) -> Result<(), LoadError> {
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
        let server = first.0.zip(last.0).map(|(a, b)| (b.0 - a.0, b.1 - a.1));
        let client = first.1.zip(last.1).map(|(a, b)| b.0 - a.0);
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

fn report(args: &Args, total: &mut Tally, cpu: Option<(f64, f64)>, client_cpu: Option<f64>) {
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
    if let Some((cpu, user)) = cpu {
        let per_core = if cpu > 0.0 {
            requests as f64 / cpu
        } else {
            f64::NAN
        };
        line.push_str(&format!(
            " server_cpu_s={cpu:.2} server_user_s={user:.2} server_cpu_share={:.2} \
             rps_per_server_core={per_core:.1}",
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

/// Opens `count` connections, `openers` at a time, each with one request answered;
/// returns them and how many failed.
pub(crate) async fn open_held(
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
