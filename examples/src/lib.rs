//! Code shared by certgate's example binaries, their tests and the benches.
//!
//! - [`money`] is `money-app`, the seed's budget form, as a module tree: the binary only
//!   parses flags, opens listeners and waits for a signal, so a server that wants the
//!   form behind its own TLS and certgate's gate layer mounts [`money::router`] itself.
//! - [`crl_serve`] is the HTTP side of `certgate crl serve`: each issuer's CRL at its
//!   distribution point, with ETag, Last-Modified and conditional GETs.
//! - [`lab`] makes the seed's PKI on disk through the libraries (the demo, the gate's
//!   tests and the benches use it); [`demo`] is the demo's client and table of steps.
#![forbid(unsafe_code)]

pub mod crl_serve;
pub mod demo;
pub mod lab;
pub mod money;
