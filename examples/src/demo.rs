//! The demo's client and its table of steps.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use crate::lab::{Device, HOST};

/// One step of the demo: what was done or asked, what came back, whether as expected.
#[derive(Debug)]
pub struct Step {
    label: String,
    outcome: String,
    ok: bool,
}

/// The steps so far.
#[derive(Debug, Default)]
pub struct Steps(Vec<Step>);

impl Steps {
    /// A step that made a file.
    pub fn done(&mut self, label: &str, file: &Path) {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("  ok    {label:<55} {name}");
        self.0.push(Step {
            label: label.to_owned(),
            outcome: name,
            ok: true,
        });
    }

    /// A request whose status should be `status` and whose body should contain `needle`.
    pub fn check(
        &mut self,
        label: &str,
        got: Result<(u16, String), String>,
        status: u16,
        needle: &str,
    ) -> bool {
        let (ok, outcome) = match got {
            Ok((s, body)) => (
                s == status && body.contains(needle),
                format!(
                    "{s}{}",
                    if needle.is_empty() {
                        String::new()
                    } else {
                        format!(" {needle}")
                    }
                ),
            ),
            Err(e) => (false, format!("error: {e}")),
        };
        let expected = format!(
            "{status}{}",
            if needle.is_empty() {
                String::new()
            } else {
                format!(" {needle}")
            }
        );
        println!(
            "  {}  {label:<55} {outcome}{}",
            if ok { "ok  " } else { "FAIL" },
            if ok {
                String::new()
            } else {
                format!(" (expected {expected})")
            }
        );
        self.0.push(Step {
            label: label.to_owned(),
            outcome,
            ok,
        });
        ok
    }

    /// Prints the summary table.
    pub fn print(&self) {
        let failed = self.0.iter().filter(|s| !s.ok).count();
        println!(
            "\n{} steps, {} as expected, {failed} not",
            self.0.len(),
            self.0.len() - failed
        );
        for s in self.0.iter().filter(|s| !s.ok) {
            println!("  not as expected: {} ({})", s.label, s.outcome);
        }
    }
}

/// A client of the gate: TLS with a device's certificate (or none), one HTTP/1.1
/// connection kept for all its requests.
#[derive(Debug)]
pub struct Client {
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
    sender: Option<SendRequest<Full<Bytes>>>,
}

fn pem_blocks(path: &Path) -> Result<Vec<certgate_x509::pem::PemBlock>, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    certgate_x509::pem::parse_blocks(&text).map_err(|e| format!("{}: {e}", path.display()))
}

impl Client {
    /// A client trusting `ca_pem` for the server, presenting `device`'s certificate.
    ///
    /// # Errors
    /// A message when a file cannot be read or rustls refuses the key.
    pub fn new(addr: SocketAddr, ca_pem: &[u8], device: Option<&Device>) -> Result<Self, String> {
        let mut roots = rustls::RootCertStore::empty();
        for block in certgate_x509::pem::parse_blocks(ca_pem).map_err(|e| e.to_string())? {
            roots
                .add(CertificateDer::from(block.der))
                .map_err(|e| e.to_string())?;
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots);
        let config = match device {
            Some(d) => {
                let chain = pem_blocks(&d.cert)?
                    .into_iter()
                    .map(|b| CertificateDer::from(b.der))
                    .collect();
                let key = pem_blocks(&d.key)?
                    .into_iter()
                    .next()
                    .map(|b| PrivateKeyDer::Pkcs8(b.der.into()))
                    .ok_or("no key")?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| e.to_string())?
            }
            None => builder.with_no_client_auth(),
        };
        Ok(Self {
            addr,
            config: Arc::new(config),
            sender: None,
        })
    }

    async fn connect(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, String> {
        if self.sender.as_ref().is_none_or(SendRequest::is_closed) {
            let tcp = tokio::net::TcpStream::connect(self.addr)
                .await
                .map_err(|e| e.to_string())?;
            let name = ServerName::try_from(HOST).map_err(|e| e.to_string())?;
            let tls = tokio_rustls::TlsConnector::from(Arc::clone(&self.config))
                .connect(name, tcp)
                .await
                .map_err(|e| format!("handshake refused: {e}"))?;
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            self.sender = Some(sender);
        }
        self.sender
            .as_mut()
            .ok_or_else(|| "no connection".to_owned())
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: &str,
    ) -> Result<(u16, String), String> {
        let sender = self.connect().await?;
        sender.ready().await.map_err(|e| e.to_string())?;
        let mut req = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, HOST)
            .header(http::header::ACCEPT, "text/html");
        if !body.is_empty() {
            req = req.header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        }
        let req = req
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|e| e.to_string())?;
        let response = sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// GET `path` on the client's connection (opened on first use).
    ///
    /// # Errors
    /// A message when the connection or the request fails.
    pub async fn get(&mut self, path: &str) -> Result<(u16, String), String> {
        self.send("GET", path, "").await
    }

    /// POST a form to `path`.
    ///
    /// # Errors
    /// As [`Client::get`].
    pub async fn post(&mut self, path: &str, form: &str) -> Result<(u16, String), String> {
        self.send("POST", path, form).await
    }
}
