//! Code shared by certgate's example binaries, their tests and the benches.
//!
//! - [`money`] is `money-app`, the seed's budget form, as a module tree: the binary only
//!   parses flags, opens listeners and waits for a signal, so a server that wants the
//!   form behind its own TLS and certgate's gate layer mounts [`money::router`] itself.
//! - [`lab`] makes the seed's PKI on disk through the libraries (the demo, the gate's
//!   tests and the benches use it); [`demo`] is the demo's client and table of steps.
#![forbid(unsafe_code)]

pub mod demo;
pub mod lab;
pub mod money;
