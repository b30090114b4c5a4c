//! certgate-gate: the gate as a library. mTLS in front of any HTTP app, as Cloudflare
//! Access does it, run by yourself: client certificates verified once per handshake by
//! certgate-verify (CRLs reloaded live, revocation effective on the next request of an
//! open connection), each request decided by certgate-policy, identity forwarded to the
//! origin in headers a client cannot forge.
//!
//! Two ways in:
//! - **Embedded**: [`GateLayer`] is a tower layer for an axum or hyper service;
//!   [`serve_mtls`] serves it over TLS with the connection's certificate in every
//!   request's extensions ([`ConnectionInfo`]); allowed requests carry a [`GateDecision`].
//! - **The gate**: [`Gate`] reads a TOML configuration ([`GateConfig`]: hosts by SNI,
//!   trust, policies, origins, limits), proxies to the origin, logs one structured line
//!   per decision, exports Prometheus metrics, reloads changed files without a restart
//!   and shuts down gracefully. The `certgate-gate` binary in `examples/` is a thin shell
//!   over it.
//!
//! ```no_run
//! # async fn run() -> Result<(), certgate_gate::GateError> {
//! let gate = certgate_gate::Gate::load("gate.toml")?;
//! let bound = gate.bind().await?;
//! gate.serve(bound, async { let _ = tokio::signal::ctrl_c().await; }).await;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod access;
mod activity;
pub mod config;
mod conn;
mod crl_db;
mod crl_fetch;
mod decide;
mod embed;
mod error;
mod files;
mod gate;
pub mod headers;
mod host;
pub mod login;
mod metrics;
mod origin_pool;
mod pages;
mod proxy;
mod reload;
mod server;
pub mod session;

pub use access::{AccessIdentity, Jwks, verify_assertion};
pub use config::{GateConfig, Limits};
pub use conn::ConnectionInfo;
pub use crl_fetch::MAX_CRL_FETCH_BYTES;
pub use decide::{
    Denial, GateBody, GateDecision, GateLayer, GateService, PolicyHandle, decide_request,
    request_host, request_id,
};
pub use embed::serve_mtls;
pub use error::{ConfigProblem, GateError, PemProblem};
pub use files::MAX_PEM_FILE_BYTES;
pub use gate::{Bound, Gate};
pub use host::{HostState, Runtime};
pub use metrics::Metrics;
pub use pages::{DenyClass, page};
pub use proxy::Origin;
pub use server::GateResponse;
pub use session::{IssuedSession, SessionIssuer, SessionKeys, TokenError};
