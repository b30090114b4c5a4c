//! Typed models of cfssl's JSON files: the CSR JSON (`ca-csr.json`, `client-csr.json`)
//! and the config JSON (`ca-config.json`), with cfssl's defaults and usage table.
//!
//! Where cfssl is silently wrong, these models are strict: unknown keys, profiles and
//! usage strings are errors that list what is valid; `hosts: [""]` adds no empty DNS
//! name; durations also accept `d` and `y`.

mod config;
mod csr_json;
mod duration;
mod hosts;
mod profile;
mod usage;

pub use config::SigningConfig;
pub use csr_json::{CaRequest, CsrJson, KeyRequest, NameJson};
pub use duration::parse_duration;
pub use hosts::{HostName, IpNet, classify_host};
pub use profile::{CaConstraint, NameConstraintsSpec, SigningProfile};
pub use usage::{ExtendedKeyUsage, KeyUsageBit, USAGE_NAMES, Usage, parse_usage};
