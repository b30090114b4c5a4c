//! Revocations pushed from PostgreSQL (LISTEN/NOTIFY).

use certgate_x509::Timestamp;
use sqlx::postgres::PgListener;

use crate::error::DbError;
use crate::record::{RevocationEvent, key_id_from_key, reason_from_column, serial_from_key};
use crate::store::{Backend, CertStore, Target};

/// The PostgreSQL channel [`CertStore::revoke`] notifies; the payload is
/// `ISSUER/SERIAL/REASON/REVOKED_AT` (hex key id, hex serial as stored, reason code,
/// Unix seconds).
pub const REVOCATION_CHANNEL: &str = "certgate_revocations";

pub(crate) fn payload(aki: &str, serial: &str, reason: i64, at: i64) -> String {
    format!("{aki}/{serial}/{reason}/{at}")
}

fn parse_payload(text: &str) -> Result<RevocationEvent, DbError> {
    let corrupt = DbError::Corrupt {
        column: "notification payload",
    };
    let mut parts = text.split('/');
    let (Some(aki), Some(serial), Some(reason), Some(at), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(corrupt);
    };
    let reason: i64 = reason.parse().map_err(|_| DbError::Corrupt {
        column: "notification payload",
    })?;
    let at: i64 = at.parse().map_err(|_| corrupt)?;
    Ok(RevocationEvent {
        issuer: key_id_from_key(aki)?,
        serial: serial_from_key(serial)?,
        reason: reason_from_column(reason)?,
        revoked_at: Timestamp::from_unix_seconds(at),
    })
}

/// Revocations as PostgreSQL announces them, from [`CertStore::listen`].
///
/// A notification sent while the connection was down is lost: after
/// [`RevocationListener::recv`] fails, catch up with [`CertStore::revocations_since`].
#[derive(Debug)]
pub struct RevocationListener {
    inner: PgListener,
    target: Target,
}

impl RevocationListener {
    /// Waits for the next revocation.
    ///
    /// # Errors
    /// [`DbError::Unreachable`] when the connection is lost; [`DbError::Corrupt`] for
    /// a payload certgate-db did not send.
    pub async fn recv(&mut self) -> Result<RevocationEvent, DbError> {
        let n = self.inner.recv().await.map_err(|e| self.target.err(e))?;
        parse_payload(n.payload())
    }
}

impl CertStore {
    /// Listens for revocations on PostgreSQL (a dedicated connection).
    ///
    /// # Errors
    /// [`DbError::ListenUnsupported`] on SQLite (poll
    /// [`CertStore::revocations_since`] instead); connection errors.
    pub async fn listen(&self) -> Result<RevocationListener, DbError> {
        let Backend::Postgres(pool) = &self.backend else {
            return Err(DbError::ListenUnsupported);
        };
        let mut inner = PgListener::connect_with(pool)
            .await
            .map_err(|e| self.target.err(e))?;
        inner
            .listen(REVOCATION_CHANNEL)
            .await
            .map_err(|e| self.target.err(e))?;
        Ok(RevocationListener {
            inner,
            target: self.target.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trip() {
        let e = parse_payload(&payload("0a0b", "00ff", 1, 1_700_000_000)).unwrap();
        assert_eq!(e.issuer, [0x0a, 0x0b]);
        assert_eq!(e.serial.as_ref().as_bytes(), [0x00, 0xff]);
        assert_eq!(e.revoked_at.unix_seconds(), 1_700_000_000);
        assert!(parse_payload("a/b/c").is_err());
        assert!(parse_payload("0a/ff/7/1").is_err());
    }
}
