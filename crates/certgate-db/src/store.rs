//! [`CertStore`]: open, record, revoke, CRL numbers.

use std::path::Path;
use std::str::FromStr;

use certgate_x509::{KeyId, ReasonCode, SerialRef, Timestamp};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::error::{DbError, UrlProblem};
use crate::limits::MAX_BATCH;
use crate::options::OpenOptions;
use crate::record::{
    CertStatus, NewCertificate, RevokeOutcome, key_id_key, reason_from_column, serial_key,
};
use crate::schema;
use crate::url::DbUrl;

/// Where errors come from: the database's name for messages and the busy timeout.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    name: String,
    busy_ms: u64,
}

impl Target {
    /// A target for messages about `name`, with no busy timeout of ours.
    pub(crate) fn new(name: String) -> Self {
        Self { name, busy_ms: 0 }
    }

    pub(crate) fn err(&self, e: sqlx::Error) -> DbError {
        DbError::from_sqlx(e, &self.name, self.busy_ms)
    }
}

/// The two backends, behind one API.
#[derive(Clone, Debug)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool the store has; the SQL in it must
/// read the same on both (`$1` parameters, standard SQL).
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// The inventory of issued and revoked certificates: SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct CertStore {
    pub(crate) backend: Backend,
    pub(crate) target: Target,
    /// Rows per page of [`CertStore::revoked_for_issuer`].
    pub(crate) revoked_page_rows: usize,
}

impl CertStore {
    /// Opens the database, which must have this build's schema.
    ///
    /// # Errors
    /// [`DbError::Unreachable`] (no server, no such directory),
    /// [`DbError::NeedsMigration`] (older schema, or none: see
    /// [`CertStore::open_and_migrate`]), [`DbError::SchemaTooNew`],
    /// [`DbError::BadUrl`], [`DbError::Locked`].
    pub async fn open(url: &DbUrl) -> Result<Self, DbError> {
        Self::open_with(url, &OpenOptions::default(), false).await
    }

    /// Opens the database and applies any migration it lacks (creating the schema in
    /// an empty database).
    ///
    /// # Errors
    /// As [`CertStore::open`], without [`DbError::NeedsMigration`].
    pub async fn open_and_migrate(url: &DbUrl) -> Result<Self, DbError> {
        Self::open_with(url, &OpenOptions::default(), true).await
    }

    /// Opens with `options`; migrates first when `migrate` is true.
    ///
    /// # Errors
    /// As [`CertStore::open`].
    pub async fn open_with(
        url: &DbUrl,
        options: &OpenOptions,
        migrate: bool,
    ) -> Result<Self, DbError> {
        let busy_ms = u64::try_from(options.busy_timeout.as_millis()).unwrap_or(u64::MAX);
        let target = Target {
            name: url.target(),
            busy_ms,
        };
        let backend = match url {
            DbUrl::Sqlite(path) => {
                // Only a migration creates a database: a mistyped path is not a new,
                // empty inventory.
                if !migrate && !path.exists() {
                    return Err(DbError::NeedsMigration {
                        found: 0,
                        supported: schema::SCHEMA_VERSION,
                    });
                }
                Backend::Sqlite(open_sqlite(path, options, &target).await?)
            }
            DbUrl::Postgres(text) => {
                let connect = PgConnectOptions::from_str(text).map_err(|_| DbError::BadUrl {
                    url: url.target(),
                    problem: UrlProblem::BadPostgresUrl,
                })?;
                let pool = PgPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.connect_timeout)
                    .connect_with(connect)
                    .await
                    .map_err(|e| target.err(e))?;
                Backend::Postgres(pool)
            }
        };
        let store = Self {
            backend,
            target,
            revoked_page_rows: options.revoked_page_rows,
        };
        if migrate {
            store.migrate().await?;
        } else {
            schema::check(store.schema_version().await?)?;
        }
        Ok(store)
    }

    /// The database's schema version (0: none yet).
    ///
    /// # Errors
    /// [`DbError::Database`] and the connection errors of [`CertStore::open`].
    pub async fn schema_version(&self) -> Result<i64, DbError> {
        match &self.backend {
            Backend::Sqlite(p) => schema::sqlite_version(p, &self.target).await,
            Backend::Postgres(p) => schema::pg_version(p, &self.target).await,
        }
    }

    /// Applies the migrations the database lacks and returns their versions (empty
    /// when it was up to date). Idempotent, and safe when two processes run it at once:
    /// each migration is applied once.
    ///
    /// # Errors
    /// [`DbError::SchemaTooNew`], [`DbError::Locked`], [`DbError::Database`].
    pub async fn migrate(&self) -> Result<Vec<i64>, DbError> {
        match &self.backend {
            Backend::Sqlite(p) => schema::migrate_sqlite(p, &self.target).await,
            Backend::Postgres(p) => schema::migrate_pg(p, &self.target).await,
        }
    }

    /// Whether this store is PostgreSQL (which can push revocations, see
    /// [`CertStore::listen`]).
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Records one issued certificate.
    ///
    /// # Errors
    /// [`DbError::DuplicateSerial`] when the issuer's serial is recorded already;
    /// [`DbError::Locked`], [`DbError::Unreachable`], [`DbError::Database`].
    pub async fn record(&self, cert: &NewCertificate) -> Result<(), DbError> {
        self.record_batch(std::slice::from_ref(cert)).await
    }

    /// Records certificates in one transaction: all of them, or (on any error, such as
    /// a duplicate serial) none.
    ///
    /// # Errors
    /// As [`CertStore::record`]; [`DbError::LimitExceeded`] past [`MAX_BATCH`].
    pub async fn record_batch(&self, certs: &[NewCertificate]) -> Result<(), DbError> {
        if certs.len() > MAX_BATCH {
            return Err(DbError::LimitExceeded {
                what: "batch size",
                value: certs.len(),
                limit: MAX_BATCH,
            });
        }
        // Hundreds of rows per statement; on a duplicate serial (nothing written), one
        // row per statement again, to name it.
        if self.record_rows(certs).await? {
            return Ok(());
        }
        let t = &self.target;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await.map_err(|e| t.err(e))?;
            for c in certs {
                insert_query(c, CertStatus::Good, None, INSERT)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| duplicate_or(e, c, t))?;
            }
            tx.commit().await.map_err(|e| t.err(e))
        })
    }

    /// Revokes the issuer's certificate `serial` for `reason` at `at`. Revoking a
    /// revoked certificate changes nothing and says so. On PostgreSQL, a NOTIFY on
    /// [`crate::REVOCATION_CHANNEL`] tells listeners when it commits.
    ///
    /// # Errors
    /// [`DbError::UnknownCertificate`] when no such certificate is recorded;
    /// [`DbError::Locked`], [`DbError::Unreachable`], [`DbError::Database`].
    pub async fn revoke(
        &self,
        issuer: KeyId<'_>,
        serial: SerialRef<'_>,
        reason: ReasonCode,
        at: Timestamp,
    ) -> Result<RevokeOutcome, DbError> {
        let (aki, sn) = (key_id_key(issuer), serial_key(serial));
        let t = &self.target;
        let code = i64::from(reason.code());
        let notify = self.is_postgres();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await.map_err(|e| t.err(e))?;
            let changed = sqlx::query(
                "UPDATE certificates SET status = 'revoked', reason = $1, revoked_at = $2 \
                 WHERE serial_number = $3 AND authority_key_identifier = $4 AND status <> 'revoked'",
            )
            .bind(code)
            .bind(at.unix_seconds())
            .bind(&sn)
            .bind(&aki)
            .execute(&mut *tx)
            .await
            .map_err(|e| t.err(e))?
            .rows_affected();
            if changed == 0 {
                let row: Option<(String, i64, Option<i64>)> = sqlx::query_as(
                    "SELECT status, reason, revoked_at FROM certificates \
                     WHERE serial_number = $1 AND authority_key_identifier = $2",
                )
                .bind(&sn)
                .bind(&aki)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| t.err(e))?;
                tx.rollback().await.map_err(|e| t.err(e))?;
                return match row {
                    Some((_, reason, at)) => Ok(RevokeOutcome::AlreadyRevoked {
                        reason: reason_from_column(reason)?,
                        at: Timestamp::from_unix_seconds(
                            at.ok_or(DbError::Corrupt { column: "revoked_at" })?,
                        ),
                    }),
                    None => Err(DbError::UnknownCertificate { serial: sn, issuer: aki }),
                };
            }
            sqlx::query(
                "INSERT INTO revocation_events \
                 (authority_key_identifier, serial_number, reason, revoked_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&aki)
            .bind(&sn)
            .bind(code)
            .bind(at.unix_seconds())
            .execute(&mut *tx)
            .await
            .map_err(|e| t.err(e))?;
            if notify {
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(crate::REVOCATION_CHANNEL)
                    .bind(crate::listen::payload(&aki, &sn, code, at.unix_seconds()))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| t.err(e))?;
            }
            tx.commit().await.map_err(|e| t.err(e))?;
            Ok(RevokeOutcome::Revoked)
        })
    }

    /// The issuer's next CRL Number (1 for its first CRL), and `this_update` remembered
    /// as its last thisUpdate. One atomic statement (an upsert with RETURNING): two
    /// callers at once never get the same number, and the number only grows.
    ///
    /// # Errors
    /// [`DbError::Locked`], [`DbError::Unreachable`], [`DbError::Database`].
    pub async fn next_crl_number(
        &self,
        issuer: KeyId<'_>,
        this_update: Timestamp,
    ) -> Result<u64, DbError> {
        let aki = key_id_key(issuer);
        let t = &self.target;
        // `max` of two values is `max()` in SQLite and `GREATEST()` in PostgreSQL.
        let sql = |max: &str| {
            format!(
                "INSERT INTO crl_state (authority_key_identifier, crl_number, this_update) \
                 VALUES ($1, 1, $2) ON CONFLICT (authority_key_identifier) DO UPDATE SET \
                 crl_number = crl_state.crl_number + 1, \
                 this_update = {max}(crl_state.this_update, excluded.this_update) \
                 RETURNING crl_number"
            )
        };
        let n: i64 = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_scalar(&sql("max"))
                .bind(&aki)
                .bind(this_update.unix_seconds())
                .fetch_one(pool)
                .await
                .map_err(|e| t.err(e))?,
            Backend::Postgres(pool) => sqlx::query_scalar(&sql("GREATEST"))
                .bind(&aki)
                .bind(this_update.unix_seconds())
                .fetch_one(pool)
                .await
                .map_err(|e| t.err(e))?,
        };
        u64::try_from(n).map_err(|_| DbError::Corrupt {
            column: "crl_number",
        })
    }

    /// Closes the pool's connections.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}

/// Inserts one certificate row.
pub(crate) const INSERT: &str = "INSERT INTO certificates (serial_number, \
     authority_key_identifier, ca_label, status, reason, expiry, revoked_at, pem, issued_at, \
     not_before, metadata, sans, common_name, subject, sha256, profile) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";

/// [`INSERT`], skipping a row whose serial and issuer are recorded already.
pub(crate) const INSERT_OR_SKIP: &str = "INSERT INTO certificates (serial_number, \
     authority_key_identifier, ca_label, status, reason, expiry, revoked_at, pem, issued_at, \
     not_before, metadata, sans, common_name, subject, sha256, profile) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
     ON CONFLICT (serial_number, authority_key_identifier) DO NOTHING";

/// The INSERT for one certificate with its status (imports keep cfssl's).
pub(crate) fn insert_query<'q, DB: sqlx::Database>(
    c: &'q NewCertificate,
    status: CertStatus,
    revoked: Option<(i64, i64)>,
    sql: &'static str,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    bind_certificate(sqlx::query(sql), c, status, revoked)
}

/// Binds one certificate's 16 values, in [`INSERT`]'s column order, to `q`.
pub(crate) fn bind_certificate<'q, DB: sqlx::Database>(
    q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    c: &'q NewCertificate,
    status: CertStatus,
    revoked: Option<(i64, i64)>,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    q.bind(c.serial.as_str())
        .bind(c.issuer.as_str())
        .bind(c.ca_label.clone())
        .bind(status.as_str())
        .bind(revoked.map_or(0, |(reason, _)| reason))
        .bind(c.expiry)
        .bind(revoked.map(|(_, at)| at))
        .bind(c.pem.as_str())
        .bind(c.issued_at)
        .bind(c.not_before)
        .bind(c.metadata.clone())
        .bind(c.sans.as_str())
        .bind(c.common_name.clone())
        .bind(c.subject.as_str())
        .bind(c.sha256.as_str())
        .bind(c.profile.clone())
}

/// A unique violation is a duplicate serial; anything else as usual.
pub(crate) fn duplicate_or(e: sqlx::Error, c: &NewCertificate, t: &Target) -> DbError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => DbError::DuplicateSerial {
            serial: c.serial.clone(),
            issuer: c.issuer.clone(),
        },
        _ => t.err(e),
    }
}

/// Opens (creating `0600` when missing) a SQLite file in WAL mode with a busy timeout.
async fn open_sqlite(
    path: &Path,
    options: &OpenOptions,
    t: &Target,
) -> Result<SqlitePool, DbError> {
    create_private(path).map_err(|e| DbError::Unreachable {
        target: t.name.clone(),
        source: Box::new(e),
    })?;
    let connect = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(options.busy_timeout)
        .pragma("cache_size", format!("-{}", options.sqlite_cache_kib))
        .pragma(
            "wal_autocheckpoint",
            options.sqlite_wal_autocheckpoint.to_string(),
        );
    // Two processes opening a new file at once: while one switches it to WAL, the
    // other's connection can get SQLITE_BUSY at once, without the busy handler waiting
    // (seen under load). Retried, with growing pauses, within the busy timeout.
    let deadline = std::time::Instant::now() + options.busy_timeout;
    let mut pause = std::time::Duration::from_millis(5);
    loop {
        let opened = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.busy_timeout + options.connect_timeout)
            .connect_with(connect.clone())
            .await
            .map_err(|e| t.err(e));
        match opened {
            Err(DbError::Locked { .. }) if std::time::Instant::now() + pause < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(std::time::Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

/// Creates an empty file readable by its owner only, unless it exists.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    match open.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
