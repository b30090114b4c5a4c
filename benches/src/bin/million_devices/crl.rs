//! Revoking every certificate (one by one, then in batches) and the issuer's CRL from
//! the database.

use std::path::Path;
use std::time::Instant;

use certgate_ca::{CertificateAuthority, FileMode, RevokedEntry, write_atomic};
use certgate_db::{CertStore, DbError, RevokeOutcome};
use certgate_x509::{KeyId, ReasonCode, SerialRef, Timestamp};
use time::{Duration, OffsetDateTime};
use tokio::runtime::Runtime;

use crate::gen_csrs::progress;
use crate::sign::SerialList;
use crate::{BATCH, BenchError, result};

/// How long the CRL is valid: a week, a common CRL lifetime.
const CRL_LIFETIME: Duration = Duration::days(7);

fn odt(t: Timestamp) -> Result<OffsetDateTime, BenchError> {
    OffsetDateTime::from_unix_timestamp(t.unix_seconds())
        .map_err(|_| BenchError::Input("a revocation time out of range".into()))
}

/// Revokes the first `to` serials, one call each.
async fn revoke_each(
    store: &CertStore,
    aki: KeyId<'_>,
    serials: &SerialList,
    to: usize,
    at: Timestamp,
) -> Result<(), BenchError> {
    for i in 0..to {
        let serial = serials
            .get(i)
            .ok_or_else(|| BenchError::Input("serial list".into()))?;
        match store
            .revoke(aki, serial, ReasonCode::KeyCompromise, at)
            .await?
        {
            RevokeOutcome::Revoked => {}
            other => return Err(BenchError::Input(format!("revoke: {other:?}"))),
        }
    }
    Ok(())
}

/// Revokes every certificate: the first `single` one call each, the rest
/// [`BATCH`] per [`CertStore::revoke_batch`].
fn revoke_all(
    rt: &Runtime,
    store: &CertStore,
    aki: KeyId<'_>,
    serials: &SerialList,
    single: usize,
) -> Result<(), BenchError> {
    let at = Timestamp::now();
    let single = single.min(serials.len());
    let started = Instant::now();
    rt.block_on(revoke_each(store, aki, serials, single, at))?;
    let secs = started.elapsed().as_secs_f64();
    result("revoke_single_n", single);
    result(
        "revoke_single_per_s",
        format!("{:.0}", single as f64 / secs.max(1e-9)),
    );

    let rest = serials.len() - single;
    let bar = progress(rest, "revoked");
    let started = Instant::now();
    let mut start = single;
    while start < serials.len() {
        let end = serials.len().min(start + BATCH);
        let batch: Vec<SerialRef<'_>> = (start..end).filter_map(|i| serials.get(i)).collect();
        let done =
            rt.block_on(store.revoke_batch(aki, &batch, ReasonCode::CessationOfOperation, at))?;
        if done.revoked != end - start {
            return Err(BenchError::Input(format!("revoke_batch: {done:?}")));
        }
        bar.inc((end - start) as u64);
        start = end;
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    result("revoke_batch_n", rest);
    result(
        "revoke_batch_per_s",
        format!("{:.0}", rest as f64 / secs.max(1e-9)),
    );
    Ok(())
}

/// Revokes everything, then makes the issuer's CRL from the database.
pub(crate) fn revoke_and_crl(
    rt: &Runtime,
    store: &CertStore,
    ca: &CertificateAuthority,
    serials: &SerialList,
    single: usize,
    work: &Path,
) -> Result<(), BenchError> {
    revoke_all(rt, store, KeyId(ca.certificate().key_id()), serials, single)?;
    crl(rt, store, ca, work)
}

/// The CRL step alone, on a database a `run` left.
pub(crate) fn crl_again(work: &Path, db: &str) -> Result<(), BenchError> {
    let ca = CertificateAuthority::load(work.join("ca.pem"), work.join("ca-key.pem"), None)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(BenchError::io("tokio runtime"))?;
    let store = rt.block_on(CertStore::open(&certgate_db::DbUrl::parse(db)?))?;
    crl(&rt, &store, &ca, work)?;
    rt.block_on(store.close());
    result("vmhwm_crl_mib", crate::vm_hwm_kib() / 1024);
    Ok(())
}

/// Reads the issuer's revoked rows and signs the CRL, timing the query and the build
/// apart; writes it to `WORK/crl-BACKEND.der`.
fn crl(
    rt: &Runtime,
    store: &CertStore,
    ca: &CertificateAuthority,
    work: &Path,
) -> Result<(), BenchError> {
    let aki = KeyId(ca.certificate().key_id());
    let started = Instant::now();
    let rows = rt.block_on(store.revoked_for_issuer(aki))?;
    let query = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let now = Timestamp::now();
    let number = rt.block_on(store.next_crl_number(aki, now))?;
    let entries_len = rows.len();
    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        let serial = row.serial.as_ref().magnitude().ok_or(DbError::Corrupt {
            column: "serial_number",
        })?;
        entries.push(RevokedEntry {
            serial: serial.to_vec(),
            revoked_at: odt(row.revoked_at)?,
            reason: Some(row.reason),
        });
    }
    drop(rows);
    let this_update = odt(now)?;
    let crl = ca
        .crl(number, this_update, this_update + CRL_LIFETIME)
        .with_entries(entries)
        .build()?;
    let build = started.elapsed().as_secs_f64();

    let name = if store.is_postgres() {
        "crl-postgres.der"
    } else {
        "crl-sqlite.der"
    };
    write_atomic(work.join(name), crl.der(), FileMode::Public)?;
    result("crl_entries", entries_len);
    result("crl_query_s", format!("{query:.2}"));
    result("crl_build_s", format!("{build:.2}"));
    result("crl_total_s", format!("{:.2}", query + build));
    result(
        "crl_mib",
        format!("{:.1}", crl.der().len() as f64 / (1024.0 * 1024.0)),
    );
    result("crl_file", name);
    Ok(())
}
