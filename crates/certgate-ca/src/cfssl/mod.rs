//! Typed models of cfssl's JSON files: the CSR JSON (`ca-csr.json`, `client-csr.json`)
//! and the config JSON (`ca-config.json`), with cfssl's defaults and usage table; and,
//! beyond cfssl, a CRL configuration in the same style ([`CrlConfig`]).
//!
//! Where cfssl is silently wrong, these models are strict: unknown keys, profiles and
//! usage strings are errors that list what is valid; `hosts: [""]` adds no empty DNS
//! name; durations also accept `d` and `y`.

mod config;
mod crl_config;
mod csr_json;
mod duration;
mod hosts;
mod name_constraints;
mod policy;
mod profile;
mod usage;

pub use config::SigningConfig;
pub use crl_config::{
    CrlConfig, CrlSignerSpec, IssuerEntriesSpec, MAX_CRL_OTHER_ISSUERS, MAX_CRL_URL_LEN,
    MAX_CRL_URLS,
};
pub use csr_json::{CaRequest, CsrJson, KeyRequest, NameJson};
pub use duration::parse_duration;
pub use hosts::{IpNet, SanEntry, classify_host, parse_ip_net};
pub use policy::{
    ANY_POLICY, PolicyConstraintsSpec, PolicyMappingSpec, PolicyQualifier, PolicySpec,
};
pub use profile::{CaConstraint, NameConstraintsSpec, SigningProfile};
pub use usage::{CfsslUsage, KeyPurpose, KeyUsageBit, USAGE_NAMES, parse_usage};
