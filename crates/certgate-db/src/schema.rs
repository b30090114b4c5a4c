//! Versioned migrations, embedded: one `schema_version` table, one SQL file per version
//! and backend.

use sqlx::{PgPool, SqlitePool};

use crate::error::DbError;
use crate::store::Target;

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: i64 = 3;

/// SQLite migrations, in order: version `i + 1` is `SQLITE[i]`.
const SQLITE: [&str; 3] = [
    include_str!("../migrations/sqlite/0001_inventory.sql"),
    include_str!("../migrations/sqlite/0002_revoked_index.sql"),
    include_str!("../migrations/sqlite/0003_revocations_for_crl.sql"),
];
/// PostgreSQL migrations, in order.
const POSTGRES: [&str; 3] = [
    include_str!("../migrations/postgres/0001_inventory.sql"),
    include_str!("../migrations/postgres/0002_revoked_index.sql"),
    include_str!("../migrations/postgres/0003_revocations_for_crl.sql"),
];

/// Any advisory lock key will do as long as it is ours: "certgate" in ASCII.
const PG_MIGRATION_LOCK: i64 = 0x6365_7274_6761_7465;

const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)";

/// Refuses a schema newer than this build's, and one older unless `migrate`.
pub(crate) fn check(found: i64) -> Result<(), DbError> {
    match found.cmp(&SCHEMA_VERSION) {
        std::cmp::Ordering::Greater => Err(DbError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        }),
        std::cmp::Ordering::Less => Err(DbError::NeedsMigration {
            found,
            supported: SCHEMA_VERSION,
        }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

/// The SQLite database's schema version (0 when it has none).
pub(crate) async fn sqlite_version(pool: &SqlitePool, t: &Target) -> Result<i64, DbError> {
    let exists: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
    )
    .fetch_one(pool)
    .await
    .map_err(|e| t.err(e))?;
    if exists == 0 {
        return Ok(0);
    }
    let v: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM schema_version")
        .fetch_one(pool)
        .await
        .map_err(|e| t.err(e))?;
    Ok(v.unwrap_or(0))
}

/// The PostgreSQL database's schema version (0 when it has none).
pub(crate) async fn pg_version(pool: &PgPool, t: &Target) -> Result<i64, DbError> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('schema_version') IS NOT NULL")
        .fetch_one(pool)
        .await
        .map_err(|e| t.err(e))?;
    if !exists {
        return Ok(0);
    }
    let v: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM schema_version")
        .fetch_one(pool)
        .await
        .map_err(|e| t.err(e))?;
    Ok(v.unwrap_or(0))
}

/// Brings a SQLite database to [`SCHEMA_VERSION`] under `BEGIN IMMEDIATE` (one writer
/// at a time; a second caller waits, then finds nothing to do). Returns the versions
/// applied.
pub(crate) async fn migrate_sqlite(pool: &SqlitePool, t: &Target) -> Result<Vec<i64>, DbError> {
    let mut conn = pool.acquire().await.map_err(|e| t.err(e))?;
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .map_err(|e| t.err(e))?;
    let result = async {
        sqlx::raw_sql(VERSION_TABLE).execute(&mut *conn).await?;
        let found: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM schema_version")
            .fetch_one(&mut *conn)
            .await?;
        Ok::<_, sqlx::Error>(found.unwrap_or(0))
    }
    .await;
    let applied = match result {
        Ok(found) if found > SCHEMA_VERSION => Err(DbError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        }),
        Ok(found) => apply_sqlite(&mut conn, found).await.map_err(|e| t.err(e)),
        Err(e) => Err(t.err(e)),
    };
    let end = if applied.is_ok() {
        "COMMIT"
    } else {
        "ROLLBACK"
    };
    let ended = sqlx::raw_sql(end).execute(&mut *conn).await;
    let applied = applied?;
    ended.map_err(|e| t.err(e))?;
    Ok(applied)
}

async fn apply_sqlite(
    conn: &mut sqlx::SqliteConnection,
    found: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut applied = Vec::new();
    for (version, sql) in (1..).zip(SQLITE) {
        if version <= found {
            continue;
        }
        sqlx::raw_sql(sql).execute(&mut *conn).await?;
        sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(certgate_x509::Timestamp::now().unix_seconds())
            .execute(&mut *conn)
            .await?;
        applied.push(version);
    }
    Ok(applied)
}

/// Brings a PostgreSQL database to [`SCHEMA_VERSION`] in one transaction holding an
/// advisory lock, so concurrent callers apply each migration once.
pub(crate) async fn migrate_pg(pool: &PgPool, t: &Target) -> Result<Vec<i64>, DbError> {
    let mut tx = pool.begin().await.map_err(|e| t.err(e))?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(PG_MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(|e| t.err(e))?;
    sqlx::raw_sql(VERSION_TABLE)
        .execute(&mut *tx)
        .await
        .map_err(|e| t.err(e))?;
    let found: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM schema_version")
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| t.err(e))?;
    let found = found.unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(DbError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let mut applied = Vec::new();
    for (version, sql) in (1..).zip(POSTGRES) {
        if version <= found {
            continue;
        }
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| t.err(e))?;
        sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(certgate_x509::Timestamp::now().unix_seconds())
            .execute(&mut *tx)
            .await
            .map_err(|e| t.err(e))?;
        applied.push(version);
    }
    tx.commit().await.map_err(|e| t.err(e))?;
    Ok(applied)
}
