//! The commands that read rather than issue: `certinfo`, `json`, `print-defaults`.

use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{CertificateRequest, CfsslCertInfo, bare_files, write_all_or_nothing};
use rustls::ClientConnection;
use rustls_pki_types::ServerName;
use serde::Deserialize;

use crate::CliError;

/// How long `certinfo -domain` waits for the connection, then for each read or write:
/// cfssl's dial timeout, so a host that does not answer fails as it does there.
const DOMAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// The port of `certinfo -domain HOST` without one: HTTPS, as cfssl assumes.
const DEFAULT_TLS_PORT: u16 = 443;

/// `certinfo -cert F`, `certinfo -csr F` or `certinfo -domain HOST[:PORT]`.
pub(crate) fn certinfo(
    cert: Option<&Path>,
    csr: Option<&Path>,
    domain: Option<&str>,
) -> Result<(), CliError> {
    if let Some(domain) = domain {
        let leaf = served_leaf(domain)?;
        let info = CfsslCertInfo::from_der(&leaf, domain)?;
        return crate::print_out(&format!("{}\n", info.to_json()));
    }
    match (cert, csr) {
        (Some(cert), _) => {
            crate::print_out(&format!(
                "{}\n",
                CfsslCertInfo::from_pem_file(cert)?.to_json()
            ))?;
        }
        (None, Some(csr)) => {
            let request = CertificateRequest::from_pem_file(csr)?;
            let info = serde_json::json!({
                "subject": request.subject(),
                "sans": request.hosts().iter().map(ToString::to_string).collect::<Vec<_>>(),
                "key_algorithm": request.key_spec().algo(),
                "key_size": request.key_spec().size(),
            });
            let json = serde_json::to_string_pretty(&info).unwrap_or_default();
            crate::print_out(&format!("{json}\n"))?;
        }
        (None, None) => {
            return Err(CliError::Usage(
                "certinfo needs -cert FILE, -csr FILE or -domain HOST[:PORT]".into(),
            ));
        }
    }
    Ok(())
}

/// `HOST[:PORT]` as cfssl reads it (Go's `net.SplitHostPort`, else the whole text is the
/// host and the port is 443): `example.com`, `example.com:8443`, `[::1]:8443`, `::1`.
fn split_host_port(domain: &str) -> Result<(&str, u16), CliError> {
    let bad = |reason: &str| CliError::Usage(format!("-domain {domain}: {reason}"));
    let (host, port) = if let Some(rest) = domain.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| bad("no `]` after an IPv6 address"))?;
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| bad("expected `:PORT` after `]`"))?,
                ),
            ),
        }
    } else {
        match domain.split_once(':') {
            Some((host, port)) if !port.contains(':') => (host, Some(port)),
            // No colon, or several: an IPv6 address without brackets.
            _ => (domain, None),
        }
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let port = match port {
        None => DEFAULT_TLS_PORT,
        Some(p) => p
            .parse()
            .map_err(|_| bad("the port is not a number from 0 to 65535"))?,
    };
    Ok((host, port))
}

/// The certificate (DER) that the TLS server at `domain` presents for itself, after a
/// handshake that checks the server holds its key but not who vouches for it (see
/// [`danger::DisplayOnlyServerVerifier`]).
fn served_leaf(domain: &str) -> Result<Vec<u8>, CliError> {
    let (host, port) = split_host_port(domain)?;
    let failed = |reason: String| CliError::Input {
        origin: format!("-domain {domain}"),
        reason,
    };
    let addresses = (host, port)
        .to_socket_addrs()
        .map_err(|e| failed(format!("cannot resolve {host}: {e}")))?;
    let mut last_error = format!("{host} has no address");
    let mut socket = None;
    for address in addresses {
        match TcpStream::connect_timeout(&address, DOMAIN_TIMEOUT) {
            Ok(s) => {
                socket = Some(s);
                break;
            }
            Err(e) => last_error = format!("cannot connect to {address}: {e}"),
        }
    }
    let mut socket = socket.ok_or_else(|| failed(last_error))?;
    socket
        .set_read_timeout(Some(DOMAIN_TIMEOUT))
        .and_then(|()| socket.set_write_timeout(Some(DOMAIN_TIMEOUT)))
        .map_err(|e| failed(e.to_string()))?;
    // An IP address is not sent as SNI; a name is, as cfssl (Go) does.
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| CliError::Usage(format!("-domain {domain}: {e}")))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| failed(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(danger::DisplayOnlyServerVerifier::new(
            &provider,
        )))
        .with_no_client_auth();
    let mut tls =
        ClientConnection::new(Arc::new(config), name).map_err(|e| failed(format!("TLS: {e}")))?;
    while tls.is_handshaking() {
        tls.complete_io(&mut socket)
            .map_err(|e| failed(format!("TLS handshake: {e}")))?;
    }
    let leaf = tls
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|c| c.as_ref().to_vec())
        .ok_or_else(|| failed("the server presented no certificate".into()))?;
    // A polite goodbye; the certificate is what was asked for either way.
    tls.send_close_notify();
    let _ = tls.complete_io(&mut socket);
    Ok(leaf)
}

/// Lenient TLS for showing what a server presents, never for trusting it.
mod danger {
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
    use rustls::{DigitallySignedStruct, Error, SignatureScheme};
    use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

    /// Accepts whatever chain a server presents, as `cfssl certinfo -domain` does
    /// (`InsecureSkipVerify`): the point is to show a certificate that may be self-signed,
    /// expired or from a private CA. The handshake signatures are still verified with the
    /// presented leaf's key, so the leaf shown belongs to the server that answered. Nothing
    /// sent over such a connection is protected: `certinfo` sends nothing.
    #[derive(Debug)]
    pub(super) struct DisplayOnlyServerVerifier {
        algorithms: WebPkiSupportedAlgorithms,
    }

    impl DisplayOnlyServerVerifier {
        /// Verifies handshake signatures with `provider`'s algorithms.
        pub(super) fn new(provider: &CryptoProvider) -> Self {
            Self {
                algorithms: provider.signature_verification_algorithms,
            }
        }
    }

    impl ServerCertVerifier for DisplayOnlyServerVerifier {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.algorithms.supported_schemes()
        }
    }
}

/// cfssl's JSON output: any of `cert`, `csr` and `key`.
#[derive(Deserialize)]
struct CfsslOutput {
    cert: Option<String>,
    csr: Option<String>,
    key: Option<String>,
    // cfssl's API envelope, when the JSON came from `cfssl serve`.
    result: Option<Box<CfsslOutput>>,
}

/// `json -bare NAME` (the cfssljson role).
pub(crate) fn json(
    bare: Option<String>,
    file: Option<&Path>,
    args: &[String],
) -> Result<(), CliError> {
    let mut positional = args.iter().filter(|a| a.as_str() != "-");
    let name = bare
        .or_else(|| positional.next().cloned())
        .ok_or_else(|| CliError::Usage("json needs -bare NAME".into()))?;
    if let Some(extra) = positional.next() {
        return Err(CliError::Usage(format!(
            "json: unexpected argument {extra:?}"
        )));
    }
    let (origin, input) = match file {
        Some(path) => (
            path.display().to_string(),
            std::fs::read(path).map_err(|e| CliError::Input {
                origin: path.display().to_string(),
                reason: e.to_string(),
            })?,
        ),
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| CliError::Input {
                    origin: "<stdin>".into(),
                    reason: e.to_string(),
                })?;
            ("<stdin>".to_owned(), buf)
        }
    };
    let bad = |reason: String| CliError::Input {
        origin: origin.clone(),
        reason,
    };
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(bad(
            "no JSON given (did the command before the pipe fail?)".into()
        ));
    }
    let mut parsed: CfsslOutput =
        serde_json::from_slice(&input).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    if let Some(inner) = parsed.result.take() {
        parsed = *inner;
    }
    if parsed.cert.is_none() && parsed.csr.is_none() && parsed.key.is_none() {
        return Err(bad("the JSON has no \"cert\", \"csr\" or \"key\"".into()));
    }
    let files = bare_files(
        &name,
        parsed.cert.as_deref(),
        parsed.key.as_deref(),
        parsed.csr.as_deref(),
    );
    Ok(write_all_or_nothing(&files)?)
}

/// `print-defaults csr|config`.
pub(crate) fn print_defaults(kind: &str) -> Result<(), CliError> {
    match kind {
        "csr" => crate::print_out(&format!("{}\n", CsrJson::example().to_json()))?,
        "config" => crate::print_out(SigningConfig::example_json())?,
        other => {
            return Err(CliError::Usage(format!(
                "print-defaults: unknown kind {other:?}; valid kinds: csr, config"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_as_cfssl_splits_them() {
        fn ok(d: &str) -> (&str, u16) {
            split_host_port(d).unwrap_or_else(|e| panic!("{d}: {e}"))
        }
        assert_eq!(ok("example.com"), ("example.com", 443));
        assert_eq!(ok("example.com:8443"), ("example.com", 8443));
        assert_eq!(ok("127.0.0.1:4433"), ("127.0.0.1", 4433));
        assert_eq!(ok("[::1]:8443"), ("::1", 8443));
        assert_eq!(ok("[::1]"), ("::1", 443));
        assert_eq!(ok("::1"), ("::1", 443));
        for bad in [
            "",
            ":443",
            "example.com:https",
            "example.com:70000",
            "[::1",
            "[::1]x",
        ] {
            assert!(split_host_port(bad).is_err(), "{bad}");
        }
    }
}
