//! `run`: sign and record every CSR (timed), then the revocations and the CRL.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Instant;

use certgate_ca::cfssl::{SigningConfig, SigningProfile};
use certgate_ca::{CertificateAuthority, CertificateRequest};
use certgate_db::{CertStore, DbUrl, NewCertificate, OpenOptions};
use certgate_x509::{Serial, SerialRef};
use tokio::runtime::Runtime;

use crate::gen_csrs::{CA_CONFIG, progress};
use crate::{BATCH, BenchError, cores, cpu_seconds, result, vm_hwm_kib};

/// Largest request the CSR file may hold: a P-256 device request is about 300 octets.
const MAX_CSR: usize = 64 * 1024;

/// The serials issued, in a flat list: 22 octets a slot (the length, then up to 21
/// content octets), not a heap allocation per serial.
#[derive(Debug, Default)]
pub(crate) struct SerialList(Vec<[u8; 22]>);

impl SerialList {
    fn push(&mut self, serial: SerialRef<'_>) -> Result<(), BenchError> {
        let bytes = serial.as_bytes();
        let mut slot = [0u8; 22];
        let len = u8::try_from(bytes.len())
            .ok()
            .filter(|n| *n <= 21)
            .ok_or_else(|| BenchError::Input("serial over 21 octets".into()))?;
        slot[0] = len;
        slot[1..=bytes.len()].copy_from_slice(bytes);
        self.0.push(slot);
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Serial `i` (as issued, so always well formed).
    pub(crate) fn get(&self, i: usize) -> Option<SerialRef<'_>> {
        let slot = self.0.get(i)?;
        SerialRef::from_der_content(&slot[1..=usize::from(slot[0])]).ok()
    }
}

/// The CSR file, read a batch at a time by whichever signing thread is free.
struct CsrFile {
    reader: BufReader<File>,
    left: usize,
}

impl CsrFile {
    /// Up to [`BATCH`] requests' DER; empty at the end.
    fn next_batch(&mut self) -> Result<Vec<Vec<u8>>, BenchError> {
        let n = self.left.min(BATCH);
        let bad = |_| BenchError::Input("csrs.bin ends early: make more with `gen`".into());
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let mut len = [0u8; 4];
            self.reader.read_exact(&mut len).map_err(bad)?;
            let len = usize::try_from(u32::from_be_bytes(len)).unwrap_or(usize::MAX);
            if len > MAX_CSR {
                return Err(BenchError::Input("csrs.bin: a request over 64 KiB".into()));
            }
            let mut der = vec![0u8; len];
            self.reader.read_exact(&mut der).map_err(bad)?;
            out.push(der);
        }
        self.left -= n;
        Ok(out)
    }
}

/// One batch, signed and ready to record.
struct Signed {
    records: Vec<NewCertificate>,
    serials: Vec<Serial>,
}

/// Checks, signs and reads back (the database's columns) one batch of requests.
fn sign_batch(
    ca: &CertificateAuthority,
    profile: &SigningProfile,
    csrs: &[Vec<u8>],
) -> Result<Signed, BenchError> {
    let mut signed = Signed {
        records: Vec::with_capacity(csrs.len()),
        serials: Vec::with_capacity(csrs.len()),
    };
    for der in csrs {
        let request = CertificateRequest::from_der(der, "csrs.bin")?;
        let cert = ca.sign_csr(&request, profile)?;
        signed
            .records
            .push(NewCertificate::from_der(cert.der(), Some("client"))?);
        signed.serials.push(cert.serial().to_owned());
    }
    Ok(signed)
}

/// Signs `count` requests on one thread per core while this thread records each batch
/// as it comes, in one transaction per batch. Returns the serials and how long this
/// thread spent in `record_batch`.
fn sign_and_record(
    ca: &CertificateAuthority,
    profile: &SigningProfile,
    csrs: CsrFile,
    store: &CertStore,
    rt: &Runtime,
) -> Result<(SerialList, f64), BenchError> {
    let count = csrs.left;
    let csrs = Mutex::new(csrs);
    let bar = progress(count, "signed and recorded");
    // Room for a few batches, so that the signers go on while a commit waits on the disk.
    let (tx, rx) = mpsc::sync_channel::<Result<Signed, BenchError>>(2 * cores());
    let mut serials = SerialList(Vec::with_capacity(count));
    let mut recording = 0.0;
    std::thread::scope(|s| -> Result<(), BenchError> {
        for _ in 0..cores() {
            let (tx, csrs) = (tx.clone(), &csrs);
            s.spawn(move || {
                loop {
                    let batch = match csrs.lock() {
                        Ok(mut file) => file.next_batch(),
                        Err(_) => return,
                    };
                    let signed = match batch {
                        Ok(b) if b.is_empty() => return,
                        Ok(b) => sign_batch(ca, profile, &b),
                        Err(e) => Err(e),
                    };
                    if tx.send(signed).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        for signed in rx {
            let signed = signed?;
            let started = Instant::now();
            rt.block_on(store.record_batch(&signed.records))?;
            recording += started.elapsed().as_secs_f64();
            for serial in &signed.serials {
                serials.push(serial.as_ref())?;
            }
            bar.inc(signed.records.len() as u64);
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    Ok((serials, recording))
}

/// The database's size: the SQLite file (closed, so its WAL is folded in), or
/// PostgreSQL's certificates table with its indexes and TOAST.
fn database_bytes(url: &DbUrl, rt: &Runtime) -> Result<u64, BenchError> {
    match url {
        DbUrl::Sqlite(path) => Ok(std::fs::metadata(path)
            .map_err(BenchError::io(path.display().to_string()))?
            .len()),
        DbUrl::Postgres(text) => rt.block_on(async {
            let pool = sqlx::PgPool::connect(text).await?;
            let n: i64 = sqlx::query_scalar("SELECT pg_total_relation_size('certificates')")
                .fetch_one(&pool)
                .await?;
            pool.close().await;
            Ok(u64::try_from(n).unwrap_or(0))
        }),
    }
}

/// SQLite settings for signing and recording (0: certgate-db's default).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tuning {
    pub(crate) sqlite_cache_mib: u32,
    pub(crate) wal_autocheckpoint: u32,
}

impl Tuning {
    fn options(self) -> OpenOptions {
        let mut options = OpenOptions::default();
        if self.sqlite_cache_mib > 0 {
            options = options.with_sqlite_cache_kib(self.sqlite_cache_mib.saturating_mul(1024));
        }
        if self.wal_autocheckpoint > 0 {
            options = options.with_sqlite_wal_autocheckpoint(self.wal_autocheckpoint);
        }
        options
    }
}

/// The whole run on one database.
pub(crate) fn run(
    work: &Path,
    db: &str,
    count: usize,
    single: usize,
    tuning: Tuning,
) -> Result<(), BenchError> {
    let ca = CertificateAuthority::load(work.join("ca.pem"), work.join("ca-key.pem"), None)?;
    let config = SigningConfig::from_json(CA_CONFIG.as_bytes(), "ca-config.json")?;
    let profile = config.profile("client")?;
    let url = DbUrl::parse(db)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(BenchError::io("tokio runtime"))?;
    let store = rt.block_on(CertStore::open_with(&url, &tuning.options(), true))?;
    let path = work.join("csrs.bin");
    let file = File::open(&path).map_err(BenchError::io(path.display().to_string()))?;
    let csrs = CsrFile {
        reader: BufReader::with_capacity(1 << 20, file),
        left: count,
    };

    let (started, cpu) = (Instant::now(), cpu_seconds());
    let (serials, recording) = sign_and_record(&ca, profile, csrs, &store, &rt)?;
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    result("certificates", serials.len());
    result("sign_record_s", format!("{secs:.1}"));
    result("sign_record_per_s", format!("{:.0}", count as f64 / secs));
    result("sign_record_cpu_s", format!("{cpu:.1}"));
    result("record_busy_s", format!("{recording:.1}"));
    result("sign_record_cores", format!("{:.2}", cpu / secs));
    result("vmhwm_after_sign_mib", vm_hwm_kib() / 1024);

    // Close the pool (SQLite folds its WAL into the file: the last checkpoint, timed
    // apart), measure, open again.
    let closing = Instant::now();
    rt.block_on(store.close());
    result("close_s", format!("{:.1}", closing.elapsed().as_secs_f64()));
    let bytes = database_bytes(&url, &rt)?;
    result("db_bytes", bytes);
    result(
        "db_bytes_per_cert",
        bytes / u64::try_from(count.max(1)).unwrap_or(1),
    );
    let store = rt.block_on(CertStore::open(&url))?;

    crate::crl::revoke_and_crl(&rt, &store, &ca, &serials, single, work)?;
    rt.block_on(store.close());
    result("vmhwm_mib", vm_hwm_kib() / 1024);
    Ok(())
}
