//! A CRL configuration in cfssl's style (beyond cfssl, which has none): snake_case keys,
//! durations as cfssl writes them, read strictly. It carries what [`CrlBuilder`] makes
//! beyond a plain CRL:
//!
//! ```json
//! {"expiry": "168h",
//!  "number": 42,
//!  "issuing_distribution_point": {"urls": ["http://crl.example.com/users.crl"],
//!     "only_user_certs": true, "only_ca_certs": false,
//!     "only_some_reasons": ["key_compromise", "superseded"], "indirect": true},
//!  "delta_of": 41,
//!  "remove_from_crl": "restored.txt",
//!  "freshest_crl": "http://crl.example.com/delta.crl",
//!  "entries_of_issuers": [{"issuer_cert": "other-ca.pem", "serials": "other.txt",
//!     "reason": "key_compromise"}],
//!  "crl_signer": {"cert": "crl-signer.pem", "key": "crl-signer-key.pem"}}
//! ```
//!
//! (A real file would not have both `delta_of` and `freshest_crl`: a delta CRL may not
//! point to deltas; and a delta CRL must have its base's `issuing_distribution_point`,
//! RFC 5280 5.2.4, which OpenSSL enforces.) Every key is optional. Files (`remove_from_crl`, `serials`,
//! `issuer_cert`, `crl_signer`) are named relative to the configuration's directory;
//! serial files hold decimal serial numbers, one per line, as `cfssl gencrl` reads them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use time::Duration;

use super::csr_json::json_error;
use super::parse_duration;
use crate::{CaError, ConfigProblem, CrlBuilder, IssuingDistributionPoint, RevocationReason};

/// Most URLs in `issuing_distribution_point.urls`: mirrors of one CRL, never dozens.
pub const MAX_CRL_URLS: usize = 16;

/// Longest URL accepted (`urls`, `freshest_crl`), in octets: browsers' practical limit,
/// far above any CRL location.
pub const MAX_CRL_URL_LEN: usize = 2048;

/// Most groups in `entries_of_issuers`: an indirect CRL speaks for a few CAs, and each
/// group is a certificate and a file read.
pub const MAX_CRL_OTHER_ISSUERS: usize = 64;

/// A CRL configuration, read: what to put in the CRL besides its entries.
///
/// # Example
///
/// A CRL for devices only, published at its distribution point, pointing to its deltas;
/// then the delta (`certgate gencrl --config` does the same from files):
///
/// ```
/// use certgate_ca::cfssl::{CrlConfig, CsrJson};
/// use certgate_ca::{KeySigner, PrivateKey, RevocationReason, RevokedEntry, RootCaBuilder};
/// use time::{Duration, OffsetDateTime};
///
/// # fn main() -> Result<(), certgate_ca::CaError> {
/// let csr = CsrJson::from_json(br#"{"CN": "Test CA", "key": {"algo": "ecdsa", "size": 256}}"#,
///     "ca-csr.json")?;
/// let key = PrivateKey::generate(csr.key_spec()?)?;
/// let ca = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key))).build()?.ca;
/// let now = OffsetDateTime::now_utc();
/// let revoked = |serial: u8, reason| RevokedEntry { serial: vec![serial], revoked_at: now, reason };
///
/// let base = CrlConfig::from_json(br#"{"expiry": "168h", "number": 10,
///     "issuing_distribution_point": {"urls": ["http://crl.example.com/users.crl"],
///         "only_user_certs": true},
///     "freshest_crl": "http://crl.example.com/delta.crl"}"#, "crl.json")?;
/// let expiry = base.expiry.unwrap_or(Duration::days(7));
/// let crl = base
///     .apply(ca.crl(base.number.unwrap_or(1), now, now + expiry))
///     .with_entry(revoked(7, Some(RevocationReason::CertificateHold)))
///     .build()?;
///
/// let delta = CrlConfig::from_json(br#"{"expiry": "24h", "number": 11, "delta_of": 10}"#,
///     "delta.json")?;
/// let delta_crl = delta
///     .apply(ca.crl(11, now, now + Duration::hours(24)))
///     .with_entry(revoked(7, Some(RevocationReason::RemoveFromCrl)))
///     .build()?;
/// assert!(crl.to_pem().starts_with("-----BEGIN X509 CRL-----") && !delta_crl.der().is_empty());
///
/// // Read strictly: a mistake names the file, the key and the reason.
/// let e = CrlConfig::from_json(br#"{"delta_of": null}"#, "crl.json").unwrap_err();
/// assert!(e.to_string().starts_with("crl.json: delta_of: null is not a CRL number"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrlConfig {
    /// `expiry`: nextUpdate - thisUpdate.
    pub expiry: Option<Duration>,
    /// `number`: the CRL Number, when the caller does not choose it.
    pub number: Option<u64>,
    /// `issuing_distribution_point`: the CRL's scope (always critical).
    pub issuing_distribution_point: Option<IssuingDistributionPoint>,
    /// `delta_of`: the number of the complete CRL this delta CRL updates; the delta
    /// must have the same `issuing_distribution_point` as that CRL (RFC 5280 5.2.4).
    pub delta_of: Option<u64>,
    /// `remove_from_crl`: a file of serials listed with reason removeFromCRL (delta
    /// CRLs only): certificates on hold in the base CRL that are valid again.
    pub remove_from_crl: Option<PathBuf>,
    /// `freshest_crl`: where delta CRLs of this complete CRL are published.
    pub freshest_crl: Option<String>,
    /// `entries_of_issuers`: revocations of other CAs listed in this indirect CRL.
    pub entries_of_issuers: Vec<IssuerEntriesSpec>,
    /// `crl_signer`: a dedicated CRL-signing certificate of the CA and its key.
    pub crl_signer: Option<CrlSignerSpec>,
    origin: String,
}

/// One group of `entries_of_issuers`: revocations of another CA, listed in an indirect
/// CRL with a certificateIssuer naming it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerEntriesSpec {
    /// `issuer_cert`: the other CA's certificate (PEM).
    pub issuer_cert: PathBuf,
    /// `serials`: a file of its revoked serials (decimal, one per line).
    pub serials: PathBuf,
    /// `reason`: the reason code of these entries, if any.
    pub reason: Option<RevocationReason>,
}

/// `crl_signer`: a dedicated CRL-signing certificate of the CA (the CA's name as its
/// subject, issued by the CA, keyUsage cRLSign) and its private key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlSignerSpec {
    /// `cert`: the signer's certificate (PEM).
    pub cert: PathBuf,
    /// `key`: the signer's private key (PEM).
    pub key: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrlConfig {
    expiry: Option<String>,
    #[serde(default, deserialize_with = "present")]
    number: Option<serde_json::Value>,
    issuing_distribution_point: Option<RawIdp>,
    #[serde(default, deserialize_with = "present")]
    delta_of: Option<serde_json::Value>,
    remove_from_crl: Option<PathBuf>,
    freshest_crl: Option<String>,
    #[serde(default)]
    entries_of_issuers: Vec<RawIssuerEntries>,
    crl_signer: Option<RawCrlSigner>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdp {
    #[serde(default)]
    urls: Vec<String>,
    #[serde(default)]
    only_user_certs: bool,
    #[serde(default)]
    only_ca_certs: bool,
    #[serde(default)]
    only_some_reasons: Vec<String>,
    #[serde(default)]
    indirect: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIssuerEntries {
    issuer_cert: PathBuf,
    serials: PathBuf,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrlSigner {
    cert: PathBuf,
    key: PathBuf,
}

/// Keeps an explicit `null` as a value (so `"delta_of": null` is refused by name rather
/// than read as absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

impl CrlConfig {
    /// Parses a CRL configuration; file names stay as given.
    ///
    /// # Errors
    /// [`CaError::Json`] for malformed JSON, an unknown key or a wrong type;
    /// [`CaError::InvalidDuration`] for a bad `expiry`; [`CaError::InvalidConfig`]
    /// naming the key for anything else: a CRL number that is not a non-negative
    /// integer, an unknown reason name, a reason that cannot be one of
    /// `only_some_reasons`, both `only_user_certs` and `only_ca_certs`, an empty
    /// `issuing_distribution_point`, `delta_of` not below `number`, `freshest_crl` in a
    /// delta CRL, `remove_from_crl` outside one, `entries_of_issuers` outside an
    /// indirect CRL, and lists or URLs over [`MAX_CRL_URLS`], [`MAX_CRL_URL_LEN`] or
    /// [`MAX_CRL_OTHER_ISSUERS`].
    pub fn from_json(bytes: &[u8], origin: &str) -> Result<Self, CaError> {
        let raw: RawCrlConfig = serde_json::from_slice(bytes).map_err(|e| json_error(origin, e))?;
        let reader = Reader { origin };
        let expiry = raw
            .expiry
            .as_deref()
            .map(|v| parse_duration(&format!("{origin}: expiry"), v))
            .transpose()?;
        if expiry.is_some_and(|e| e <= Duration::ZERO) {
            return Err(reader.invalid("expiry", ConfigProblem::NotPositive));
        }
        let number = reader.crl_number("number", raw.number)?;
        let delta_of = reader.crl_number("delta_of", raw.delta_of)?;
        if let (Some(base), Some(number)) = (delta_of, number)
            && base >= number
        {
            let problem = ConfigProblem::BaseNotBelowNumber { base, number };
            return Err(reader.invalid("delta_of", problem));
        }
        let idp = raw
            .issuing_distribution_point
            .map(|idp| reader.idp(idp))
            .transpose()?;
        if let Some(url) = &raw.freshest_crl {
            reader.url("freshest_crl", url)?;
            if delta_of.is_some() {
                let problem = ConfigProblem::Conflicts { with: "delta_of" };
                return Err(reader.invalid("freshest_crl", problem));
            }
        }
        if raw.remove_from_crl.is_some() && delta_of.is_none() {
            let problem = ConfigProblem::Needs { field: "delta_of" };
            return Err(reader.invalid("remove_from_crl", problem));
        }
        let entries_of_issuers = reader.entries_of_issuers(raw.entries_of_issuers)?;
        if !entries_of_issuers.is_empty() && !idp.as_ref().is_some_and(|i| i.indirect_crl) {
            let field = "issuing_distribution_point.indirect";
            return Err(reader.invalid("entries_of_issuers", ConfigProblem::Needs { field }));
        }
        Ok(Self {
            expiry,
            number,
            issuing_distribution_point: idp,
            delta_of,
            remove_from_crl: raw.remove_from_crl,
            freshest_crl: raw.freshest_crl,
            entries_of_issuers,
            crl_signer: raw.crl_signer.map(|s| CrlSignerSpec {
                cert: s.cert,
                key: s.key,
            }),
            origin: origin.to_owned(),
        })
    }

    /// Reads a CRL configuration file (at most [`MAX_INPUT_FILE`](crate::MAX_INPUT_FILE)
    /// octets); relative file names in it are taken from the file's directory.
    ///
    /// # Errors
    /// [`CaError::Io`] or [`CaError::FileTooLarge`] when it cannot be read, else as
    /// [`CrlConfig::from_json`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, CaError> {
        let path = path.as_ref();
        let bytes = CaError::read_file(path)?;
        let mut config = Self::from_json(&bytes, &path.display().to_string())?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            config.resolve_files(dir);
        }
        Ok(config)
    }

    /// Where the configuration came from: the path or label given when it was read.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Adds the configuration's scope, delta and freshestCRL to `builder`: the
    /// issuingDistributionPoint, the deltaCRLIndicator and freshestCRL. Entries (the
    /// files of `remove_from_crl` and `entries_of_issuers`) and the signer are the
    /// caller's to read and add, as are `expiry` and `number`.
    pub fn apply<'a>(&self, mut builder: CrlBuilder<'a>) -> CrlBuilder<'a> {
        if let Some(idp) = &self.issuing_distribution_point {
            builder = builder.with_issuing_distribution_point(idp.clone());
        }
        if let Some(base) = self.delta_of {
            builder = builder.with_delta_of(base);
        }
        if let Some(uri) = &self.freshest_crl {
            builder = builder.with_freshest_crl(uri.clone());
        }
        builder
    }

    /// Makes relative file names relative to `dir`.
    fn resolve_files(&mut self, dir: &Path) {
        let under = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        if let Some(p) = &mut self.remove_from_crl {
            under(p);
        }
        for group in &mut self.entries_of_issuers {
            under(&mut group.issuer_cert);
            under(&mut group.serials);
        }
        if let Some(s) = &mut self.crl_signer {
            under(&mut s.cert);
            under(&mut s.key);
        }
    }
}

/// Reads the parts of a configuration from `origin`; errors name it and the key.
struct Reader<'a> {
    origin: &'a str,
}

impl Reader<'_> {
    fn invalid(&self, field: &str, problem: ConfigProblem) -> CaError {
        CaError::config(self.origin, field, problem)
    }

    /// A CRL number: an integer from 0 to 2^64 - 1 (RFC 5280 allows 20 octets; 64 bits
    /// outlast any issuer).
    fn crl_number(
        &self,
        field: &str,
        value: Option<serde_json::Value>,
    ) -> Result<Option<u64>, CaError> {
        value
            .map(|v| {
                v.as_u64().ok_or_else(|| {
                    let value = v.to_string();
                    self.invalid(field, ConfigProblem::NotACrlNumber { value })
                })
            })
            .transpose()
    }

    fn url(&self, field: &str, url: &str) -> Result<(), CaError> {
        let value = || url.chars().take(64).collect::<String>();
        if url.is_empty() {
            return Err(self.invalid(field, ConfigProblem::Missing));
        }
        if url.len() > MAX_CRL_URL_LEN {
            let problem = ConfigProblem::TooLong {
                max: MAX_CRL_URL_LEN,
            };
            return Err(self.invalid(field, problem));
        }
        if !url.is_ascii() {
            let problem = ConfigProblem::NotAscii { value: value() };
            return Err(self.invalid(field, problem));
        }
        Ok(())
    }

    fn reason(&self, field: &str, name: &str) -> Result<RevocationReason, CaError> {
        RevocationReason::from_name(name).ok_or_else(|| {
            let value = name.chars().take(64).collect();
            self.invalid(field, ConfigProblem::UnknownRevocationReason { value })
        })
    }

    fn idp(&self, raw: RawIdp) -> Result<IssuingDistributionPoint, CaError> {
        let at = |key: &str| format!("issuing_distribution_point.{key}");
        if raw.urls.len() > MAX_CRL_URLS {
            let problem = ConfigProblem::TooMany { max: MAX_CRL_URLS };
            return Err(self.invalid(&at("urls"), problem));
        }
        for (i, url) in raw.urls.iter().enumerate() {
            self.url(&at(&format!("urls[{i}]")), url)?;
        }
        if raw.only_user_certs && raw.only_ca_certs {
            let problem = ConfigProblem::Conflicts {
                with: "only_user_certs",
            };
            return Err(self.invalid(&at("only_ca_certs"), problem));
        }
        // Ten names at most, each a flag once: more is a mistake, refused by name below.
        let mut reasons = Vec::new();
        for (i, name) in raw.only_some_reasons.iter().enumerate() {
            let field = at(&format!("only_some_reasons[{i}]"));
            let reason = self.reason(&field, name)?;
            if matches!(
                reason,
                RevocationReason::Unspecified | RevocationReason::RemoveFromCrl
            ) {
                let problem = ConfigProblem::NotAReasonFlag {
                    value: name.clone(),
                };
                return Err(self.invalid(&field, problem));
            }
            if reasons.contains(&reason) {
                let problem = ConfigProblem::Duplicate {
                    value: name.clone(),
                };
                return Err(self.invalid(&field, problem));
            }
            reasons.push(reason);
        }
        let idp = IssuingDistributionPoint {
            uris: raw.urls,
            only_user_certs: raw.only_user_certs,
            only_ca_certs: raw.only_ca_certs,
            only_some_reasons: reasons,
            indirect_crl: raw.indirect,
        };
        // RFC 5280 5.2.5: the extension may not be an empty sequence.
        if idp == IssuingDistributionPoint::default() {
            let problem = ConfigProblem::EmptyIssuingDistributionPoint;
            return Err(self.invalid("issuing_distribution_point", problem));
        }
        Ok(idp)
    }

    fn entries_of_issuers(
        &self,
        raw: Vec<RawIssuerEntries>,
    ) -> Result<Vec<IssuerEntriesSpec>, CaError> {
        if raw.len() > MAX_CRL_OTHER_ISSUERS {
            let problem = ConfigProblem::TooMany {
                max: MAX_CRL_OTHER_ISSUERS,
            };
            return Err(self.invalid("entries_of_issuers", problem));
        }
        let mut out = Vec::with_capacity(raw.len());
        for (i, group) in raw.into_iter().enumerate() {
            let field = format!("entries_of_issuers[{i}].reason");
            let reason = group
                .reason
                .as_deref()
                .map(|r| self.reason(&field, r))
                .transpose()?;
            if reason == Some(RevocationReason::RemoveFromCrl) {
                let problem = ConfigProblem::Needs { field: "delta_of" };
                return Err(self.invalid(&field, problem));
            }
            out.push(IssuerEntriesSpec {
                issuer_cert: group.issuer_cert,
                serials: group.serials,
                reason,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"{"expiry": "168h", "number": 42,
        "issuing_distribution_point": {"urls": ["http://crl.example.com/users.crl"],
            "only_user_certs": true, "only_ca_certs": false,
            "only_some_reasons": ["key_compromise", "superseded"], "indirect": true},
        "freshest_crl": "http://crl.example.com/delta.crl",
        "entries_of_issuers": [{"issuer_cert": "other-ca.pem", "serials": "other.txt",
            "reason": "cACompromise"}],
        "crl_signer": {"cert": "s.pem", "key": "s-key.pem"}}"#;

    fn err(json: &str) -> String {
        CrlConfig::from_json(json.as_bytes(), "crl.json")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn every_key_is_read() {
        let c = CrlConfig::from_json(FULL.as_bytes(), "crl.json").unwrap();
        assert_eq!(c.expiry, Some(Duration::hours(168)));
        assert_eq!(c.number, Some(42));
        let idp = c.issuing_distribution_point.as_ref().unwrap();
        assert_eq!(idp.uris, ["http://crl.example.com/users.crl"]);
        assert!(idp.only_user_certs && !idp.only_ca_certs && idp.indirect_crl);
        assert_eq!(
            idp.only_some_reasons,
            [
                RevocationReason::KeyCompromise,
                RevocationReason::Superseded
            ]
        );
        assert_eq!(
            c.freshest_crl.as_deref(),
            Some("http://crl.example.com/delta.crl")
        );
        assert_eq!(
            c.entries_of_issuers,
            [IssuerEntriesSpec {
                issuer_cert: "other-ca.pem".into(),
                serials: "other.txt".into(),
                reason: Some(RevocationReason::CaCompromise),
            }]
        );
        assert_eq!(c.crl_signer.as_ref().unwrap().key, Path::new("s-key.pem"));
        assert_eq!(c.origin(), "crl.json");

        let delta = CrlConfig::from_json(
            br#"{"number": 7, "delta_of": 6, "remove_from_crl": "restored.txt"}"#,
            "d.json",
        )
        .unwrap();
        assert_eq!((delta.number, delta.delta_of), (Some(7), Some(6)));
        assert_eq!(delta.remove_from_crl.unwrap(), Path::new("restored.txt"));
        assert_eq!(
            CrlConfig::from_json(b"{}", "e.json").unwrap().origin(),
            "e.json"
        );
    }

    #[test]
    fn files_are_taken_from_the_configurations_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crl.json");
        std::fs::write(&path, FULL).unwrap();
        let c = CrlConfig::from_file(&path).unwrap();
        assert_eq!(
            c.entries_of_issuers[0].serials,
            dir.path().join("other.txt")
        );
        assert_eq!(c.crl_signer.unwrap().cert, dir.path().join("s.pem"));
        let e = CrlConfig::from_file(dir.path().join("none.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("none.json"), "{e}");
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_refused() {
        let e = err(r#"{"expiry": "1h", "delta": 3}"#);
        assert!(
            e.starts_with("crl.json: invalid JSON") && e.contains("unknown field `delta`"),
            "{e}"
        );
        let e = err(r#"{"issuing_distribution_point": {"url": ["http://x"]}}"#);
        assert!(e.contains("unknown field `url`"), "{e}");
        let e = err(r#"{"entries_of_issuers": [{"issuer_cert": "a.pem"}]}"#);
        assert!(e.contains("missing field `serials`"), "{e}");
    }

    #[test]
    fn crl_numbers_must_be_numbers() {
        for bad in ["null", "\"41\"", "-1", "1.5", "18446744073709551616"] {
            let e = err(&format!(r#"{{"delta_of": {bad}}}"#));
            assert!(
                e.starts_with("crl.json: delta_of: ") && e.contains("is not a CRL number"),
                "{bad}: {e}"
            );
        }
        let e = err(r#"{"number": 5, "delta_of": 5}"#);
        assert!(
            e.starts_with("crl.json: delta_of: ") && e.contains("below"),
            "{e}"
        );
        let e = err(r#"{"number": null}"#);
        assert!(e.starts_with("crl.json: number: "), "{e}");
    }

    #[test]
    fn reasons_are_checked_by_name() {
        let e = err(
            r#"{"issuing_distribution_point": {"only_some_reasons": ["key_compromise", "stolen"]}}"#,
        );
        assert!(
            e.starts_with("crl.json: issuing_distribution_point.only_some_reasons[1]: ")
                && e.contains("\"stolen\"")
                && e.contains("keycompromise"),
            "{e}"
        );
        let e = err(r#"{"issuing_distribution_point": {"only_some_reasons": ["unspecified"]}}"#);
        assert!(e.contains("cannot be one of only_some_reasons"), "{e}");
        let e = err(
            r#"{"issuing_distribution_point": {"only_some_reasons": ["superseded", "Superseded"]}}"#,
        );
        assert!(e.contains("more than once"), "{e}");
        let e = err(r#"{"issuing_distribution_point": {"indirect": true},
                "entries_of_issuers": [{"issuer_cert": "a", "serials": "b", "reason": "nope"}]}"#);
        assert!(e.contains("entries_of_issuers[0].reason"), "{e}");
    }

    #[test]
    fn inconsistent_combinations_name_the_key() {
        let e = err(
            r#"{"issuing_distribution_point": {"only_user_certs": true, "only_ca_certs": true}}"#,
        );
        assert_eq!(
            e,
            "crl.json: issuing_distribution_point.only_ca_certs: cannot be used with only_user_certs"
        );
        let e = err(r#"{"issuing_distribution_point": {}}"#);
        assert!(e.contains("issuing_distribution_point: gives none"), "{e}");
        let e = err(r#"{"delta_of": 1, "freshest_crl": "http://x/d.crl"}"#);
        assert!(
            e.contains("freshest_crl: cannot be used with delta_of"),
            "{e}"
        );
        let e = err(r#"{"remove_from_crl": "r.txt"}"#);
        assert!(e.contains("remove_from_crl: needs delta_of"), "{e}");
        let e = err(r#"{"entries_of_issuers": [{"issuer_cert": "a", "serials": "b"}]}"#);
        assert!(
            e.contains("entries_of_issuers: needs issuing_distribution_point.indirect"),
            "{e}"
        );
        let e = err(r#"{"expiry": "0"}"#);
        assert!(e.contains("expiry: must be longer than zero"), "{e}");
        let e = err(r#"{"expiry": "7"}"#);
        assert!(e.starts_with("crl.json: expiry: invalid duration"), "{e}");
    }

    #[test]
    fn sizes_are_bounded() {
        let urls = vec!["\"http://x/a.crl\""; MAX_CRL_URLS + 1].join(",");
        let e = err(&format!(
            r#"{{"issuing_distribution_point": {{"urls": [{urls}]}}}}"#
        ));
        assert!(
            e.contains("issuing_distribution_point.urls: has more than 16"),
            "{e}"
        );
        let long = format!("http://x/{}", "a".repeat(MAX_CRL_URL_LEN));
        let e = err(&format!(r#"{{"freshest_crl": "{long}"}}"#));
        assert!(e.contains("freshest_crl: is longer than 2048"), "{e}");
        let e = err(r#"{"freshest_crl": "http://bücher.example/d.crl"}"#);
        assert!(e.contains("is not ASCII"), "{e}");
        let group = r#"{"issuer_cert": "a", "serials": "b"}"#;
        let groups = vec![group; MAX_CRL_OTHER_ISSUERS + 1].join(",");
        let e = err(&format!(
            r#"{{"issuing_distribution_point": {{"indirect": true}}, "entries_of_issuers": [{groups}]}}"#
        ));
        assert!(e.contains("entries_of_issuers: has more than 64"), "{e}");
    }
}
