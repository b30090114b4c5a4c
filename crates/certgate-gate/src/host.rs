//! A configuration built into what serves: per host, the TLS config (verifier, server
//! certificate, resumption), the revocation store, the policies and the origin pool.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use certgate_policy::{OriginCase, PathOptions, PolicySet};
use certgate_verify::rustls::ServerConfig;
use certgate_verify::rustls::server::{ClientHello, ResolvesServerCert};
use certgate_verify::rustls::sign::CertifiedKey;
use certgate_verify::{
    ClientVerifier, HostTrust, Resumption, RevocationPolicy, RevocationStore, VerifyMode,
    mtls_server_config,
};

use crate::config::{GateConfig, HostSection, Limits, OriginCaseSetting, TrustMode};
use crate::crl_fetch::CrlFetch;
use crate::error::GateError;
use crate::files;
use crate::proxy::{Origin, OriginClient};
use rustls_pki_types::CertificateDer;

/// One configured host, ready to serve.
#[derive(Debug)]
pub struct HostState {
    /// The name or wildcard pattern.
    pub name: String,
    /// Enforce in the handshake or report to HTTP.
    pub mode: TrustMode,
    /// The client-certificate verifier (it keeps each handshake's verdict).
    pub verifier: Arc<ClientVerifier>,
    /// The host's CRLs, when it has some.
    pub store: Option<RevocationStore>,
    /// The host's policies.
    pub policy: Arc<PolicySet>,
    /// How request paths are read for this host (the origin's case).
    pub path_options: PathOptions,
    pub(crate) origin: OriginClient,
    pub(crate) tls: Arc<ServerConfig>,
    /// Files whose change rebuilds the configuration (CRL files reload `store` alone).
    pub(crate) files: Vec<PathBuf>,
    /// The CRL URLs fetched into `store`, and how.
    pub(crate) crl_fetch: CrlFetch,
    /// `revocation_db`, with the CAs whose revocations it reads.
    #[cfg_attr(not(feature = "db"), allow(dead_code))]
    pub(crate) revocation_db: Option<crate::crl_db::RevocationDb>,
}

/// Everything one configuration serves with.
#[derive(Debug)]
pub struct Runtime {
    /// The configuration it was built from.
    pub config: GateConfig,
    /// Limits and timeouts.
    pub limits: Limits,
    trust: HostTrust,
    hosts: Vec<Arc<HostState>>,
    /// `Arc::as_ptr` of a host's TLS config → its index in `hosts`.
    by_tls: HashMap<usize, usize>,
}

impl Runtime {
    /// Builds every host of `config`: reads certificates, keys, CAs, CRLs and policies.
    ///
    /// # Errors
    /// The first [`GateError`] met, naming the host and file.
    pub fn build(config: GateConfig) -> Result<Self, GateError> {
        let limits = config.limits()?;
        let mut trust = HostTrust::builder();
        let mut hosts = Vec::new();
        let mut by_tls = HashMap::new();
        for section in &config.hosts {
            let host = Arc::new(build_host(&config, section, &limits)?);
            trust = trust
                .with_host(&section.name, Arc::clone(&host.tls))
                .map_err(|source| GateError::Trust {
                    host: section.name.clone(),
                    source,
                })?;
            if config
                .server
                .default_host
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(&section.name))
            {
                trust = trust.with_default(Arc::clone(&host.tls));
            }
            by_tls.insert(Arc::as_ptr(&host.tls) as usize, hosts.len());
            hosts.push(host);
        }
        let trust = trust.build().map_err(|source| GateError::Trust {
            host: String::new(),
            source,
        })?;
        Ok(Self {
            config,
            limits,
            trust,
            hosts,
            by_tls,
        })
    }

    /// The host for a server name (`None`: no SNI), as the handshake chooses it.
    pub fn host_for(&self, sni: Option<&str>) -> Option<&Arc<HostState>> {
        let tls = self.trust.select_name(sni)?;
        self.by_tls
            .get(&(Arc::as_ptr(&tls) as usize))
            .and_then(|i| self.hosts.get(*i))
    }

    /// The hosts.
    pub fn hosts(&self) -> &[Arc<HostState>] {
        &self.hosts
    }

    pub(crate) fn select(&self, hello: &ClientHello<'_>) -> Option<Arc<HostState>> {
        self.host_for(hello.server_name()).cloned()
    }
}

fn build_host(
    config: &GateConfig,
    section: &HostSection,
    limits: &Limits,
) -> Result<HostState, GateError> {
    let host = section.name.clone();
    let trust_err = |source| GateError::Trust {
        host: host.clone(),
        source,
    };
    let ca_path = config.resolve(&section.trust.ca);
    let anchors = files::certificates(&ca_path, "trusted CA file")?;
    let mut watched = vec![
        config.resolve(&section.certificate),
        config.resolve(&section.key),
        config.resolve(&section.policy),
        ca_path,
    ];
    let intermediates = match &section.trust.intermediates {
        Some(p) => {
            let path = config.resolve(p);
            watched.push(path.clone());
            files::certificates(&path, "intermediates file")?
        }
        None => Vec::new(),
    };
    let mut crl_fetch = section.trust.crl_fetch(&format!("host {host}: trust"))?;
    let mut revocation_db = section
        .trust
        .revocation_db(&format!("host {host}: trust"))?;
    if let Some(db) = &mut revocation_db {
        db.issuers = anchors.iter().chain(&intermediates).cloned().collect();
    }
    let store = crl_store(
        config,
        section,
        &crl_fetch,
        revocation_db.is_some(),
        &anchors,
        &intermediates,
    )?;
    let mode = match section.trust.mode {
        TrustMode::Enforce => VerifyMode::Enforce,
        TrustMode::Report => VerifyMode::Report,
    };
    let mut verifier = ClientVerifier::builder(anchors)
        .with_intermediates(intermediates)
        .with_mode(mode)
        .with_handshake_verdicts();
    if let Some(store) = &store {
        verifier = verifier.with_revocation(store.clone(), RevocationPolicy::default());
    }
    let verifier = Arc::new(verifier.build().map_err(trust_err)?);
    if crl_fetch.urls.iter().any(|u| u.is_https()) {
        let ca = section
            .trust
            .crl_fetch_ca
            .as_ref()
            .map(|p| config.resolve(p));
        watched.extend(ca.clone());
        crl_fetch.tls = Some(crate::crl_fetch::client_tls(
            &host,
            ca.as_deref(),
            verifier.chain_verifier().provider(),
        )?);
    }
    let tls = server_config(config, section, &verifier, store.as_ref())?;
    let policy_path = config.resolve(&section.policy);
    let policy = PolicySet::from_file(&policy_path).map_err(|source| GateError::Policy {
        host: host.clone(),
        source,
    })?;
    let origin = Origin::parse(&section.origin).ok_or_else(|| GateError::ConfigValue {
        key: format!("host {host}: origin"),
        problem: crate::ConfigProblem::NotAnOrigin,
    })?;
    Ok(HostState {
        name: host,
        mode: section.trust.mode,
        verifier,
        store,
        policy: Arc::new(policy),
        path_options: PathOptions::default().with_origin_case(match section.origin_case {
            OriginCaseSetting::Unknown => OriginCase::Unknown,
            OriginCaseSetting::Sensitive => OriginCase::Sensitive,
            OriginCaseSetting::Insensitive => OriginCase::Insensitive,
        }),
        origin: OriginClient::new(
            origin,
            limits.origin_connect_timeout,
            limits.origin_response_timeout,
        ),
        tls,
        files: watched,
        revocation_db,
        crl_fetch,
    })
}

/// The host's revocation store: its CRL files read now, its CRL URLs as sources still
/// empty (filled by the fetcher). None when it has neither.
fn crl_store(
    config: &GateConfig,
    section: &HostSection,
    crl_fetch: &CrlFetch,
    database: bool,
    anchors: &[CertificateDer<'static>],
    intermediates: &[CertificateDer<'static>],
) -> Result<Option<RevocationStore>, GateError> {
    if section.trust.crls.is_empty() && crl_fetch.urls.is_empty() && !database {
        return Ok(None);
    }
    let trust_err = |source| GateError::Trust {
        host: section.name.clone(),
        source,
    };
    let issuers = anchors.iter().chain(intermediates).map(|c| c.as_ref());
    let mut builder = RevocationStore::builder(issuers).map_err(trust_err)?;
    if let Some(path) = &section.trust.crl_signers {
        let signers = files::certificates(&config.resolve(path), "CRL signers file")?;
        builder = builder
            .with_crl_signers(signers.iter().map(|c| c.as_ref()))
            .map_err(trust_err)?;
    }
    for f in &section.trust.crls {
        builder = builder.with_crl_file(config.resolve(f));
    }
    builder.build().map(Some).map_err(trust_err)
}

fn server_config(
    config: &GateConfig,
    section: &HostSection,
    verifier: &Arc<ClientVerifier>,
    store: Option<&RevocationStore>,
) -> Result<Arc<ServerConfig>, GateError> {
    let tls_err = |e: rustls::Error| GateError::Tls {
        host: section.name.clone(),
        source: Box::new(e),
    };
    let chain = files::certificates(&config.resolve(&section.certificate), "server certificate")?;
    let key = files::private_key(&config.resolve(&section.key))?;
    let provider = verifier.chain_verifier().provider();
    let signing = provider
        .key_provider
        .load_private_key(key)
        .map_err(tls_err)?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(tls_err)?;
    let resolver = Arc::new(OneCert(Arc::new(certified)));
    let resumption = match (section.resumption.unwrap_or(true), store) {
        (false, _) => Resumption::Disabled,
        (true, Some(store)) => Resumption::TiedTo(store.clone()),
        // No CRLs: nothing a resumed session could outlive.
        (true, None) => Resumption::TiedTo(
            RevocationStore::builder(std::iter::empty())
                .and_then(|b| b.build())
                .map_err(|source| GateError::Trust {
                    host: section.name.clone(),
                    source,
                })?,
        ),
    };
    let tls = mtls_server_config(Arc::clone(verifier), resolver, resumption).map_err(|source| {
        GateError::Trust {
            host: section.name.clone(),
            source,
        }
    })?;
    let mut tls = (*tls).clone();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(tls))
}

/// The host's one certificate, whatever the client asks.
#[derive(Debug)]
struct OneCert(Arc<CertifiedKey>);

impl ResolvesServerCert for OneCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}
