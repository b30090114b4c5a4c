//! [`CertStore::revoked_for_issuer`]: an issuer's revoked certificates, for its CRL.
//!
//! The rows come from the revocation log (`revocation_events`, schema 3), not from the
//! certificates table: the log is narrow (issuer, serial, reason, time) and in insertion
//! order, while a certificate row is 1.5 KiB, most of it PEM. On PostgreSQL, right after
//! a mass revocation, an index of the certificates table had to fetch every row from
//! that wide heap in serial (random) order (the visibility map is empty until a VACUUM);
//! the log's heap is read front to back. Every path that revokes writes its event in the
//! same transaction, only when the certificate goes from good to revoked, and nothing
//! undoes a revocation: so each revoked certificate is in the log once (migration 3
//! backfills any that were not).
//!
//! A CRL of a million devices needs a million rows. Read one by one, sqlx hands each
//! row over separately (on SQLite from its worker thread), and that hand-off, not the
//! SQL, was most of the time. So the rows come in pages, each page one row: the page's
//! serials, reasons and times joined into one text by the database (`string_agg`, the
//! same in SQLite 3.44+ and PostgreSQL) and its row count, checked against what is read
//! back. A page is a range of log ids, not a `LIMIT`: the issuer's events with ids in
//! `(after, after + n]` for n of [`crate::limits::REVOKED_PAGE_ROWS`] (or
//! [`crate::OpenOptions::with_revoked_page_rows`]), so at most n rows, starting at the
//! issuer's first event past the last page (a probe of the index
//! `revocation_events_issuer`, issuer then id, so gaps left by other issuers cost one
//! query each, not a page each). Every query is a range of that index whatever the
//! planner knows: with `ORDER BY id LIMIT n`, PostgreSQL without statistics (a log just
//! filled by a mass revocation, not yet analyzed) took a bitmap scan of every later
//! event and sorted them on disk for each page, 9 to 10 s for a million instead of 2 to
//! 3. No `ORDER BY` inside the aggregate: SQLite sorted every page again for it.

use certgate_x509::{KeyId, Timestamp};

use crate::error::DbError;
use crate::limits::MAX_REVOKED_PER_ISSUER;
use crate::record::{RevokedRow, key_id_key, reason_from_column, serial_from_key};
use crate::store::{CertStore, on_pool};

/// One page: the issuer's events with ids in `($2, $3]`, `serial reason time` per row,
/// rows joined by `,`. A revoked certificate without a revocation time was backfilled
/// with -1, which is refused as corrupt.
const PAGE_SQL: &str = "SELECT count(*), \
     string_agg(serial_number || ' ' || reason || ' ' || revoked_at, ',') \
     FROM revocation_events \
     WHERE authority_key_identifier = $1 AND id > $2 AND id <= $3";

/// The issuer's first event after id `$2`, where the next page starts.
const NEXT_SQL: &str = "SELECT min(id) FROM revocation_events \
     WHERE authority_key_identifier = $1 AND id > $2";

type Page = (i64, Option<String>);

impl CertStore {
    /// Every revoked certificate of this issuer (and only this issuer), each once. The
    /// order is not promised (a CRL's entries need none): pages follow the order the
    /// revocations were logged in, rows within a page the database's.
    ///
    /// # Errors
    /// [`DbError::Corrupt`] for a row certgate-db did not write;
    /// [`DbError::LimitExceeded`] past [`MAX_REVOKED_PER_ISSUER`]; connection errors.
    pub async fn revoked_for_issuer(&self, issuer: KeyId<'_>) -> Result<Vec<RevokedRow>, DbError> {
        let aki = key_id_key(issuer);
        let t = &self.target;
        let page_rows = i64::try_from(self.revoked_page_rows).unwrap_or(i64::MAX);
        let mut rows = Vec::new();
        let mut after = 0_i64;
        loop {
            let first: Option<i64> = on_pool!(self, pool => {
                sqlx::query_scalar(NEXT_SQL)
                    .bind(&aki)
                    .bind(after)
                    .fetch_one(pool)
                    .await
                    .map_err(|e| t.err(e))?
            });
            let Some(first) = first else {
                return Ok(rows);
            };
            let start = first.saturating_sub(1);
            let end = start.saturating_add(page_rows);
            let (count, joined): Page = on_pool!(self, pool => {
                sqlx::query_as(PAGE_SQL)
                    .bind(&aki)
                    .bind(start)
                    .bind(end)
                    .fetch_one(pool)
                    .await
                    .map_err(|e| t.err(e))?
            });
            let count = usize::try_from(count).map_err(|_| corrupt("serial_number"))?;
            if rows.len() + count > MAX_REVOKED_PER_ISSUER {
                return Err(DbError::LimitExceeded {
                    what: "revoked certificates of one issuer",
                    value: rows.len() + count,
                    limit: MAX_REVOKED_PER_ISSUER,
                });
            }
            let read = parse_page(joined.as_deref().unwrap_or(""), &mut rows)?;
            if read != count {
                return Err(corrupt("revoked_at"));
            }
            after = end;
        }
    }
}

fn corrupt(column: &'static str) -> DbError {
    DbError::Corrupt { column }
}

/// Appends a page's rows; returns how many it held.
fn parse_page(joined: &str, rows: &mut Vec<RevokedRow>) -> Result<usize, DbError> {
    if joined.is_empty() {
        return Ok(0);
    }
    let mut read = 0;
    for item in joined.split(',') {
        let mut fields = item.split(' ');
        let (Some(serial), Some(reason), Some(at), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(corrupt("serial_number"));
        };
        let reason = reason.parse().map_err(|_| corrupt("reason"))?;
        let at: i64 = at.parse().map_err(|_| corrupt("revoked_at"))?;
        if at < 0 {
            return Err(corrupt("revoked_at"));
        }
        rows.push(RevokedRow {
            serial: serial_from_key(serial)?,
            reason: reason_from_column(reason)?,
            revoked_at: Timestamp::from_unix_seconds(at),
        });
        read += 1;
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_read_back_and_corrupt_rows_are_refused() {
        let mut rows = Vec::new();
        assert_eq!(parse_page("", &mut rows).unwrap(), 0);
        assert_eq!(parse_page("0a 1 5,00ff 0 7", &mut rows).unwrap(), 2);
        assert_eq!(
            rows[1].serial,
            certgate_x509::Serial::from_der_content(&[0, 0xff]).unwrap()
        );
        assert_eq!(rows[0].revoked_at, Timestamp::from_unix_seconds(5));
        for bad in [
            "0a 1", "0a 1 5 6", "zz 1 5", "0a 7 5", "0a 1 -1", "0a x 5", "0a 1 5,",
        ] {
            assert!(parse_page(bad, &mut Vec::new()).is_err(), "{bad}");
        }
    }
}
