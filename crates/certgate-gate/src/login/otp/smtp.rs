//! A small, strict SMTP submission client on tokio-rustls: one message, TLS always.
//!
//! Why ours and not `lettre`: the gate sends one fixed kind of message, and already has
//! tokio, rustls (aws-lc-rs) and tokio-rustls. lettre would add a dozen crates (address
//! and MIME parsers among them) for features the gate must not use (plain text, relays,
//! arbitrary headers). This client says only `EHLO`, `STARTTLS`, `AUTH PLAIN`,
//! `MAIL FROM`, `RCPT TO`, `DATA` and `QUIT`; refuses a server that does not offer
//! STARTTLS (or data sent before the TLS handshake, the STARTTLS injection of
//! CVE-2011-0411); reads replies within [`MAX_REPLY_LINE`] and [`MAX_REPLY_LINES`]; and
//! gives the whole exchange [`SMTP_TIMEOUT`].

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::login::otp::OtpError;
use crate::login::otp::config::{OtpSettings, Secret, SmtpTls};

/// The longest reply line read: RFC 5321 section 4.5.3.1.5 says 512 octets with CRLF.
pub const MAX_REPLY_LINE: usize = 512;
/// The most lines in one reply: an EHLO answer lists a dozen extensions.
pub const MAX_REPLY_LINES: usize = 64;
/// Time to connect to the server.
pub const SMTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time for the whole exchange: RFC 5321's per-command minimums are minutes, but a code
/// mailed later than this is of no use to someone waiting at a login page.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Where in the exchange the server refused, for [`OtpError::Rejected`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpStage {
    /// The greeting.
    Greeting,
    /// `EHLO`.
    Ehlo,
    /// `STARTTLS`.
    StartTls,
    /// `AUTH`: the credentials were refused.
    Auth,
    /// `MAIL FROM`.
    MailFrom,
    /// `RCPT TO`: the recipient was refused.
    RcptTo,
    /// `DATA` or the message.
    Data,
}

impl std::fmt::Display for SmtpStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Greeting => "greeting",
            Self::Ehlo => "EHLO",
            Self::StartTls => "STARTTLS",
            Self::Auth => "AUTH",
            Self::MailFrom => "MAIL FROM",
            Self::RcptTo => "RCPT TO",
            Self::Data => "DATA",
        })
    }
}

/// One message to send: envelope and the whole RFC 5322 text (CRLF line ends).
#[derive(Clone, Debug)]
pub(crate) struct Envelope {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) message: String,
}

/// Sends mail through the configured server.
#[derive(Clone)]
pub(crate) struct Mailer {
    host: String,
    port: u16,
    tls: SmtpTls,
    server_name: ServerName<'static>,
    connector: tokio_rustls::TlsConnector,
    credentials: Option<(String, Secret)>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

struct Reply {
    code: u16,
    lines: Vec<String>,
}

/// A connection with a read buffer.
struct Wire<S> {
    stream: S,
    buf: Vec<u8>,
}

fn io_err(e: std::io::Error) -> OtpError {
    OtpError::Io { source: e }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Wire<S> {
    fn new(stream: S) -> Self {
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    async fn line(&mut self) -> Result<String, OtpError> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return String::from_utf8(line).map_err(|_| OtpError::Protocol);
            }
            if self.buf.len() > MAX_REPLY_LINE {
                return Err(OtpError::Protocol);
            }
            let mut chunk = [0u8; 1024];
            let n = self.stream.read(&mut chunk).await.map_err(io_err)?;
            if n == 0 {
                return Err(OtpError::Closed);
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    async fn reply(&mut self) -> Result<Reply, OtpError> {
        let mut lines = Vec::new();
        loop {
            let line = self.line().await?;
            let bytes = line.as_bytes();
            if bytes.len() < 3 || !bytes[..3].iter().all(u8::is_ascii_digit) {
                return Err(OtpError::Protocol);
            }
            let code: u16 = line[..3].parse().map_err(|_| OtpError::Protocol)?;
            let more = match bytes.get(3) {
                None | Some(b' ') => false,
                Some(b'-') => true,
                Some(_) => return Err(OtpError::Protocol),
            };
            lines.push(line.get(4..).unwrap_or_default().to_owned());
            if !more {
                return Ok(Reply { code, lines });
            }
            if lines.len() >= MAX_REPLY_LINES {
                return Err(OtpError::Protocol);
            }
        }
    }

    async fn send(&mut self, line: &str) -> Result<(), OtpError> {
        self.stream
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .map_err(io_err)?;
        self.stream.flush().await.map_err(io_err)
    }

    /// Sends `line` and expects a reply in `ok`.
    async fn command(
        &mut self,
        line: &str,
        ok: &[u16],
        stage: SmtpStage,
    ) -> Result<Reply, OtpError> {
        self.send(line).await?;
        expect(self.reply().await?, ok, stage)
    }
}

fn expect(reply: Reply, ok: &[u16], stage: SmtpStage) -> Result<Reply, OtpError> {
    if ok.contains(&reply.code) {
        Ok(reply)
    } else {
        Err(OtpError::Rejected {
            stage,
            code: reply.code,
        })
    }
}

/// The extensions an EHLO reply lists (upper case, first word and arguments).
fn has_extension(ehlo: &Reply, name: &str, argument: Option<&str>) -> bool {
    ehlo.lines.iter().skip(1).any(|l| {
        let mut words = l.split_ascii_whitespace();
        words.next().is_some_and(|w| w.eq_ignore_ascii_case(name))
            && argument.is_none_or(|a| words.any(|w| w.eq_ignore_ascii_case(a)))
    })
}

/// The message text made safe for DATA: CRLF line ends and dot-stuffing (RFC 5321
/// section 4.5.2), then the terminating `.`.
fn data_block(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    for line in message.split("\r\n") {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(".\r\n");
    out
}

/// `EHLO` with the connection's own address as an address literal (RFC 5321 section
/// 4.1.3): the gate may have no DNS name of its own, and servers that check the EHLO
/// name accept a literal that matches the connection.
fn ehlo_command(tcp: &TcpStream) -> String {
    match tcp.local_addr().map(|a| a.ip()) {
        Ok(std::net::IpAddr::V4(ip)) => format!("EHLO [{ip}]"),
        Ok(std::net::IpAddr::V6(ip)) => format!("EHLO [IPv6:{ip}]"),
        Err(_) => "EHLO [127.0.0.1]".to_owned(),
    }
}

impl Mailer {
    /// A mailer for the configured server.
    pub(crate) fn new(settings: &OtpSettings) -> Result<Self, OtpError> {
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| OtpError::Tls {
            source: Box::new(e),
        })?
        .with_root_certificates(Arc::clone(&settings.roots))
        .with_no_client_auth();
        let server_name =
            ServerName::try_from(settings.smtp_host.clone()).map_err(|e| OtpError::Tls {
                source: Box::new(e),
            })?;
        Ok(Self {
            host: settings.smtp_host.clone(),
            port: settings.smtp_port,
            tls: settings.tls,
            server_name,
            connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
            credentials: settings.credentials.clone(),
        })
    }

    /// Sends one message, within [`SMTP_TIMEOUT`].
    pub(crate) async fn send(&self, envelope: &Envelope) -> Result<(), OtpError> {
        tokio::time::timeout(SMTP_TIMEOUT, self.exchange(envelope))
            .await
            .map_err(|_| OtpError::Timeout)?
    }

    async fn exchange(&self, envelope: &Envelope) -> Result<(), OtpError> {
        let tcp = tokio::time::timeout(
            SMTP_CONNECT_TIMEOUT,
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| OtpError::Timeout)?
        .map_err(|source| OtpError::Connect { source })?;
        let ehlo = ehlo_command(&tcp);
        let tcp = match self.tls {
            SmtpTls::Tls => tcp,
            SmtpTls::Starttls => self.starttls(tcp, &ehlo).await?,
        };
        let tls = self
            .connector
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| OtpError::Tls {
                source: Box::new(e),
            })?;
        let mut wire = Wire::new(tls);
        if self.tls == SmtpTls::Tls {
            expect(wire.reply().await?, &[220], SmtpStage::Greeting)?;
        }
        let ehlo = wire.command(&ehlo, &[250], SmtpStage::Ehlo).await?;
        self.transact(&mut wire, &ehlo, envelope).await
    }

    /// The plain-text part: greeting, EHLO, STARTTLS. Nothing may follow the 220 that
    /// answers STARTTLS before the handshake.
    async fn starttls(&self, tcp: TcpStream, ehlo: &str) -> Result<TcpStream, OtpError> {
        let mut wire = Wire::new(tcp);
        expect(wire.reply().await?, &[220], SmtpStage::Greeting)?;
        let ehlo = wire.command(ehlo, &[250], SmtpStage::Ehlo).await?;
        if !has_extension(&ehlo, "STARTTLS", None) {
            return Err(OtpError::NoStartTls);
        }
        wire.command("STARTTLS", &[220], SmtpStage::StartTls)
            .await?;
        if !wire.buf.is_empty() {
            return Err(OtpError::Protocol);
        }
        Ok(wire.stream)
    }

    async fn transact<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        wire: &mut Wire<S>,
        ehlo: &Reply,
        envelope: &Envelope,
    ) -> Result<(), OtpError> {
        if let Some((user, Secret(password))) = &self.credentials {
            if !has_extension(ehlo, "AUTH", Some("PLAIN")) {
                return Err(OtpError::NoAuth);
            }
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
            wire.command(&format!("AUTH PLAIN {token}"), &[235], SmtpStage::Auth)
                .await?;
        }
        wire.command(
            &format!("MAIL FROM:<{}>", envelope.from),
            &[250],
            SmtpStage::MailFrom,
        )
        .await?;
        wire.command(
            &format!("RCPT TO:<{}>", envelope.to),
            &[250, 251],
            SmtpStage::RcptTo,
        )
        .await?;
        wire.command("DATA", &[354], SmtpStage::Data).await?;
        wire.stream
            .write_all(data_block(&envelope.message).as_bytes())
            .await
            .map_err(io_err)?;
        wire.stream.flush().await.map_err(io_err)?;
        expect(wire.reply().await?, &[250], SmtpStage::Data)?;
        // The message is accepted; a failed QUIT changes nothing.
        let _ = wire.send("QUIT").await;
        let _ = wire.stream.shutdown().await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_dot_stuffed() {
        assert_eq!(data_block("a\r\n.b\r\n."), "a\r\n..b\r\n..\r\n.\r\n");
    }

    #[tokio::test]
    async fn replies_are_read_strictly() {
        let (client, mut server) = tokio::io::duplex(4096);
        let mut wire = Wire::new(client);
        server
            .write_all(b"250-mail.example Hello\r\n250-STARTTLS\r\n250 AUTH LOGIN PLAIN\r\n")
            .await
            .unwrap();
        let ehlo = wire.reply().await.unwrap();
        assert_eq!(ehlo.code, 250);
        assert!(has_extension(&ehlo, "starttls", None));
        assert!(has_extension(&ehlo, "AUTH", Some("PLAIN")));
        assert!(!has_extension(&ehlo, "AUTH", Some("XOAUTH2")));
        server.write_all(b"25x oops\r\n").await.unwrap();
        assert!(matches!(wire.reply().await, Err(OtpError::Protocol)));
        server.write_all(&[b'2'; MAX_REPLY_LINE + 2]).await.unwrap();
        assert!(matches!(wire.reply().await, Err(OtpError::Protocol)));
    }
}
