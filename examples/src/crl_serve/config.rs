//! The configuration of `certgate crl serve`: a TOML file, unknown keys refused, every
//! value checked before anything starts (errors name the key).
//!
//! ```toml
//! # Where the CRLs are served (HTTP).
//! listen = "127.0.0.1:8080"
//! # The inventory, as `--db` takes it: sqlite://PATH or postgres://...
//! db = "sqlite://certs.db"
//! # Each issuer's CRL is also written here as NAME.crl (DER) and NAME.crl.pem (PEM).
//! output_dir = "public"
//! # How often the database's revocations are checked (default 2s).
//! poll_interval = "2s"
//!
//! [[issuers]]
//! # File names in output_dir (NAME.crl, NAME.crl.pem): letters, digits, '-', '_', '.'.
//! name = "root"
//! # The CA certificate (PEM).
//! ca = "ca.pem"
//! # The signing key (PEM): the CA's, or the key of `signing_cert`.
//! key = "ca-key.pem"
//! # Optional: the certificate of `key` when it is not the CA's key. It must be issued
//! # by the CA, name the CA as its subject, and have the cRLSign key usage.
//! # signing_cert = "crl-signer.pem"
//! # Optional: the password of an encrypted key, env:VAR or file:PATH.
//! # key_password = "env:CA_KEY_PASSWORD"
//! # The URL path the CRL is served at: the path of the profile's crl_url.
//! path = "/crl/root.crl"
//! # Optional: a cfssl signing configuration and profile whose crl_url must end in `path`.
//! # signing_config = "ca-config.json"
//! # profile = "client"
//! # nextUpdate - thisUpdate (default 7d).
//! validity = "7d"
//! # Regenerate when less than this is left before nextUpdate (default 2d); a
//! # revocation in the database regenerates at once.
//! refresh_before = "2d"
//! ```
//!
//! Relative file names are read from the configuration file's directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use certgate_ca::PasswordSource;
use certgate_db::DbUrl;
use serde::Deserialize;

use super::CrlServeError;

/// The default `validity`: one week, cfssl's CRL lifetime.
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);

/// The default `refresh_before`: two days, time for a failed regeneration to be noticed
/// and fixed before a single gate sees an expired CRL.
pub const DEFAULT_REFRESH_BEFORE: Duration = Duration::from_secs(2 * 24 * 3600);

/// The default `poll_interval`: a revocation reaches the served CRL within seconds.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// The shortest `poll_interval`: below this the polls would be the database's main load.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(200);

/// The shortest `validity`: a CRL's times have one-second resolution, and a gate needs
/// a few seconds to fetch the next one.
pub const MIN_VALIDITY: Duration = Duration::from_secs(10);

/// Most issuers one server takes: each is a CRL regenerated and a file written.
pub const MAX_ISSUERS: usize = 256;

/// The configuration file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: String,
    db: String,
    output_dir: PathBuf,
    poll_interval: Option<String>,
    #[serde(default)]
    issuers: Vec<RawIssuer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIssuer {
    name: String,
    ca: PathBuf,
    key: PathBuf,
    signing_cert: Option<PathBuf>,
    key_password: Option<String>,
    path: String,
    signing_config: Option<PathBuf>,
    profile: Option<String>,
    validity: Option<String>,
    refresh_before: Option<String>,
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The inventory.
    pub db: DbUrl,
    /// Where the files go.
    pub output_dir: PathBuf,
    /// How often revocations are checked.
    pub poll_interval: Duration,
    /// The issuers, in the file's order.
    pub issuers: Vec<IssuerConfig>,
}

/// One issuer's CRL: what signs it, where it is served, how long it lasts.
#[derive(Clone)]
pub struct IssuerConfig {
    /// The file name stem in the output directory.
    pub name: String,
    /// The CA certificate.
    pub ca: PathBuf,
    /// The signing key.
    pub key: PathBuf,
    /// The signing key's certificate, when it is not the CA's key.
    pub signing_cert: Option<PathBuf>,
    /// Where the key's password comes from.
    pub key_password: Option<PasswordSource>,
    /// The URL path served.
    pub path: String,
    /// nextUpdate - thisUpdate.
    pub validity: Duration,
    /// Regenerate when less than this is left.
    pub refresh_before: Duration,
}

impl std::fmt::Debug for IssuerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerConfig")
            .field("name", &self.name)
            .field("ca", &self.ca)
            .field("key", &self.key)
            .field("signing_cert", &self.signing_cert)
            .field("path", &self.path)
            .field("validity", &self.validity)
            .field("refresh_before", &self.refresh_before)
            .finish_non_exhaustive()
    }
}

impl ServeConfig {
    /// Reads and checks the configuration file `file`.
    ///
    /// # Errors
    /// [`CrlServeError::ConfigRead`] when it cannot be read,
    /// [`CrlServeError::ConfigSyntax`] for TOML that is not a configuration (an
    /// unknown or missing key, a wrong type), [`CrlServeError::ConfigValue`] for a value
    /// that is not allowed (the key named).
    pub fn from_file(file: &Path) -> Result<Self, CrlServeError> {
        let text = std::fs::read_to_string(file).map_err(|source| CrlServeError::ConfigRead {
            file: file.to_owned(),
            source,
        })?;
        let base = file.parent().unwrap_or(Path::new("."));
        Self::from_toml(&text, file, base)
    }

    /// Checks configuration `text` (read from `file`; relative names under `base`).
    ///
    /// # Errors
    /// As [`ServeConfig::from_file`].
    pub fn from_toml(text: &str, file: &Path, base: &Path) -> Result<Self, CrlServeError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| CrlServeError::ConfigSyntax {
            file: file.to_owned(),
            source: Box::new(TomlProblem {
                line: e.span().map(|s| line_of(text, s.start)),
                message: e.message().trim().to_owned(),
            }),
        })?;
        let bad = |key: String, problem: &'static str| CrlServeError::ConfigValue {
            file: file.to_owned(),
            key,
            problem,
            source: None,
        };
        let listen = raw
            .listen
            .parse()
            .map_err(|_| bad("listen".into(), "is not an IP address and port"))?;
        let db = DbUrl::parse(&raw.db).map_err(|e| CrlServeError::ConfigValue {
            file: file.to_owned(),
            key: "db".into(),
            problem: "is not a database URL",
            source: Some(Box::new(e)),
        })?;
        let db = match db {
            DbUrl::Sqlite(p) if p.is_relative() => DbUrl::Sqlite(base.join(p)),
            other => other,
        };
        let poll_interval = duration(file, "poll_interval", raw.poll_interval.as_deref())?
            .unwrap_or(DEFAULT_POLL_INTERVAL);
        if poll_interval < MIN_POLL_INTERVAL {
            return Err(bad("poll_interval".into(), "is shorter than 200ms"));
        }
        if raw.issuers.is_empty() {
            return Err(bad("issuers".into(), "has no issuer"));
        }
        if raw.issuers.len() > MAX_ISSUERS {
            return Err(bad("issuers".into(), "has more than 256 issuers"));
        }
        let mut issuers: Vec<IssuerConfig> = Vec::with_capacity(raw.issuers.len());
        for (i, raw) in raw.issuers.into_iter().enumerate() {
            let issuer = issuer(file, base, i, raw)?;
            if issuers.iter().any(|o| o.name == issuer.name) {
                return Err(bad(format!("issuers[{i}].name"), "is used twice"));
            }
            if issuers.iter().any(|o| o.path == issuer.path) {
                return Err(bad(format!("issuers[{i}].path"), "is used twice"));
            }
            issuers.push(issuer);
        }
        Ok(Self {
            listen,
            db,
            output_dir: base.join(raw.output_dir),
            poll_interval,
            issuers,
        })
    }
}

/// What the TOML reader said, in one line: where, and its message (which names the key).
#[derive(Debug)]
struct TomlProblem {
    line: Option<usize>,
    message: String,
}

impl std::fmt::Display for TomlProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        f.write_str(&self.message.replace('\n', " "))
    }
}

impl std::error::Error for TomlProblem {}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |t| t.matches('\n').count()) + 1
}

/// A duration as cfssl writes one (`7d`, `48h`, `30s`); errors name `key`.
fn duration(
    file: &Path,
    key: &str,
    value: Option<&str>,
) -> Result<Option<Duration>, CrlServeError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let d =
        certgate_ca::cfssl::parse_duration(key, value).map_err(|e| CrlServeError::ConfigValue {
            file: file.to_owned(),
            key: key.to_owned(),
            problem: "is not a duration",
            source: Some(Box::new(e)),
        })?;
    Ok(Some(Duration::from_millis(
        u64::try_from(d.whole_milliseconds()).unwrap_or(0),
    )))
}

fn issuer(
    file: &Path,
    base: &Path,
    i: usize,
    raw: RawIssuer,
) -> Result<IssuerConfig, CrlServeError> {
    let key = |name: &str| format!("issuers[{i}].{name}");
    let bad = |name: &str, problem: &'static str| CrlServeError::ConfigValue {
        file: file.to_owned(),
        key: key(name),
        problem,
        source: None,
    };
    let name_ok = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    if raw.name.is_empty() || raw.name.starts_with('.') || !raw.name.chars().all(name_ok) {
        return Err(bad(
            "name",
            "is not a file name stem (letters, digits, - _ .)",
        ));
    }
    super::check_path(&raw.path).map_err(|e| CrlServeError::ConfigValue {
        file: file.to_owned(),
        key: key("path"),
        problem: "is not a URL path the server can serve",
        source: Some(Box::new(e)),
    })?;
    let key_password = match &raw.key_password {
        None => None,
        Some(spec) if spec.starts_with("pass:") => {
            return Err(bad(
                "key_password",
                "holds the password itself: use env:VAR or file:PATH",
            ));
        }
        Some(spec) => {
            Some(
                spec.parse::<PasswordSource>()
                    .map_err(|e| CrlServeError::ConfigValue {
                        file: file.to_owned(),
                        key: key("key_password"),
                        problem: "is not env:VAR or file:PATH",
                        source: Some(Box::new(e)),
                    })?,
            )
        }
    };
    let validity =
        duration(file, &key("validity"), raw.validity.as_deref())?.unwrap_or(DEFAULT_VALIDITY);
    let refresh_before = duration(file, &key("refresh_before"), raw.refresh_before.as_deref())?
        .unwrap_or(DEFAULT_REFRESH_BEFORE);
    if validity < MIN_VALIDITY {
        return Err(bad("validity", "is shorter than 10s"));
    }
    if refresh_before.is_zero() || refresh_before >= validity {
        return Err(bad("refresh_before", "is not between 0 and validity"));
    }
    if raw.profile.is_some() && raw.signing_config.is_none() {
        return Err(bad("profile", "needs signing_config"));
    }
    if let Some(config) = &raw.signing_config {
        check_crl_url(
            file,
            &key,
            &base.join(config),
            raw.profile.as_deref(),
            &raw.path,
        )?;
    }
    Ok(IssuerConfig {
        name: raw.name,
        ca: base.join(raw.ca),
        key: base.join(raw.key),
        signing_cert: raw.signing_cert.map(|p| base.join(p)),
        key_password,
        path: raw.path,
        validity,
        refresh_before,
    })
}

/// The profile's `crl_url` must be served here: its path is `path`.
fn check_crl_url(
    file: &Path,
    key: &dyn Fn(&str) -> String,
    config: &Path,
    profile: Option<&str>,
    path: &str,
) -> Result<(), CrlServeError> {
    let value =
        |name: &str, problem, source: Option<certgate_ca::CaError>| CrlServeError::ConfigValue {
            file: file.to_owned(),
            key: key(name),
            problem,
            source: source.map(|e| Box::new(e) as _),
        };
    let signing = certgate_ca::cfssl::SigningConfig::from_file(config)
        .map_err(|e| value("signing_config", "cannot be read", Some(e)))?;
    let profile = match profile {
        Some(name) => signing
            .profile(name)
            .map_err(|e| value("profile", "is not in signing_config", Some(e)))?,
        None => signing.default_profile(),
    };
    let Some(url) = &profile.crl_url else {
        return Err(value("profile", "has no crl_url", None));
    };
    let served = url
        .split_once("://")
        .map(|(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]))
        .map(|p| p.split(['?', '#']).next().unwrap_or(p));
    if served != Some(path) {
        return Err(value(
            "path",
            "is not the path of the profile's crl_url",
            None,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "listen = \"127.0.0.1:8080\"\ndb = \"sqlite://certs.db\"\n\
        output_dir = \"public\"\n\n[[issuers]]\nname = \"root\"\nca = \"ca.pem\"\n\
        key = \"ca-key.pem\"\npath = \"/crl/root.crl\"\n";

    fn parse(text: &str) -> Result<ServeConfig, CrlServeError> {
        ServeConfig::from_toml(
            text,
            Path::new("crl-serve.toml"),
            Path::new("/etc/certgate"),
        )
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn defaults_and_relative_names() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.poll_interval, DEFAULT_POLL_INTERVAL);
        assert_eq!(c.output_dir, Path::new("/etc/certgate/public"));
        assert_eq!(c.db, DbUrl::Sqlite("/etc/certgate/certs.db".into()));
        let i = &c.issuers[0];
        assert_eq!(
            (i.validity, i.refresh_before),
            (DEFAULT_VALIDITY, DEFAULT_REFRESH_BEFORE)
        );
        assert_eq!(i.ca, Path::new("/etc/certgate/ca.pem"));
        let c = parse(&format!(
            "{GOOD}validity = \"36h\"\nrefresh_before = \"90m\"\n"
        ))
        .unwrap();
        assert_eq!(c.issuers[0].validity, Duration::from_secs(36 * 3600));
        assert_eq!(c.issuers[0].refresh_before, Duration::from_secs(90 * 60));
    }

    #[test]
    fn errors_name_the_key_in_one_line() {
        for (text, key) in [
            (format!("{GOOD}bogus = 1\n"), "bogus"),
            (format!("bogus = 1\n{GOOD}"), "bogus"),
            (
                GOOD.replace("name = \"root\"", "name = \"../x\""),
                "issuers[0].name",
            ),
            (format!("{GOOD}validity = \"5s\"\n"), "issuers[0].validity"),
            (
                format!("{GOOD}refresh_before = \"0\"\n"),
                "issuers[0].refresh_before",
            ),
            (
                format!("{GOOD}profile = \"client\"\n"),
                "issuers[0].profile",
            ),
            (
                GOOD.replace("db = \"sqlite://certs.db\"", "db = \"mysql://x\""),
                "db",
            ),
            (format!("poll_interval = \"10ms\"\n{GOOD}"), "poll_interval"),
            (
                format!("{GOOD}{}", &GOOD[GOOD.find("[[issuers]]").unwrap()..]),
                "issuers[1].name",
            ),
        ] {
            let e = error(&text);
            assert!(
                e.contains(key) && e.starts_with("crl-serve.toml: "),
                "{key}: {e}"
            );
            assert!(!e.contains('\n'), "{e}");
        }
        assert!(
            error(&GOOD.replace(&GOOD[GOOD.find("[[issuers]]").unwrap()..], ""))
                .contains("issuers")
        );
    }

    #[test]
    fn the_profile_crl_url_must_be_served_here() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ca-config.json"),
            r#"{"signing": {"default": {"expiry": "1h"}, "profiles": {"client": {"usages":
               ["client auth"], "expiry": "1h", "crl_url": "http://crl.example.com/crl/root.crl"}}}}"#,
        )
        .unwrap();
        let with = |path: &str| {
            let text = format!(
                "{}signing_config = \"ca-config.json\"\nprofile = \"client\"\n",
                GOOD.replace("/crl/root.crl", path)
            );
            ServeConfig::from_toml(&text, Path::new("c.toml"), dir.path())
        };
        assert!(with("/crl/root.crl").is_ok());
        let e = with("/root.crl").unwrap_err().to_string();
        assert!(
            e.contains("issuers[0].path is not the path of the profile's crl_url"),
            "{e}"
        );
    }

    #[test]
    fn passwords_come_from_the_environment_or_a_file() {
        let ok = parse(&format!("{GOOD}key_password = \"env:CA_PASS\"\n")).unwrap();
        assert!(ok.issuers[0].key_password.is_some());
        // Neither the password itself, nor in Debug output.
        let e = error(&format!("{GOOD}key_password = \"pass:s3cret\"\n"));
        assert!(
            e.contains("issuers[0].key_password") && !e.contains("s3cret"),
            "{e}"
        );
        assert!(!format!("{ok:?}").contains("CA_PASS"));
    }
}
