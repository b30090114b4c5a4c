//! Code shared by the example binaries, their tests and the benches.
#![forbid(unsafe_code)]

pub mod demo;
pub mod lab;
