//! Access-style policies for mTLS client certificates.
#![forbid(unsafe_code)]

mod compile;
mod config;
mod decision;
mod der;
mod domain;
mod error;
mod eval;
mod explain;
mod lint;
mod model;
mod request;
mod values;

pub use compile::PolicySet;
pub use config::{ConfigFormat, MAX_CONFIG_BYTES};
pub use decision::{CertificateStatus, Decision, Outcome, Reason};
pub use domain::{MAX_PATH_LEN, PathProblem};
pub use error::PolicyError;
pub use explain::{Explanation, Note, PolicyTrace, RuleTrace};
pub use lint::{Lint, LintKind};
pub use model::{
    Application, NameMatch, Policy, PolicyConfig, PolicyDecision, Rule, RuleGroup, ServiceToken,
    SessionDuration, TokenSecret,
};
pub use request::{Identity, Request, ServiceTokenHeaders};
