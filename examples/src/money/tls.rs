//! money-app on its own, with TLS: certgate-verify's verifier in its own rustls
//! `ServerConfig` and certgate-gate's tower layer in front of the router — the "embed it"
//! use, with no gate process in front.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use certgate_gate::{GateLayer, serve_mtls};
use certgate_policy::PolicySet;
use certgate_verify::{
    ClientVerifier, CrlWatcher, Resumption, RevocationPolicy, RevocationStore, VerifyMode,
    mtls_server_config,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::{CertifiedKey, SingleCertAndKey};

/// What the TLS mode needs.
#[derive(Clone, Debug)]
pub struct TlsOptions {
    /// The server's certificate chain (PEM).
    pub cert: PathBuf,
    /// The server's key (PEM, PKCS#8).
    pub key: PathBuf,
    /// The CA whose device certificates are accepted (PEM).
    pub client_ca: PathBuf,
    /// CRL files, watched.
    pub crls: Vec<PathBuf>,
    /// The policy file (certgate's schema or Access API JSON).
    pub policy: PathBuf,
}

fn pem(path: &Path, label: &str) -> Result<Vec<Vec<u8>>, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let blocks =
        certgate_x509::pem::parse_blocks(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let ders: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|b| b.label == label)
        .map(|b| b.der)
        .collect();
    if ders.is_empty() {
        return Err(format!("{}: no {label} block", path.display()));
    }
    Ok(ders)
}

/// Serves `app` over mTLS on `listener` until `shutdown` resolves.
///
/// # Errors
/// A message naming the file or setting that could not be used.
pub async fn serve(
    listener: tokio::net::TcpListener,
    options: &TlsOptions,
    app: axum::Router,
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
    let anchors: Vec<CertificateDer<'static>> = pem(&options.client_ca, "CERTIFICATE")?
        .into_iter()
        .map(CertificateDer::from)
        .collect();
    let mut verifier = ClientVerifier::builder(anchors.clone())
        .with_mode(VerifyMode::Report)
        .with_handshake_verdicts();
    let mut resumption = Resumption::Disabled;
    let mut _watcher: Option<CrlWatcher> = None;
    if !options.crls.is_empty() {
        let mut store = RevocationStore::builder(anchors.iter().map(|a| a.as_ref()))
            .map_err(|e| e.to_string())?;
        for crl in &options.crls {
            store = store.with_crl_file(crl.clone());
        }
        let store = store.build().map_err(|e| e.to_string())?;
        _watcher = Some(
            store
                .watch(Duration::from_secs(1))
                .map_err(|e| e.to_string())?,
        );
        verifier = verifier.with_revocation(store.clone(), RevocationPolicy::default());
        resumption = Resumption::TiedTo(store);
    }
    let verifier = Arc::new(verifier.build().map_err(|e| e.to_string())?);
    let chain = pem(&options.cert, "CERTIFICATE")?
        .into_iter()
        .map(CertificateDer::from)
        .collect();
    let key = PrivateKeyDer::Pkcs8(
        pem(&options.key, "PRIVATE KEY")?
            .into_iter()
            .next()
            .ok_or("no key")?
            .into(),
    );
    let provider = Arc::clone(verifier.chain_verifier().provider());
    let certified = CertifiedKey::from_der(chain, key, &provider)
        .map_err(|e| format!("{}: {e}", options.key.display()))?;
    let tls = mtls_server_config(
        Arc::clone(&verifier),
        Arc::new(SingleCertAndKey::from(certified)),
        resumption,
    )
    .map_err(|e| e.to_string())?;
    let mut tls = (*tls).clone();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let policy = PolicySet::from_file(&options.policy).map_err(|e| e.to_string())?;
    let app = tower::ServiceBuilder::new()
        .layer(GateLayer::new(policy))
        .service(app);
    serve_mtls(listener, Arc::new(tls), verifier, app, shutdown)
        .await
        .map_err(|e| e.to_string())
}
