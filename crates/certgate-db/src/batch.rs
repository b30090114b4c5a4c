//! Many rows per statement: [`CertStore::record_batch`]'s multi-row INSERT and
//! [`CertStore::revoke_batch`].
//!
//! One statement per row costs a round trip each (to SQLite's worker thread, or over the
//! socket to PostgreSQL), which is most of the time a row takes; a statement carrying a
//! few hundred rows pays it once. The statements are plain SQL that both backends read
//! (`$N` parameters, `IN (...)` lists, multi-row `VALUES`), written once.

use std::collections::HashSet;
use std::fmt::Write as _;

use certgate_x509::{KeyId, ReasonCode, SerialRef, Timestamp};

use crate::error::DbError;
use crate::limits::MAX_BATCH;
use crate::record::{CertStatus, NewCertificate, key_id_key, serial_key};
use crate::store::{CertStore, bind_certificate, on_pool};

/// Certificates per multi-row INSERT: 16 columns each, so 500 rows bind 8,000 values,
/// well inside SQLite's 32,766 and PostgreSQL's 65,535 parameters per statement, and
/// few enough that a statement's text (about 40 KiB) stays cheap to prepare.
const INSERT_ROWS: usize = 500;

/// Serials per revocation statement: 1,000 serials and three fixed values, inside both
/// backends' parameter limits with room to spare.
const REVOKE_ROWS: usize = 1_000;

/// The columns [`crate::store::INSERT`] writes, in its order.
const COLUMNS: &str = "serial_number, authority_key_identifier, ca_label, status, reason, \
     expiry, revoked_at, pem, issued_at, not_before, metadata, sans, common_name, subject, \
     sha256, profile";

/// Values bound per certificate row.
const PER_ROW: usize = 16;

/// What [`CertStore::revoke_batch`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevokeBatchOutcome {
    /// Certificates this call revoked.
    pub revoked: usize,
    /// Certificates that were revoked already and were left as they were.
    pub already_revoked: usize,
}

/// How a statement numbers its parameters. PostgreSQL takes only `$N`; SQLite gets
/// anonymous `?`s (bound in the order they appear), because sqlx looks up a numbered
/// parameter's name with `sqlite3_bind_parameter_name`, a walk of the statement's list
/// of names: quadratic in a statement of thousands of parameters (a 500-row INSERT spent
/// two thirds of its time there).
#[derive(Clone, Copy, Debug)]
enum Style {
    Question,
    Dollar,
}

/// `n` parameters, the first numbered `first`: `$4, $5, $6` or `?, ?, ?`.
fn params(style: Style, first: usize, n: usize) -> String {
    let mut out = String::with_capacity(n * 6);
    for i in 0..n {
        let sep = if i == 0 { "" } else { ", " };
        let _ = match style {
            Style::Question => write!(out, "{sep}?"),
            Style::Dollar => write!(out, "{sep}${}", first + i),
        };
    }
    out
}

/// `rows` rows of `per_row` parameters each, numbered from `first`: `(..), (..)`.
fn rows(style: Style, first: usize, rows: usize, per_row: usize) -> String {
    let mut out = String::with_capacity(rows * per_row * 6);
    for r in 0..rows {
        let sep = if r == 0 { "" } else { ", " };
        let _ = write!(
            out,
            "{sep}({})",
            params(style, first + r * per_row, per_row)
        );
    }
    out
}

/// The INSERT of `n` certificates in one statement.
fn insert_sql(style: Style, n: usize) -> String {
    format!(
        "INSERT INTO certificates ({COLUMNS}) VALUES {}",
        rows(style, 1, n, PER_ROW)
    )
}

/// Whether `e` is a unique violation (a serial recorded twice).
fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl CertStore {
    fn style(&self) -> Style {
        if self.is_postgres() {
            Style::Dollar
        } else {
            Style::Question
        }
    }

    /// [`CertStore::record_batch`]'s fast path: [`INSERT_ROWS`] rows per statement in one
    /// transaction. `Ok(false)` when a serial is a duplicate: nothing is written, and the
    /// caller finds which one row by row.
    pub(crate) async fn record_rows(&self, certs: &[NewCertificate]) -> Result<bool, DbError> {
        let (t, style) = (&self.target, self.style());
        on_pool!(self, pool => {
            let mut tx = pool.begin().await.map_err(|e| t.err(e))?;
            for chunk in certs.chunks(INSERT_ROWS) {
                let sql = insert_sql(style, chunk.len());
                let mut q = sqlx::query(&sql);
                for c in chunk {
                    q = bind_certificate(q, c, CertStatus::Good, None);
                }
                match q.execute(&mut *tx).await {
                    Ok(_) => {}
                    // Dropping the transaction rolls it back.
                    Err(e) if is_unique_violation(&e) => return Ok(false),
                    Err(e) => return Err(t.err(e)),
                }
            }
            tx.commit().await.map_err(|e| t.err(e))?;
            Ok(true)
        })
    }

    /// Revokes the issuer's certificates `serials`, all for `reason` at `at`, in one
    /// transaction: all of them, or (on any error) none. Those revoked already are left
    /// as they were and counted; a serial given twice counts once. As with
    /// [`CertStore::revoke`], each revocation goes to the revocation log and, on
    /// PostgreSQL, to a NOTIFY on [`crate::REVOCATION_CHANNEL`] when the transaction
    /// commits. About a hundred times faster than one [`CertStore::revoke`] per serial:
    /// a statement covers a thousand serials.
    ///
    /// # Errors
    /// [`DbError::UnknownCertificate`] (naming the first serial not recorded; nothing is
    /// revoked); [`DbError::LimitExceeded`] past [`MAX_BATCH`]; [`DbError::Locked`],
    /// [`DbError::Unreachable`], [`DbError::Database`].
    pub async fn revoke_batch(
        &self,
        issuer: KeyId<'_>,
        serials: &[SerialRef<'_>],
        reason: ReasonCode,
        at: Timestamp,
    ) -> Result<RevokeBatchOutcome, DbError> {
        if serials.len() > MAX_BATCH {
            return Err(DbError::LimitExceeded {
                what: "batch size",
                value: serials.len(),
                limit: MAX_BATCH,
            });
        }
        let aki = key_id_key(issuer);
        let mut seen = HashSet::with_capacity(serials.len());
        let keys: Vec<String> = serials
            .iter()
            .map(|s| serial_key(*s))
            .filter(|k| seen.insert(k.clone()))
            .collect();
        let (code, at) = (i64::from(reason.code()), at.unix_seconds());
        let (t, style) = (&self.target, self.style());
        let notify = self.is_postgres();
        let mut outcome = RevokeBatchOutcome::default();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await.map_err(|e| t.err(e))?;
            for chunk in keys.chunks(REVOKE_ROWS) {
                let sql = update_sql(style, chunk.len());
                let mut q = sqlx::query_scalar::<_, String>(&sql).bind(code).bind(at).bind(&aki);
                for s in chunk {
                    q = q.bind(s.as_str());
                }
                let changed = q.fetch_all(&mut *tx).await.map_err(|e| t.err(e))?;
                if changed.len() < chunk.len() {
                    // Revoked already, or not recorded at all?
                    let sql = existing_sql(style, chunk.len());
                    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(&aki);
                    for s in chunk {
                        q = q.bind(s.as_str());
                    }
                    let found: HashSet<String> =
                        q.fetch_all(&mut *tx).await.map_err(|e| t.err(e))?.into_iter().collect();
                    if let Some(missing) = chunk.iter().find(|s| !found.contains(*s)) {
                        return Err(DbError::UnknownCertificate { serial: missing.clone(), issuer: aki.clone() });
                    }
                }
                outcome.revoked += changed.len();
                outcome.already_revoked += chunk.len() - changed.len();
                if changed.is_empty() {
                    continue;
                }
                let sql = events_sql(style, changed.len());
                let mut q = sqlx::query(&sql);
                for s in &changed {
                    q = q.bind(&aki).bind(s.as_str()).bind(code).bind(at);
                }
                q.execute(&mut *tx).await.map_err(|e| t.err(e))?;
                if notify {
                    let sql = notify_sql(changed.len());
                    let mut q = sqlx::query(&sql).bind(crate::REVOCATION_CHANNEL);
                    for s in &changed {
                        q = q.bind(crate::listen::payload(&aki, s, code, at));
                    }
                    q.execute(&mut *tx).await.map_err(|e| t.err(e))?;
                }
            }
            tx.commit().await.map_err(|e| t.err(e))?;
            Ok(outcome)
        })
    }
}

/// The issuer and status conditions of a batch statement. SQLite's planner, which has
/// no statistics, would take the `(issuer, status)` index for them and walk every entry
/// of the issuer to find the listed serials: all of a million for each statement. A unary `+` keeps SQLite off that index, so each serial is looked up in
/// the primary key `(serial_number, authority_key_identifier)` instead; PostgreSQL
/// plans by its statistics (and has no unary `+` for text).
fn issuer_terms(style: Style, aki: &str) -> String {
    match style {
        Style::Question => "+authority_key_identifier = ?".to_owned(),
        Style::Dollar => format!("authority_key_identifier = {aki}"),
    }
}

/// Revokes the good ones of `n` serials (the parameters from the fourth on) of issuer
/// `$3` with reason `$1` at `$2`, returning the serials it changed.
fn update_sql(style: Style, n: usize) -> String {
    let (reason, at, status) = match style {
        Style::Question => ("?", "?", "+status"),
        Style::Dollar => ("$1", "$2", "status"),
    };
    format!(
        "UPDATE certificates SET status = 'revoked', reason = {reason}, revoked_at = {at} \
         WHERE {} AND {status} <> 'revoked' \
         AND serial_number IN ({}) RETURNING serial_number",
        issuer_terms(style, "$3"),
        params(style, 4, n)
    )
}

/// Which of `n` serials (the parameters from the second on) of issuer `$1` are recorded.
fn existing_sql(style: Style, n: usize) -> String {
    format!(
        "SELECT serial_number FROM certificates WHERE {} AND serial_number IN ({})",
        issuer_terms(style, "$1"),
        params(style, 2, n)
    )
}

/// Logs `n` revocations, four parameters each: issuer, serial, reason, time.
fn events_sql(style: Style, n: usize) -> String {
    format!(
        "INSERT INTO revocation_events \
         (authority_key_identifier, serial_number, reason, revoked_at) VALUES {}",
        rows(style, 1, n, 4)
    )
}

/// PostgreSQL: `n` notifications (payloads `$2...`) on channel `$1`.
fn notify_sql(n: usize) -> String {
    format!(
        "SELECT pg_notify($1, p) FROM (VALUES {}) AS v(p)",
        rows(Style::Dollar, 2, n, 1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_number_their_parameters() {
        assert_eq!(params(Style::Dollar, 4, 3), "$4, $5, $6");
        assert_eq!(params(Style::Question, 4, 3), "?, ?, ?");
        let sql = insert_sql(Style::Dollar, 2);
        assert!(sql.ends_with(
            "($17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)"
        ));
        assert_eq!(
            insert_sql(Style::Question, 3).matches('?').count(),
            3 * PER_ROW
        );
        assert_eq!(COLUMNS.split(',').count(), PER_ROW);
        assert!(events_sql(Style::Dollar, 2).ends_with("($1, $2, $3, $4), ($5, $6, $7, $8)"));
        assert!(update_sql(Style::Question, 2).contains(
            "reason = ?, revoked_at = ? WHERE +authority_key_identifier = ? AND +status <> 'revoked'"
        ));
        assert!(update_sql(Style::Dollar, 2).contains("IN ($4, $5)"));
        assert!(existing_sql(Style::Dollar, 1).ends_with("= $1 AND serial_number IN ($2)"));
        assert!(
            existing_sql(Style::Question, 1).contains("WHERE +authority_key_identifier = ? AND")
        );
        assert!(notify_sql(2).ends_with("VALUES ($2), ($3)) AS v(p)"));
    }
}
