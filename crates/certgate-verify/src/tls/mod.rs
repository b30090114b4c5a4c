//! The rustls glue: what rustls' traits ask of a server that verifies client
//! certificates.
//!
//! [`verifier`] is [`ClientVerifier`](crate::ClientVerifier), rustls'
//! `server::danger::ClientCertVerifier` over the path and revocation checks (enforce in
//! the handshake, or report to the application); [`memo`] keeps the verdict a handshake
//! reached until the application reads it; [`host`] chooses a `ServerConfig` by SNI
//! (`server::ResolvesServerCert`, per-host trust); [`resumption`] ties resumed sessions
//! to the CRLs in force (`server::StoresServerSessions`, `server::ProducesTickets`).

pub(crate) mod host;
pub(crate) mod memo;
pub(crate) mod resumption;
pub(crate) mod verifier;
