//! A TLS server that trusts a different client CA per hostname, with `HostTrust` and
//! tokio-rustls' `LazyConfigAcceptor`, answering each client with the CN of its
//! verified certificate.
//!
//! ```text
//! cargo run -p certgate-verify --example host_trust -- \
//!     127.0.0.1:8443 server.pem server-key.pem \
//!     a.example.com=ca-a.pem '*.b.example.com=ca-b.pem' '*=ca-default.pem'
//! ```
//!
//! Each `PATTERN=CA.pem` serves clients asking for PATTERN (a hostname or a `*.`
//! wildcard) to clients with a certificate from that CA; the pattern `*` is the default,
//! for clients that send no name (those connecting to an IP address) or an unknown one.
//! Without a default they are refused. Try it with
//! `curl --cert client.pem --key client-key.pem --cacert server-ca.pem
//! --resolve a.example.com:8443:127.0.0.1 https://a.example.com:8443/`.

use std::error::Error;
use std::sync::Arc;

use certgate_verify::{ClientCertInfo, ClientVerifier, HostTrust, Resumption, mtls_server_config};
use rustls::server::{Acceptor, ResolvesServerCert};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::LazyConfigAcceptor;

type BoxError = Box<dyn Error + Send + Sync>;

const USAGE: &str = "usage: host_trust ADDR SERVER_CERT.pem SERVER_KEY.pem PATTERN=CA.pem...";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, cert, key, hosts @ ..] = args.as_slice() else {
        return Err(USAGE.into());
    };
    if hosts.is_empty() {
        return Err(USAGE.into());
    }
    let chain = CertificateDer::pem_file_iter(cert)?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(key)?;
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let resolver: Arc<dyn ResolvesServerCert> = Arc::new(SingleCertAndKey::from(
        CertifiedKey::from_der(chain, key, &provider)?,
    ));

    let mut trust = HostTrust::builder();
    for host in hosts {
        let (pattern, ca) = host
            .split_once('=')
            .ok_or_else(|| format!("{host:?}: expected PATTERN=CA.pem"))?;
        let anchors = CertificateDer::pem_file_iter(ca)?.collect::<Result<Vec<_>, _>>()?;
        let verifier = Arc::new(ClientVerifier::builder(anchors).build()?);
        // With a RevocationStore, `Resumption::TiedTo(store)` keeps resumption safe.
        let config = mtls_server_config(verifier, Arc::clone(&resolver), Resumption::Disabled)?;
        trust = if pattern == "*" {
            trust.with_default(config)
        } else {
            trust.with_host(pattern, config)?
        };
    }
    let trust = Arc::new(trust.build()?);

    let listener = TcpListener::bind(addr.as_str()).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    loop {
        let (tcp, peer) = listener.accept().await?;
        let trust = Arc::clone(&trust);
        tokio::spawn(async move {
            if let Err(e) = serve(&trust, tcp).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

/// Reads the ClientHello, picks the host's config, completes the handshake and answers
/// with the client's CN.
async fn serve(trust: &HostTrust, tcp: TcpStream) -> Result<(), BoxError> {
    let start = LazyConfigAcceptor::new(Acceptor::default(), tcp).await?;
    let hello = start.client_hello();
    let name = hello.server_name().unwrap_or("(no SNI)").to_owned();
    let Some(config) = trust.select(&hello) else {
        return Err(format!("{name}: no such host and no default; closed").into());
    };
    let mut tls = start.into_stream(config).await?;
    // The handshake verified the certificate; read its fields.
    let cn = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(<[_]>::first)
        .map(|leaf| ClientCertInfo::from_der(leaf))
        .transpose()?
        .and_then(|info| info.common_name())
        .unwrap_or_else(|| "(no CN)".into());
    let mut request = [0u8; 4096];
    let _ = tls.read(&mut request).await?;
    let body = format!("hello {cn}, you reached {name}\n");
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(response.as_bytes()).await?;
    tls.shutdown().await?;
    Ok(())
}
