//! Importing a cfssl certdb (its `certificates` table, SQLite or PostgreSQL).
//!
//! cfssl writes `serial_number` as the serial's decimal string and
//! `authority_key_identifier` as lower-case hex, in `blob`/`bytea` columns; `status` is
//! `good` or `revoked`, `reason` the RFC 5280 code, `revoked_at` a timestamp. Every
//! other column here is filled from the certificate's PEM, as for a new record.

use certgate_x509::{Serial, pem};
use futures_util::TryStreamExt;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::error::{CertificateProblem, DbError};
use crate::record::{CertStatus, NewCertificate, reason_from_column, serial_key};
use crate::store::{CertStore, INSERT_OR_SKIP, Target, insert_query, on_pool};
use crate::url::DbUrl;

/// Rows written per transaction during an import.
const IMPORT_BATCH: usize = 1_000;

/// cfssl's columns, as text, with times in Unix seconds (SQLite stores Go's time text).
const SQLITE_SELECT: &str = "SELECT CAST(serial_number AS TEXT), CAST(status AS TEXT), \
    reason, CAST(strftime('%s', revoked_at) AS INTEGER), CAST(ca_label AS TEXT), \
    CAST(pem AS TEXT) FROM certificates";
const PG_SELECT: &str = "SELECT convert_from(serial_number, 'UTF8'), \
    convert_from(status, 'UTF8'), CAST(reason AS BIGINT), \
    CAST(EXTRACT(EPOCH FROM revoked_at) AS BIGINT), convert_from(ca_label, 'UTF8'), \
    convert_from(pem, 'UTF8') FROM certificates";

type CfsslRow = (
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    String,
);

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportReport {
    /// Rows read from the cfssl certdb.
    pub read: u64,
    /// Certificates recorded (new here).
    pub imported: u64,
    /// Of those, revoked ones.
    pub revoked: u64,
    /// Rows skipped because the serial was recorded already (an import run twice).
    pub already_present: u64,
}

/// A cfssl row, ready to insert.
struct Imported {
    cert: NewCertificate,
    revoked: Option<(i64, i64)>,
}

fn convert(row: CfsslRow) -> Result<Imported, DbError> {
    let (serial_text, status, reason, revoked_at, ca_label, pem_text) = row;
    let bad = |problem| DbError::CfsslRow {
        serial: serial_text.clone(),
        problem,
    };
    // Bounded before it is decoded: base64 with line breaks and armour stays well under
    // twice the DER's size.
    if pem_text.len() > 2 * crate::limits::MAX_CERTIFICATE_DER {
        return Err(bad(CertificateProblem::TooLarge));
    }
    let block = pem::first_labelled(pem_text.as_bytes(), &["CERTIFICATE"])
        .map_err(|_| bad(CertificateProblem::NotACertificate))?;
    let mut cert = NewCertificate::from_der(&block.der, None).map_err(|e| match e {
        DbError::BadCertificate { problem, .. } => bad(problem),
        other => other,
    })?;
    let serial =
        Serial::parse(&serial_text, true).map_err(|_| bad(CertificateProblem::SerialMismatch))?;
    if serial_key(serial.as_ref()) != cert.serial {
        return Err(bad(CertificateProblem::SerialMismatch));
    }
    if let Some(label) = ca_label.filter(|l| !l.is_empty()) {
        cert = cert.with_ca_label(label);
    }
    let revoked = match CertStatus::from_column(&status) {
        Ok(CertStatus::Good) => None,
        Ok(CertStatus::Revoked) => {
            let reason = reason_from_column(reason.unwrap_or(0))
                .map_err(|_| bad(CertificateProblem::BadStatus))?;
            let at = revoked_at.ok_or_else(|| bad(CertificateProblem::BadStatus))?;
            Some((i64::from(reason.code()), at))
        }
        Err(_) => return Err(bad(CertificateProblem::BadStatus)),
    };
    Ok(Imported { cert, revoked })
}

impl CertStore {
    /// Imports every certificate of a cfssl certdb, keeping status, reason and
    /// revocation time; a serial recorded already is skipped, so an import can run
    /// again. `progress(done, total)` is called after each batch.
    ///
    /// # Errors
    /// [`DbError::CfsslRow`] for a row that is not what cfssl writes (nothing of its
    /// batch is written); connection errors for either database.
    pub async fn import_cfssl(
        &self,
        from: &DbUrl,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<ImportReport, DbError> {
        let source = Target::new(from.target());
        let mut report = ImportReport::default();
        // The same reading on either backend (the pools are different types).
        macro_rules! import_from {
            ($pool:expr, $select:expr) => {{
                let pool = $pool.await.map_err(|e| source.err(e))?;
                let total: i64 = sqlx::query_scalar("SELECT count(*) FROM certificates")
                    .fetch_one(&pool)
                    .await
                    .map_err(|e| source.err(e))?;
                let total = u64::try_from(total).unwrap_or(0);
                let mut rows = sqlx::query_as::<_, CfsslRow>($select).fetch(&pool);
                let mut batch = Vec::with_capacity(IMPORT_BATCH);
                while let Some(row) = rows.try_next().await.map_err(|e| source.err(e))? {
                    batch.push(convert(row)?);
                    if batch.len() == IMPORT_BATCH {
                        self.import_batch(&mut batch, &mut report).await?;
                        progress(report.read, total);
                    }
                }
                self.import_batch(&mut batch, &mut report).await?;
                progress(report.read, total);
            }};
        }
        match from {
            DbUrl::Sqlite(path) => import_from!(
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(SqliteConnectOptions::new().filename(path).read_only(true)),
                SQLITE_SELECT
            ),
            DbUrl::Postgres(url) => import_from!(
                PgPoolOptions::new().max_connections(1).connect(url),
                PG_SELECT
            ),
        }
        Ok(report)
    }

    /// Writes one batch in one transaction, logging the revocations it brings.
    async fn import_batch(
        &self,
        batch: &mut Vec<Imported>,
        report: &mut ImportReport,
    ) -> Result<(), DbError> {
        let t = &self.target;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await.map_err(|e| t.err(e))?;
            for row in batch.iter() {
                let status = if row.revoked.is_some() { CertStatus::Revoked } else { CertStatus::Good };
                let done = insert_query(&row.cert, status, row.revoked, INSERT_OR_SKIP)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| t.err(e))?
                    .rows_affected();
                report.read += 1;
                if done == 0 {
                    report.already_present += 1;
                    continue;
                }
                report.imported += 1;
                if let Some((reason, at)) = row.revoked {
                    report.revoked += 1;
                    sqlx::query(
                        "INSERT INTO revocation_events \
                         (authority_key_identifier, serial_number, reason, revoked_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(row.cert.issuer.as_str())
                    .bind(row.cert.serial.as_str())
                    .bind(reason)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| t.err(e))?;
                }
            }
            tx.commit().await.map_err(|e| t.err(e))?;
        });
        batch.clear();
        Ok(())
    }
}
