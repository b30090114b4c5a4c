//! The client side: TLS configuration, one connection, one request.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use http::{HeaderName, HeaderValue, Request, StatusCode, header};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::client::Resumption;
use rustls::crypto::{CryptoProvider, aws_lc_rs};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::{Args, EXCHANGE_TIMEOUT, LoadError};

mod danger {
    use rustls::DigitallySignedStruct;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use std::sync::Arc;

    /// Accepts any server certificate and handshake signature: for load connections
    /// only, after `probe` has checked the server once. The server's work per
    /// handshake is the same either way; the client's halves.
    #[derive(Debug)]
    pub(crate) struct UncheckedServer(pub(crate) Arc<CryptoProvider>);

    impl ServerCertVerifier for UncheckedServer {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            _message: &[u8],
            _cert: &CertificateDer<'_>,
            _dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            Ok(HandshakeSignatureValid::assertion())
        }

        fn verify_tls13_signature(
            &self,
            _message: &[u8],
            _cert: &CertificateDer<'_>,
            _dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            Ok(HandshakeSignatureValid::assertion())
        }

        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
}

fn pem_blocks(path: &Path, label: &str) -> Result<Vec<Vec<u8>>, LoadError> {
    let text = std::fs::read(path)?;
    let blocks = certgate_x509::pem::parse_blocks(&text).map_err(|_| LoadError::File {
        path: path.to_owned(),
        what: "not PEM",
    })?;
    let ders: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|b| b.label == label)
        .map(|b| b.der)
        .collect();
    if ders.is_empty() {
        return Err(LoadError::File {
            path: path.to_owned(),
            what: "no block of the expected kind",
        });
    }
    Ok(ders)
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, LoadError> {
    Ok(pem_blocks(path, "CERTIFICATE")?
        .into_iter()
        .map(CertificateDer::from)
        .collect())
}

/// The client's TLS configuration; `checked`: verify the server against `--ca`.
fn client_config(args: &Args, checked: bool) -> Result<Arc<ClientConfig>, LoadError> {
    let provider = Arc::new(CryptoProvider {
        kx_groups: vec![aws_lc_rs::kx_group::X25519],
        ..aws_lc_rs::default_provider()
    });
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13])?;
    let builder = if checked {
        let mut roots = RootCertStore::empty();
        for cert in certificates(&args.ca)? {
            roots.add(cert)?;
        }
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(danger::UncheckedServer(provider)))
    };
    let key = pem_blocks(&args.key, "PRIVATE KEY")?
        .into_iter()
        .next()
        .map(|der| PrivateKeyDer::Pkcs8(der.into()))
        .ok_or(LoadError::Usage("no key"))?;
    let mut config = builder.with_client_auth_cert(certificates(&args.cert)?, key)?;
    config.resumption = Resumption::disabled();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// What every client shares.
#[derive(Debug)]
pub(crate) struct Target {
    tls: Arc<ClientConfig>,
    addr: SocketAddr,
    sni: ServerName<'static>,
    host: String,
    path: String,
    /// `--header`s, added to every request.
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// `Name: value` as a header.
fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue), LoadError> {
    let bad = LoadError::Usage("--header is not `Name: value`");
    let (name, value) = text
        .split_once(':')
        .ok_or(LoadError::Usage("--header has no `:`"))?;
    let name = HeaderName::try_from(name.trim()).map_err(|_| bad)?;
    let value = HeaderValue::try_from(value.trim())
        .map_err(|_| LoadError::Usage("--header's value is not a header value"))?;
    Ok((name, value))
}

impl Target {
    pub(crate) fn new(args: &Args, checked: bool) -> Result<Self, LoadError> {
        let sni = ServerName::try_from(args.sni.clone())
            .map_err(|_| LoadError::Usage("--sni is not a server name"))?;
        Ok(Self {
            tls: client_config(args, checked)?,
            addr: args.addr,
            sni,
            host: args.sni.clone(),
            path: args.path.clone(),
            headers: args
                .headers
                .iter()
                .map(|h| parse_header(h))
                .collect::<Result<_, _>>()?,
        })
    }

    pub(crate) async fn handshake(&self) -> Result<TlsStream<TcpStream>, LoadError> {
        let tcp = TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let connector = TlsConnector::from(Arc::clone(&self.tls));
        Ok(connector.connect(self.sni.clone(), tcp).await?)
    }

    /// HTTP/1.1 over a TLS stream; the connection is driven by a task of its own.
    pub(crate) async fn http(
        &self,
        tls: TlsStream<TcpStream>,
    ) -> Result<SendRequest<Empty<Bytes>>, LoadError> {
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    pub(crate) async fn get(
        &self,
        sender: &mut SendRequest<Empty<Bytes>>,
        close: bool,
    ) -> Result<(), LoadError> {
        sender.ready().await?;
        let mut request = Request::get(self.path.as_str()).header(header::HOST, self.host.as_str());
        if close {
            request = request.header(header::CONNECTION, "close");
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let response = sender.send_request(request.body(Empty::new())?).await?;
        let status = response.status();
        response.into_body().collect().await?;
        if status != StatusCode::OK {
            return Err(LoadError::Status(status));
        }
        Ok(())
    }

    pub(crate) async fn one_connection(&self) -> Result<(), LoadError> {
        let tls = self.handshake().await?;
        let mut sender = self.http(tls).await?;
        self.get(&mut sender, true).await
    }
}

pub(crate) async fn within<T>(
    work: impl Future<Output = Result<T, LoadError>>,
) -> Result<T, LoadError> {
    tokio::time::timeout(EXCHANGE_TIMEOUT, work)
        .await
        .unwrap_or(Err(LoadError::Timeout))
}
