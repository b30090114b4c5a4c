//! Reading the inventory: [`ListFilter`] pages and the revocation log.

use certgate_x509::{KeyId, Timestamp};

use crate::error::DbError;
use crate::limits::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::record::{
    CertStatus, CertificateRow, RevocationCursor, RevocationEvent, key_id_from_key, key_id_key,
    reason_from_column, serial_from_key,
};
use crate::store::{CertStore, on_pool};

/// Which certificates [`CertStore::list`] returns; every condition set must hold.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    issuer: Option<String>,
    status: Option<CertStatus>,
    subject_contains: Option<String>,
    expiring_before: Option<Timestamp>,
    after: Option<ListCursor>,
    limit: Option<usize>,
}

/// Where the next page starts: the last row's issuer and serial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListCursor {
    issuer: String,
    serial: String,
}

/// One page of [`CertStore::list`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ListPage {
    /// The rows, by issuer then serial.
    pub rows: Vec<CertificateRow>,
    /// Pass to [`ListFilter::after`] for the next page; `None` after the last.
    pub next: Option<ListCursor>,
}

impl ListFilter {
    /// Every certificate, [`DEFAULT_PAGE_SIZE`] at a time.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only certificates of this issuer.
    #[must_use]
    pub fn with_issuer(mut self, issuer: KeyId<'_>) -> Self {
        self.issuer = Some(key_id_key(issuer));
        self
    }

    /// Only good or only revoked certificates.
    #[must_use]
    pub fn with_status(mut self, status: CertStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only subjects containing `text` (case-insensitive for ASCII).
    #[must_use]
    pub fn with_subject_containing(mut self, text: impl Into<String>) -> Self {
        self.subject_contains = Some(text.into());
        self
    }

    /// Only certificates whose notAfter is before `at` (and, with
    /// [`CertStatus::Good`], still good: those to renew).
    #[must_use]
    pub fn with_expiring_before(mut self, at: Timestamp) -> Self {
        self.expiring_before = Some(at);
        self
    }

    /// Rows per page, at most [`MAX_PAGE_SIZE`].
    #[must_use]
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The page after `cursor`.
    #[must_use]
    pub fn after(mut self, cursor: ListCursor) -> Self {
        self.after = Some(cursor);
        self
    }
}

/// A value bound to a `$N` parameter.
enum Bind {
    Text(String),
    Int(i64),
}

type ListRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    String,
    Option<String>,
    String,
);

impl CertStore {
    /// One page of the certificates `filter` selects, by issuer then serial; follow
    /// [`ListPage::next`] for the rest.
    ///
    /// # Errors
    /// [`DbError::LimitExceeded`] past [`MAX_PAGE_SIZE`]; [`DbError::Corrupt`];
    /// connection errors.
    pub async fn list(&self, filter: &ListFilter) -> Result<ListPage, DbError> {
        let limit = filter.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if limit > MAX_PAGE_SIZE || limit == 0 {
            return Err(DbError::LimitExceeded {
                what: "page size",
                value: limit,
                limit: MAX_PAGE_SIZE,
            });
        }
        let (sql, binds) = list_sql(filter, limit);
        let t = &self.target;
        let rows: Vec<ListRow> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            for b in &binds {
                q = match b {
                    Bind::Text(s) => q.bind(s.clone()),
                    Bind::Int(i) => q.bind(*i),
                };
            }
            q.fetch_all(pool).await.map_err(|e| t.err(e))?
        });
        let next = (rows.len() == limit)
            .then(|| rows.last())
            .flatten()
            .map(|r| ListCursor {
                issuer: r.1.clone(),
                serial: r.0.clone(),
            });
        let rows = rows.into_iter().map(row).collect::<Result<_, _>>()?;
        Ok(ListPage { rows, next })
    }

    /// The cursor past every revocation recorded so far, in one query (the log's
    /// largest id): where a reader that has just read every list whole starts following
    /// [`CertStore::revocations_since`], without paging through the whole log.
    ///
    /// # Errors
    /// Connection errors.
    pub async fn latest_revocation(&self) -> Result<RevocationCursor, DbError> {
        let t = &self.target;
        let id: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT max(id) FROM revocation_events")
                .fetch_one(pool)
                .await
                .map_err(|e| t.err(e))?
        });
        Ok(RevocationCursor(id.unwrap_or(0)))
    }

    /// Revocations after `cursor`, oldest first, at most [`MAX_PAGE_SIZE`], and the
    /// cursor to pass next time. SQLite callers poll this; PostgreSQL callers can also
    /// [`CertStore::listen`].
    ///
    /// The cursor is the log's row id. On PostgreSQL ids are handed out before commit,
    /// so a revocation committing after a later one can be passed over by a poll that
    /// ran between the two: a gate should take the NOTIFY stream, and poll from a
    /// cursor a little behind (or reload [`CertStore::revoked_for_issuer`]) to be sure.
    ///
    /// # Errors
    /// [`DbError::Corrupt`]; connection errors.
    pub async fn revocations_since(
        &self,
        cursor: RevocationCursor,
    ) -> Result<(Vec<RevocationEvent>, RevocationCursor), DbError> {
        let t = &self.target;
        let limit = i64::try_from(MAX_PAGE_SIZE).unwrap_or(i64::MAX);
        let rows: Vec<(i64, String, String, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, authority_key_identifier, serial_number, reason, revoked_at \
                 FROM revocation_events WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(cursor.0)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(|e| t.err(e))?
        });
        let next = rows.last().map_or(cursor, |r| RevocationCursor(r.0));
        let events = rows
            .into_iter()
            .map(|(_, aki, serial, reason, at)| {
                Ok(RevocationEvent {
                    issuer: key_id_from_key(&aki)?,
                    serial: serial_from_key(&serial)?,
                    reason: reason_from_column(reason)?,
                    revoked_at: Timestamp::from_unix_seconds(at),
                })
            })
            .collect::<Result<_, DbError>>()?;
        Ok((events, next))
    }
}

fn list_sql(filter: &ListFilter, limit: usize) -> (String, Vec<Bind>) {
    let mut sql = String::from(
        "SELECT serial_number, authority_key_identifier, subject, common_name, sans, status, \
         reason, revoked_at, not_before, expiry, issued_at, sha256, profile, pem \
         FROM certificates WHERE 1 = 1",
    );
    let mut binds = Vec::new();
    let param = |binds: &mut Vec<Bind>, b: Bind| {
        binds.push(b);
        format!("${}", binds.len())
    };
    if let Some(issuer) = &filter.issuer {
        let p = param(&mut binds, Bind::Text(issuer.clone()));
        sql.push_str(&format!(" AND authority_key_identifier = {p}"));
    }
    if let Some(status) = filter.status {
        let p = param(&mut binds, Bind::Text(status.as_str().to_owned()));
        sql.push_str(&format!(" AND status = {p}"));
    }
    if let Some(text) = &filter.subject_contains {
        let pattern = format!("%{}%", like_escape(text));
        let p = param(&mut binds, Bind::Text(pattern));
        sql.push_str(&format!(" AND lower(subject) LIKE lower({p}) ESCAPE '\\'"));
    }
    if let Some(at) = filter.expiring_before {
        let p = param(&mut binds, Bind::Int(at.unix_seconds()));
        sql.push_str(&format!(" AND expiry < {p}"));
    }
    if let Some(c) = &filter.after {
        let a = param(&mut binds, Bind::Text(c.issuer.clone()));
        let s = param(&mut binds, Bind::Text(c.serial.clone()));
        sql.push_str(&format!(
            " AND (authority_key_identifier > {a} OR (authority_key_identifier = {a} AND serial_number > {s}))"
        ));
    }
    let p = param(
        &mut binds,
        Bind::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
    );
    sql.push_str(&format!(
        " ORDER BY authority_key_identifier, serial_number LIMIT {p}"
    ));
    (sql, binds)
}

/// Escapes LIKE's wildcards so `text` matches as itself.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn row(r: ListRow) -> Result<CertificateRow, DbError> {
    let (
        serial,
        aki,
        subject,
        cn,
        sans,
        status,
        reason,
        revoked_at,
        nb,
        exp,
        issued,
        sha,
        profile,
        pem,
    ) = r;
    let status = CertStatus::from_column(&status)?;
    let sans: Vec<String> =
        serde_json::from_str(&sans).map_err(|_| DbError::Corrupt { column: "sans" })?;
    Ok(CertificateRow {
        serial: serial_from_key(&serial)?,
        issuer: key_id_from_key(&aki)?,
        subject,
        common_name: cn,
        sans,
        status,
        reason: match status {
            CertStatus::Revoked => Some(reason_from_column(reason)?),
            CertStatus::Good => None,
        },
        revoked_at: revoked_at.map(Timestamp::from_unix_seconds),
        not_before: Timestamp::from_unix_seconds(nb),
        not_after: Timestamp::from_unix_seconds(exp),
        issued_at: Timestamp::from_unix_seconds(issued),
        sha256: sha,
        profile,
        pem,
    })
}
