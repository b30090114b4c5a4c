//! Revocations straight from the inventory database (`revocation_db`): a task per host
//! reads the revoked serials of the host's CAs from certgate-db and installs them in the
//! host's revocation store as live lists (`RevocationStore::set_serial_source`), which
//! stand for those CAs' CRLs. PostgreSQL pushes each revocation (LISTEN/NOTIFY) and the
//! list is read again at once; SQLite is polled. Every successful poll keeps the lists
//! fresh for `revocation_db_max_age`; a database that stays unreachable longer lets them
//! go stale, and the CAs' certificates are refused (fail closed) until it answers again.

use std::time::Duration;

use rustls_pki_types::CertificateDer;

use crate::config::TrustSection;
use crate::error::{ConfigProblem, GateError};

/// How often the database is read when the configuration does not say.
pub(crate) const DEFAULT_POLL: Duration = Duration::from_secs(1);
/// The shortest poll: ten reads a second of a cheap query is the most a gate should put
/// on a database that many gates share.
pub(crate) const MIN_POLL: Duration = Duration::from_millis(100);
/// The longest poll: a revocation unseen for an hour is as long as anyone tolerates.
pub(crate) const MAX_POLL: Duration = Duration::from_secs(3600);
/// How long a read stays in force when the configuration does not say.
pub(crate) const DEFAULT_MAX_AGE: Duration = Duration::from_secs(60);

/// A host's `revocation_db` settings, checked (without the `db` feature, never made:
/// the setting is refused).
#[cfg_attr(not(feature = "db"), allow(dead_code))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RevocationDb {
    /// As configured (logs and metrics name it as certgate-db prints it: no password).
    pub(crate) url: String,
    pub(crate) poll: Duration,
    pub(crate) max_age: Duration,
    /// The CA certificates whose revocations are read (anchors and intermediates with a
    /// subject key identifier).
    pub(crate) issuers: Vec<CertificateDer<'static>>,
}

impl TrustSection {
    /// The `revocation_db` settings, or `None`; `key` names the section in errors.
    pub(crate) fn revocation_db(&self, key: &str) -> Result<Option<RevocationDb>, GateError> {
        let Some(url) = &self.revocation_db else {
            return Ok(None);
        };
        check_url(url, &format!("{key}.revocation_db"))?;
        let poll = crate::crl_fetch::bounded(
            format!("{key}.revocation_db_poll"),
            self.revocation_db_poll.as_deref(),
            DEFAULT_POLL,
            MIN_POLL,
            MAX_POLL,
        )?;
        let max_age = crate::crl_fetch::bounded(
            format!("{key}.revocation_db_max_age"),
            self.revocation_db_max_age.as_deref(),
            DEFAULT_MAX_AGE,
            poll.saturating_mul(2).max(Duration::from_secs(1)),
            Duration::from_secs(7 * 24 * 3600),
        )?;
        Ok(Some(RevocationDb {
            url: url.clone(),
            poll,
            max_age,
            issuers: Vec::new(),
        }))
    }
}

#[cfg(feature = "db")]
fn check_url(url: &str, key: &str) -> Result<(), GateError> {
    certgate_db::DbUrl::parse(url)
        .map(|_| ())
        .map_err(|_| GateError::ConfigValue {
            key: key.to_owned(),
            problem: ConfigProblem::NotADatabaseUrl,
        })
}

#[cfg(not(feature = "db"))]
fn check_url(_url: &str, key: &str) -> Result<(), GateError> {
    Err(GateError::ConfigValue {
        key: key.to_owned(),
        problem: ConfigProblem::DatabaseUnsupported,
    })
}

#[cfg(feature = "db")]
pub(crate) use feed::supervise;

#[cfg(feature = "db")]
mod feed;

#[cfg(not(feature = "db"))]
pub(crate) async fn supervise(_gate: crate::Gate) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn trust(extra: &str) -> TrustSection {
        toml::from_str(&format!("ca = \"ca.pem\"\n{extra}")).unwrap()
    }

    fn problem(extra: &str) -> (String, ConfigProblem) {
        match trust(extra).revocation_db("t") {
            Err(GateError::ConfigValue { key, problem }) => (key, problem),
            other => panic!("{other:?}"),
        }
    }

    #[cfg(feature = "db")]
    #[test]
    fn revocation_db_settings_are_checked() {
        assert_eq!(trust("").revocation_db("t").unwrap(), None);
        let db = trust("revocation_db = \"sqlite:///var/lib/certs.db\"")
            .revocation_db("t")
            .unwrap()
            .unwrap();
        assert_eq!((db.poll, db.max_age), (DEFAULT_POLL, DEFAULT_MAX_AGE));
        assert_eq!(
            problem("revocation_db = \"mysql://db/certs\""),
            ("t.revocation_db".to_owned(), ConfigProblem::NotADatabaseUrl)
        );
        let url = "revocation_db = \"sqlite:///c.db\"\n";
        assert_eq!(
            problem(&format!("{url}revocation_db_poll = \"10ms\"")),
            ("t.revocation_db_poll".to_owned(), ConfigProblem::OutOfRange)
        );
        // A list must outlive at least two polls.
        assert_eq!(
            problem(&format!(
                "{url}revocation_db_poll = \"30s\"\nrevocation_db_max_age = \"40s\""
            )),
            (
                "t.revocation_db_max_age".to_owned(),
                ConfigProblem::OutOfRange
            )
        );
        assert_eq!(
            problem(&format!("{url}revocation_db_poll = \"soon\"")),
            (
                "t.revocation_db_poll".to_owned(),
                ConfigProblem::NotADuration
            )
        );
    }

    #[cfg(not(feature = "db"))]
    #[test]
    fn revocation_db_needs_the_db_feature() {
        assert_eq!(
            problem("revocation_db = \"sqlite:///c.db\"").1,
            ConfigProblem::DatabaseUnsupported
        );
    }

    /// The feed names its database as certgate-db prints a `DbUrl`: no password.
    #[cfg(feature = "db")]
    #[test]
    fn passwords_stay_out_of_labels() {
        let label = |u: &str| certgate_db::DbUrl::parse(u).unwrap().to_string();
        assert_eq!(
            label("postgres://gate:secret@db.example:5432/certs"),
            "postgres://gate:***@db.example:5432/certs"
        );
        assert!(!label("postgres://gate:secret@db.example:5432/certs").contains("secret"));
        assert_eq!(
            label("sqlite:///var/lib/certs.db"),
            "sqlite:///var/lib/certs.db"
        );
    }
}
