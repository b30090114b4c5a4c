//! Bounds on what one call reads or writes.

/// Largest certificate (DER) [`crate::NewCertificate::from_der`] accepts: 64 KiB is
/// far above any device certificate (1 to 2 KiB) and keeps one row small.
pub const MAX_CERTIFICATE_DER: usize = 64 * 1024;

/// Most certificates one [`crate::CertStore::record_batch`] call writes in its one
/// transaction: large enough to amortise the commit, small enough that a writer does
/// not hold SQLite's lock for long.
pub const MAX_BATCH: usize = 10_000;

/// Most rows one [`crate::CertStore::list`] page or one
/// [`crate::CertStore::revocations_since`] call returns, so a caller's memory stays
/// bounded whatever the inventory's size.
pub const MAX_PAGE_SIZE: usize = 10_000;

/// Rows per page when the caller does not say.
pub const DEFAULT_PAGE_SIZE: usize = 1_000;

/// How long a SQLite writer waits for another's lock before [`crate::DbError::Locked`]:
/// long enough for a batch of [`MAX_BATCH`] to commit, short enough to fail visibly.
pub const DEFAULT_BUSY_TIMEOUT_MS: u64 = 10_000;

/// How long to wait for a PostgreSQL connection before [`crate::DbError::Unreachable`].
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;

/// Connections per pool: two cores here; more would only queue on SQLite's one writer.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 4;

/// Revocation-log ids per page of [`crate::CertStore::revoked_for_issuer`], so at most
/// that many revoked certificates a query (one aggregated row of up to about 3 MiB of
/// text): few round trips for a million, small pieces.
pub const REVOKED_PAGE_ROWS: usize = 50_000;

/// Most revoked certificates of one issuer [`crate::CertStore::revoked_for_issuer`]
/// returns: ten times the million-device inventory the crate is measured with, a CRL
/// of about 500 MiB; past it a CA needs partitioned CRLs, not a larger list.
pub const MAX_REVOKED_PER_ISSUER: usize = 10_000_000;

/// SQLite's page cache per connection, in KiB, unless the caller says: SQLite's own
/// default (2,000 KiB), enough for everyday use of the inventory.
pub const DEFAULT_SQLITE_CACHE_KIB: u32 = 2_000;

/// Pages SQLite's write-ahead log holds before a commit checkpoints it, unless the
/// caller says: SQLite's own default (1,000 pages, about 4 MiB).
pub const DEFAULT_SQLITE_WAL_AUTOCHECKPOINT: u32 = 1_000;
