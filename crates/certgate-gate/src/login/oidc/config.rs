//! `[[login.oidc]]`: one OpenID provider.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use super::http::ProviderUrl;
use super::{ClientSecret, OidcSettings};
use crate::config::GateConfig;
use crate::error::{ConfigProblem, GateError};

/// The most bytes of a client secret file: secrets are tens of bytes.
const MAX_SECRET_FILE_BYTES: u64 = 4096;

/// `[[login.oidc]]`: an OpenID provider users sign in with.
///
/// ```toml
/// [[login.oidc]]
/// name = "google"                    # in URLs: /cdn-cgi/access/oidc/google
/// display_name = "Google"            # on the login page (default: name)
/// issuer = "https://accounts.google.com"  # discovery at {issuer}/.well-known/openid-configuration
/// client_id = "1234.apps.googleusercontent.com"
/// client_secret_file = "google-secret.txt"  # or client_secret_env = "GOOGLE_SECRET"
/// scopes = ["openid", "email", "profile"]   # the default
/// groups_claim = "groups"            # the default
/// ca = "idp-roots.pem"               # optional: roots for the provider (default: the system's)
/// ```
/// The provider must be registered with the redirect URI
/// `https://HOST/cdn-cgi/access/callback` of every host users sign in on.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSection {
    /// The provider's id in URLs: lowercase letters, digits and `-`.
    pub name: String,
    /// What the login page calls it.
    pub display_name: Option<String>,
    /// The issuer, exactly as the provider's discovery document and ID tokens name it.
    pub issuer: String,
    /// The client id the provider gave.
    pub client_id: String,
    /// A file holding the client secret (never inline in the configuration).
    pub client_secret_file: Option<PathBuf>,
    /// An environment variable holding the client secret.
    pub client_secret_env: Option<String>,
    /// The scopes asked for (default `openid email profile`; `openid` must be one).
    pub scopes: Option<Vec<String>>,
    /// The ID token claim holding the user's groups (default `groups`).
    pub groups_claim: Option<String>,
    /// Roots (PEM) the provider's https certificate is verified with, instead of the
    /// system's.
    pub ca: Option<PathBuf>,
    /// Lenient: allow an `http://` issuer that is not a loopback address. The client
    /// secret and the codes then cross the network in clear. Off by default; `http` to
    /// `127.0.0.0/8`, `::1` and `localhost` is always allowed (a provider on the same
    /// machine, tests).
    #[serde(default)]
    pub danger_allow_http_issuer: bool,
}

impl OidcSection {
    /// Checks what can be checked without reading files (names, URL, scopes).
    pub(crate) fn check(&self, i: usize) -> Result<(), GateError> {
        let bad = |key: &str, problem| GateError::ConfigValue {
            key: format!("login.oidc[{i}].{key}"),
            problem,
        };
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return Err(bad("name", ConfigProblem::NotAProviderName));
        }
        if ProviderUrl::parse(&self.issuer, self.danger_allow_http_issuer).is_none() {
            return Err(bad("issuer", ConfigProblem::NotAnIssuer));
        }
        if self.client_id.is_empty() {
            return Err(bad("client_id", ConfigProblem::OutOfRange));
        }
        if self.client_secret_file.is_some() == self.client_secret_env.is_some() {
            return Err(bad("client_secret_file", ConfigProblem::ClientSecret));
        }
        if let Some(scopes) = &self.scopes
            && (!scopes.iter().any(|s| s == "openid")
                || scopes.iter().any(|s| s.is_empty() || s.contains(' ')))
        {
            return Err(bad("scopes", ConfigProblem::Scopes));
        }
        Ok(())
    }

    /// The settings the gate runs the flow with: the secret read, the TLS roots built.
    pub(crate) fn settings(
        &self,
        config: &GateConfig,
        i: usize,
    ) -> Result<OidcSettings, GateError> {
        self.check(i)?;
        let key = |k: &str| format!("login.oidc[{i}].{k}");
        let secret = match (&self.client_secret_file, &self.client_secret_env) {
            (Some(file), _) => {
                let bytes = crate::files::read_bounded(
                    &config.resolve(file),
                    "OIDC client secret",
                    MAX_SECRET_FILE_BYTES,
                )?;
                String::from_utf8(bytes).ok()
            }
            (None, Some(var)) => std::env::var(var).ok(),
            (None, None) => None,
        };
        let client_secret = secret
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or(GateError::ConfigValue {
                key: key("client_secret"),
                problem: ConfigProblem::ClientSecret,
            })?;
        let tls = if self.issuer.starts_with("https://") {
            Some(roots(config, self.ca.as_ref(), &key("ca"))?)
        } else {
            None
        };
        Ok(OidcSettings {
            name: self.name.clone(),
            display_name: self
                .display_name
                .clone()
                .unwrap_or_else(|| self.name.clone()),
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            client_secret: ClientSecret(client_secret),
            scopes: self
                .scopes
                .clone()
                .unwrap_or_else(|| ["openid", "email", "profile"].map(str::to_owned).to_vec()),
            groups_claim: self.groups_claim.clone().unwrap_or_else(|| "groups".into()),
            allow_http: self.danger_allow_http_issuer,
            tls,
        })
    }
}

fn roots(
    config: &GateConfig,
    ca: Option<&PathBuf>,
    key: &str,
) -> Result<Arc<rustls::ClientConfig>, GateError> {
    let mut store = rustls::RootCertStore::empty();
    let no_roots = || GateError::ConfigValue {
        key: key.to_owned(),
        problem: ConfigProblem::NoCrlFetchRoots,
    };
    match ca {
        Some(path) => {
            for cert in crate::files::certificates(&config.resolve(path), "OIDC provider CA")? {
                store.add(cert).map_err(|_| no_roots())?;
            }
        }
        None => {
            store.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    if store.is_empty() {
        return Err(no_roots());
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| GateError::Tls {
            host: key.to_owned(),
            source: Box::new(e),
        })?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(Arc::new(tls))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use std::path::{Path, PathBuf};

    use super::*;

    fn with(login: &str) -> Result<GateConfig, GateError> {
        let text = format!(
            "[server]\nlisten = [\"127.0.0.1:1\"]\n[[host]]\nname = \"a\"\ncertificate = \"c\"\n\
             key = \"k\"\norigin = \"http://127.0.0.1:9\"\npolicy = \"p\"\n[host.trust]\nca = \"ca\"\n\
             {login}\n"
        );
        GateConfig::from_toml(&text, Path::new("gate.toml"), PathBuf::new())
    }

    const GOOD: &str = "[[login.oidc]]\nname = \"idp\"\nissuer = \"https://idp.example.com\"\n\
                        client_id = \"c\"\nclient_secret_env = \"CERTGATE_TEST_UNSET_SECRET\"\n";

    #[test]
    fn providers_are_checked() {
        assert_eq!(with(GOOD).unwrap().login.oidc[0].name, "idp");
        for (edit, key, problem) in [
            (
                ("name = \"idp\"", "name = \"I D P\""),
                "name",
                ConfigProblem::NotAProviderName,
            ),
            (
                ("https://idp.example.com", "http://idp.example.com"),
                "issuer",
                ConfigProblem::NotAnIssuer,
            ),
            (
                (
                    "client_secret_env",
                    "client_secret_file = \"s\"\nclient_secret_env",
                ),
                "client_secret_file",
                ConfigProblem::ClientSecret,
            ),
            (
                (
                    "client_id = \"c\"",
                    "client_id = \"c\"\nscopes = [\"email\"]",
                ),
                "scopes",
                ConfigProblem::Scopes,
            ),
        ] {
            match with(&GOOD.replace(edit.0, edit.1)) {
                Err(GateError::ConfigValue { key: k, problem: p }) => {
                    assert_eq!(k, format!("login.oidc[0].{key}"));
                    assert_eq!(p, problem);
                }
                other => panic!("{edit:?}: {other:?}"),
            }
        }
        // http to a loopback issuer is taken; elsewhere only with the danger option.
        assert!(with(&GOOD.replace("https://idp.example.com", "http://127.0.0.1:8080")).is_ok());
        let danger = GOOD.replace("https://idp.example.com", "http://idp.example.com")
            + "danger_allow_http_issuer = true\n";
        assert!(with(&danger).is_ok());
        let twice = format!("{GOOD}{GOOD}");
        assert!(matches!(
            with(&twice),
            Err(GateError::ConfigValue {
                problem: ConfigProblem::DuplicateProvider,
                ..
            })
        ));
        assert!(with("[login.oidc]\nname = 1\n").is_err());
        assert!(with(&(GOOD.to_owned() + "client_secret = \"inline\"\n")).is_err());
    }

    #[test]
    fn the_secret_is_never_in_debug_output() {
        // PATH is always set: its value stands in for a secret read from the environment.
        let config = with(&GOOD.replace("CERTGATE_TEST_UNSET_SECRET", "PATH")).unwrap();
        let settings = config.login.oidc[0].settings(&config, 0).unwrap();
        let path = std::env::var("PATH").unwrap();
        assert!(
            !format!("{settings:?}").contains(path.trim()),
            "{settings:?}"
        );
    }

    #[test]
    fn an_unset_or_empty_secret_is_refused() {
        let config = with(GOOD).unwrap();
        match config.login.oidc[0].settings(&config, 0) {
            Err(GateError::ConfigValue { key, problem }) => {
                assert_eq!(key, "login.oidc[0].client_secret");
                assert_eq!(problem, ConfigProblem::ClientSecret);
            }
            other => panic!("{other:?}"),
        }
    }
}
