//! [`OpenOptions`]: how a [`crate::CertStore`] opens its database.

use std::time::Duration;

use crate::limits::{
    DEFAULT_BUSY_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_SQLITE_CACHE_KIB, DEFAULT_SQLITE_WAL_AUTOCHECKPOINT, REVOKED_PAGE_ROWS,
};

/// How to open a store: timeouts, pool size, page sizes and SQLite's caches.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    pub(crate) busy_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_connections: u32,
    pub(crate) revoked_page_rows: usize,
    pub(crate) sqlite_cache_kib: u32,
    pub(crate) sqlite_wal_autocheckpoint: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_millis(DEFAULT_BUSY_TIMEOUT_MS),
            connect_timeout: Duration::from_millis(DEFAULT_CONNECT_TIMEOUT_MS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            revoked_page_rows: REVOKED_PAGE_ROWS,
            sqlite_cache_kib: DEFAULT_SQLITE_CACHE_KIB,
            sqlite_wal_autocheckpoint: DEFAULT_SQLITE_WAL_AUTOCHECKPOINT,
        }
    }
}

impl OpenOptions {
    /// SQLite: how long a writer waits for another's lock before
    /// [`crate::DbError::Locked`].
    #[must_use]
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// PostgreSQL: how long to wait for a connection before
    /// [`crate::DbError::Unreachable`].
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Connections in the pool (at least one).
    #[must_use]
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Revocation-log ids per page of [`crate::CertStore::revoked_for_issuer`], so at
    /// most that many rows a query (at least one; default [`REVOKED_PAGE_ROWS`]): fewer
    /// hold less text at once, more make fewer round trips.
    #[must_use]
    pub fn with_revoked_page_rows(mut self, n: usize) -> Self {
        self.revoked_page_rows = n.max(1);
        self
    }

    /// SQLite: each connection's page cache, in KiB (`PRAGMA cache_size`; default
    /// [`DEFAULT_SQLITE_CACHE_KIB`], SQLite's own). Recording many certificates touches
    /// random pages of the serial's index; a cache that holds the index reads none of
    /// them back. Memory only: durability does not change.
    #[must_use]
    pub fn with_sqlite_cache_kib(mut self, kib: u32) -> Self {
        self.sqlite_cache_kib = kib.max(1);
        self
    }

    /// SQLite: how many pages the write-ahead log may hold before a commit folds it into
    /// the database file (`PRAGMA wal_autocheckpoint`; default
    /// [`DEFAULT_SQLITE_WAL_AUTOCHECKPOINT`], SQLite's own; at least one). Larger, a page
    /// that several bulk transactions rewrite reaches the file once, at the cost of a
    /// larger log file and a longer checkpoint when it comes (or when the store
    /// closes). A committed transaction is in the log either way: durability does not
    /// change.
    #[must_use]
    pub fn with_sqlite_wal_autocheckpoint(mut self, pages: u32) -> Self {
        self.sqlite_wal_autocheckpoint = pages.max(1);
        self
    }
}
