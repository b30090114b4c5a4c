//! Library code shared by certgate's example binaries.
//!
//! [`money`] is `money-app`, the seed's budget form, as a module tree: the binary only
//! parses flags, opens listeners and waits for a signal, so a server that wants the form
//! behind its own TLS and certgate's gate layer can mount [`money::router`] itself.
#![forbid(unsafe_code)]

pub mod money;
