//! [`DbUrl`]: where a certificate store lives, read strictly.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{DbError, UrlProblem};

/// A database to open: a SQLite file or a PostgreSQL server.
///
/// Read from a URL by [`DbUrl::parse`] or from cfssl's `-db-config` JSON by
/// [`DbUrl::from_cfssl_db_config`].
#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// A SQLite database file (created `0600` when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user:pw@host:port/db?...`).
    Postgres(String),
}

impl DbUrl {
    /// Reads `sqlite:///absolute/path.db`, `sqlite://relative/path.db`,
    /// `sqlite:path.db`, or `postgres://...` / `postgresql://...`.
    ///
    /// SQLite URLs take no query string (WAL, the busy timeout and the file mode are
    /// certgate-db's choices, not the URL's) and no in-memory database.
    ///
    /// # Errors
    /// [`DbError::BadUrl`] naming the problem.
    pub fn parse(url: &str) -> Result<Self, DbError> {
        let bad = |problem| DbError::BadUrl {
            url: mask_password(url),
            problem,
        };
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(bad(UrlProblem::EmptyPath));
            }
            if path.contains(['?', '#']) {
                return Err(bad(UrlProblem::QueryNotAccepted));
            }
            if path == ":memory:" || path.starts_with(":memory") {
                return Err(bad(UrlProblem::InMemory));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let host = url.split_once("://").map_or("", |(_, r)| r);
            if host.is_empty() || url.contains(char::is_whitespace) {
                return Err(bad(UrlProblem::BadPostgresUrl));
            }
            return Ok(Self::Postgres(url.to_owned()));
        }
        Err(bad(UrlProblem::UnknownScheme))
    }

    /// Reads cfssl's `-db-config` JSON: `{"driver":"sqlite3","data_source":"certs.db"}`
    /// or `{"driver":"postgres","data_source":"postgres://..."}`. A relative SQLite
    /// path is taken relative to the current directory, as cfssl does.
    ///
    /// # Errors
    /// [`DbError::BadUrl`] with [`UrlProblem::BadDbConfig`] or
    /// [`UrlProblem::UnsupportedDriver`] (cfssl's `mysql`).
    pub fn from_cfssl_db_config(json: &str) -> Result<Self, DbError> {
        let bad = |problem| DbError::BadUrl {
            url: "db-config".to_owned(),
            problem,
        };
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|_| bad(UrlProblem::BadDbConfig))?;
        let field = |name| value.get(name).and_then(serde_json::Value::as_str);
        let (Some(driver), Some(source)) = (field("driver"), field("data_source")) else {
            return Err(bad(UrlProblem::BadDbConfig));
        };
        match driver {
            "sqlite3" | "sqlite" => {
                if source.is_empty() {
                    return Err(bad(UrlProblem::EmptyPath));
                }
                if source.starts_with("sqlite:") {
                    Self::parse(source)
                } else if source.contains(['?', '#']) {
                    Err(bad(UrlProblem::QueryNotAccepted))
                } else if source.starts_with(":memory") || source.starts_with("file::memory") {
                    Err(bad(UrlProblem::InMemory))
                } else {
                    Ok(Self::Sqlite(PathBuf::from(
                        source.trim_start_matches("file:"),
                    )))
                }
            }
            "postgres" | "postgresql" => Self::parse(source),
            _ => Err(bad(UrlProblem::UnsupportedDriver)),
        }
    }

    /// Reads a cfssl `-db-config` file.
    ///
    /// # Errors
    /// [`DbError::BadUrl`] when the file cannot be read (naming it) or is not a
    /// db-config.
    pub fn from_cfssl_db_config_file(path: &Path) -> Result<Self, DbError> {
        let text = std::fs::read_to_string(path).map_err(|_| DbError::BadUrl {
            url: path.display().to_string(),
            problem: UrlProblem::BadDbConfig,
        })?;
        Self::from_cfssl_db_config(&text).map_err(|e| match e {
            DbError::BadUrl { problem, .. } => DbError::BadUrl {
                url: path.display().to_string(),
                problem,
            },
            other => other,
        })
    }

    /// Where the database is, for messages: the SQLite path, or the PostgreSQL URL
    /// with its password masked.
    pub fn target(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => mask_password(url),
        }
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            Self::Postgres(_) => f.debug_tuple("Postgres").field(&self.target()).finish(),
        }
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            Self::Postgres(_) => f.write_str(&self.target()),
        }
    }
}

/// `scheme://user:***@host/...`: the URL without its password.
fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls() {
        assert_eq!(
            DbUrl::parse("sqlite:///var/lib/ca/certs.db").unwrap(),
            DbUrl::Sqlite("/var/lib/ca/certs.db".into())
        );
        assert_eq!(
            DbUrl::parse("sqlite://certs.db").unwrap(),
            DbUrl::Sqlite("certs.db".into())
        );
        assert_eq!(
            DbUrl::parse("sqlite:certs.db").unwrap(),
            DbUrl::Sqlite("certs.db".into())
        );
        for (bad, problem) in [
            ("sqlite://", UrlProblem::EmptyPath),
            ("sqlite://a.db?mode=rwc", UrlProblem::QueryNotAccepted),
            ("sqlite::memory:", UrlProblem::InMemory),
            ("mysql://x", UrlProblem::UnknownScheme),
            ("certs.db", UrlProblem::UnknownScheme),
            ("postgres://", UrlProblem::BadPostgresUrl),
        ] {
            match DbUrl::parse(bad) {
                Err(DbError::BadUrl { problem: p, .. }) => assert_eq!(p, problem, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn postgres_password_is_masked() {
        let url = DbUrl::parse("postgres://ca:secret@db.example:5432/certs").unwrap();
        assert_eq!(url.target(), "postgres://ca:***@db.example:5432/certs");
        assert!(!format!("{url:?} {url}").contains("secret"));
        let Err(DbError::BadUrl { url, .. }) = DbUrl::parse("postgres://ca:secret@h/x y") else {
            panic!()
        };
        assert!(!url.contains("secret"));
    }

    #[test]
    fn cfssl_db_configs() {
        assert_eq!(
            DbUrl::from_cfssl_db_config(r#"{"driver":"sqlite3","data_source":"certs.db"}"#)
                .unwrap(),
            DbUrl::Sqlite("certs.db".into())
        );
        assert_eq!(
            DbUrl::from_cfssl_db_config(
                r#"{"driver":"postgres","data_source":"postgres://u:p@127.0.0.1/c"}"#
            )
            .unwrap(),
            DbUrl::Postgres("postgres://u:p@127.0.0.1/c".into())
        );
        for (bad, problem) in [
            (
                r#"{"driver":"mysql","data_source":"x"}"#,
                UrlProblem::UnsupportedDriver,
            ),
            (r#"{"driver":"sqlite3"}"#, UrlProblem::BadDbConfig),
            ("not json", UrlProblem::BadDbConfig),
            (
                r#"{"driver":"sqlite3","data_source":""}"#,
                UrlProblem::EmptyPath,
            ),
        ] {
            match DbUrl::from_cfssl_db_config(bad) {
                Err(DbError::BadUrl { problem: p, .. }) => assert_eq!(p, problem, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
