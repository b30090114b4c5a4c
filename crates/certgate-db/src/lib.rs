//! certgate-db: the inventory of issued and revoked certificates, in SQLite (the
//! embedded default: one file next to the CA, WAL mode) or PostgreSQL (several issuing
//! or serving machines), behind one API: [`CertStore`].
//!
//! It records every issued certificate ([`CertStore::record`],
//! [`CertStore::record_batch`]), revokes ([`CertStore::revoke`], idempotent;
//! [`CertStore::revoke_batch`], a thousand serials per statement), lists
//! ([`CertStore::list`]), hands a CRL builder an issuer's revoked serials
//! ([`CertStore::revoked_for_issuer`]) and its next CRL Number
//! ([`CertStore::next_crl_number`]), imports cfssl's certdb
//! ([`CertStore::import_cfssl`]), and tells gates about revocations
//! ([`CertStore::revocations_since`] on both; [`CertStore::listen`], LISTEN/NOTIFY, on
//! PostgreSQL).
//!
//! # Schema
//! Column names follow cfssl's certdb where they fit (`serial_number`,
//! `authority_key_identifier`, `ca_label`, `status`, `reason`, `expiry`, `revoked_at`,
//! `pem`, `issued_at`, `not_before`, `metadata`, `sans`, `common_name`), plus
//! `subject`, `sha256` and `profile`; the key is (serial, issuer key id). A serial is
//! stored as lower-case hex of its INTEGER's DER content octets
//! ([`certgate_x509::Serial`]: signed, so `00ff` and `ff` are different serials), a key
//! id as lower-case hex of its octets ([`certgate_x509::KeyId`]), times as Unix seconds.
//! Migrations are embedded and versioned in a `schema_version` table: [`CertStore::open`]
//! refuses a database from a newer build ([`DbError::SchemaTooNew`]) and one that needs
//! migrating ([`DbError::NeedsMigration`]); [`CertStore::open_and_migrate`] and
//! [`CertStore::migrate`] bring it up to date.
//!
//! # Driver
//! [sqlx](https://docs.rs/sqlx) 0.8 with only `runtime-tokio`, `sqlite` (bundled
//! SQLite) and `postgres`: one async API and one pool type for both backends, so every
//! query is written once (`$1` parameters read the same in both) and the store's code is
//! not doubled; a pure-Rust PostgreSQL client (no libpq), and `PgListener` for
//! LISTEN/NOTIFY. Queries are plain `sqlx::query` strings, not the compile-time checked
//! macros (no database at build time), and its `migrate` feature is left out: the crate
//! keeps its own `schema_version`. rusqlite with tokio-postgres would mean two APIs, a
//! blocking one behind `spawn_blocking`, for the same build cost. PostgreSQL over TLS is
//! not built in (the `tls-*` features would pull a second TLS stack): reach a remote
//! server over a local socket, a tunnel or a private network.
//!
//! # Example
//! ```no_run
//! use certgate_db::{CertStore, DbUrl, NewCertificate, RevokeOutcome};
//! use certgate_x509::{KeyId, ReasonCode, Serial, Timestamp};
//!
//! # async fn run(issued_der: &[u8], aki: &[u8]) -> Result<(), certgate_db::DbError> {
//! let store = CertStore::open_and_migrate(&DbUrl::parse("sqlite://certs.db")?).await?;
//! store.record(&NewCertificate::from_der(issued_der, Some("client"))?).await?;
//! let serial = Serial::parse("0a:1b", false).map_err(|_| certgate_db::DbError::Corrupt { column: "x" })?;
//! match store.revoke(KeyId(aki), serial.as_ref(), ReasonCode::KeyCompromise, Timestamp::now()).await? {
//!     RevokeOutcome::Revoked => println!("revoked"),
//!     RevokeOutcome::AlreadyRevoked { at, .. } => println!("already revoked at {at}"),
//! }
//! let number = store.next_crl_number(KeyId(aki), Timestamp::now()).await?;
//! let revoked = store.revoked_for_issuer(KeyId(aki)).await?;
//! println!("CRL {number}: {} entries", revoked.len());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod batch;
mod cfssl;
mod error;
pub mod limits;
mod listen;
mod options;
mod query;
mod record;
mod revoked;
mod schema;
mod store;
mod url;

pub use batch::RevokeBatchOutcome;
pub use cfssl::ImportReport;
pub use error::{BoxedSource, CertificateProblem, DbError, UrlProblem, parse_reason};
pub use listen::{REVOCATION_CHANNEL, RevocationListener};
pub use options::OpenOptions;
pub use query::{ListCursor, ListFilter, ListPage};
pub use record::{
    CertStatus, CertificateRow, NewCertificate, RevocationCursor, RevocationEvent, RevokeOutcome,
    RevokedRow,
};
pub use schema::SCHEMA_VERSION;
pub use store::CertStore;
pub use url::DbUrl;
