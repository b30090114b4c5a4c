//! A million devices: certgate-db at the scale the seed promises. Run by
//! `benches/million-devices.sh` (see benches/README.md, "A million devices").
//!
//! ```text
//! million_devices gen --work DIR --count N        # CA, config and N device CSRs (not timed)
//! million_devices run --work DIR --db URL [--count N] [--single N]
//! million_devices crl --work DIR --db URL          # the CRL step alone, again
//! ```
//!
//! `gen` writes `DIR/ca.pem`, `DIR/ca-key.pem` (a P-256 root), `DIR/ca-config.json` (the
//! walkthrough's client profile) and `DIR/csrs.bin`: N P-256 device requests, each its
//! own key, as length-prefixed DER (a 4-octet big-endian length, then the request),
//! made on every core. `run` signs them all with that CA and records them in the
//! database (signing on a pool of threads, recording batches on another), then revokes
//! them all (a few one by one, the rest in batches) and makes the issuer's CRL from the
//! database; it prints each figure as `RESULT key value` lines on stdout.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod crl;
mod gen_csrs;
mod sign;

/// Certificates per batch: per [`certgate_db::CertStore::record_batch`] and
/// [`certgate_db::CertStore::revoke_batch`] call, one transaction each; large enough
/// that a commit is a small share of its time, half of certgate-db's `MAX_BATCH`.
pub(crate) const BATCH: usize = 5_000;

#[derive(Parser, Debug)]
#[command(about = "certgate-db with a million devices")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Make the CA, its config and COUNT device CSRs in the work directory.
    Gen {
        /// Where the files go.
        #[arg(long)]
        work: PathBuf,
        /// How many device CSRs.
        #[arg(long, default_value_t = 1_000_000)]
        count: usize,
    },
    /// Sign and record the CSRs, revoke them, make the CRL; print the figures.
    Run {
        /// The directory `gen` wrote.
        #[arg(long)]
        work: PathBuf,
        /// The database (`sqlite://PATH` or `postgres://...`), empty or new.
        #[arg(long)]
        db: String,
        /// How many of the CSRs.
        #[arg(long, default_value_t = 1_000_000)]
        count: usize,
        /// How many revocations one by one (the single-row rate); the rest in batches.
        #[arg(long, default_value_t = 2_000)]
        single: usize,
        /// SQLite: each connection's page cache in MiB while signing and recording
        /// (0: certgate-db's default).
        #[arg(long, default_value_t = 0)]
        sqlite_cache_mib: u32,
        /// SQLite: `wal_autocheckpoint` in pages while signing and recording (0:
        /// certgate-db's default).
        #[arg(long, default_value_t = 0)]
        wal_autocheckpoint: u32,
    },
    /// Only make the CRL again from a database `run` filled.
    Crl {
        /// The directory `gen` wrote.
        #[arg(long)]
        work: PathBuf,
        /// The database.
        #[arg(long)]
        db: String,
    },
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BenchError {
    #[error(transparent)]
    Ca(#[from] certgate_ca::CaError),
    #[error(transparent)]
    Db(#[from] certgate_db::DbError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Input(String),
    #[error("database size: {0}")]
    Size(#[from] sqlx::Error),
}

impl BenchError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }
}

/// Prints one figure for the script: `RESULT key value`.
pub(crate) fn result(key: &str, value: impl std::fmt::Display) {
    println!("RESULT {key} {value}");
}

/// The process's peak resident memory so far (VmHWM), in KiB.
pub(crate) fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds (user and system, every thread) this process has used so far, from
/// `/proc/self/stat` in clock ticks of 1/100 s (Linux's USER_HZ): on a shared machine,
/// the work done, whatever share of the cores the run got.
pub(crate) fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may hold spaces), from field 3 on.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
            Some(ticks as f64 / 100.0)
        })
        .unwrap_or(0.0)
}

/// Threads that sign: one per core.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let outcome = match args.command {
        Command::Gen { work, count } => gen_csrs::generate(&work, count),
        Command::Run {
            work,
            db,
            count,
            single,
            sqlite_cache_mib,
            wal_autocheckpoint,
        } => {
            let tuning = sign::Tuning {
                sqlite_cache_mib,
                wal_autocheckpoint,
            };
            sign::run(&work, &db, count, single, tuning)
        }
        Command::Crl { work, db } => crl::crl_again(&work, &db),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("million_devices: {e}");
            ExitCode::FAILURE
        }
    }
}
