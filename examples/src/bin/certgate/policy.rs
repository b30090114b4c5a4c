//! `certgate policy check` and `certgate policy explain`: lint a policy file, and decide
//! a request against it with the trace of every policy tried.
//!
//! Exit codes of `check`: 0 clean, 1 warnings (printed), 2 errors (`CliError::WithCode`).
//! Exit codes of `explain`, as `openssl verify`'s: 0 let in, 1 kept out, 2 errors.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use certgate_ca::certificates_from_pem;
use certgate_policy::{Identity, PolicySet, Request};
use certgate_verify::{ClientCertInfo, FailureReason, Verdict};

use crate::CliError;

/// The `policy` subcommands.
#[derive(Debug, clap::Args)]
pub(crate) struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PolicyCommand {
    /// Parse and lint a policy file (TOML, JSON, or Cloudflare Access API JSON).
    #[command(after_help = "Exit status: 0 clean, 1 warnings (printed), 2 errors.")]
    Check {
        /// The policy file.
        file: PathBuf,
    },
    /// Decide one request and print the decision with the trace of every policy tried.
    #[command(after_help = "Exit status: 0 let in (allow or bypass), 1 kept out (deny), 2 errors.")]
    Explain(Box<ExplainArgs>),
}

#[derive(Debug, clap::Args)]
struct ExplainArgs {
    /// The policy file.
    file: PathBuf,
    /// The request's host.
    #[arg(long)]
    host: String,
    /// The request's path.
    #[arg(long, default_value = "/")]
    path: String,
    /// The HTTP method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// The client certificate (PEM, the first one); alone, presented but not verified.
    #[arg(long, value_name = "C.pem")]
    cert: Option<PathBuf>,
    /// The certificate's chain was verified and it is not revoked.
    #[arg(long, requires = "cert", conflicts_with = "cert_error")]
    chain_verified: bool,
    /// The certificate was refused: revoked, expired, not-yet-valid, unknown-ca,
    /// revocation-unknown, crl-expired, bad-signature, wrong-usage, name-mismatch,
    /// malformed or other.
    #[arg(long, requires = "cert", value_name = "REASON")]
    cert_error: Option<String>,
    /// The peer's IP address.
    #[arg(long, value_name = "A")]
    ip: Option<IpAddr>,
    /// A logged-in identity's email address (as a trusted login proxy would pass it).
    #[arg(long, value_name = "E")]
    email: Option<String>,
    /// The identity's groups (with --email; repeat or separate with commas).
    #[arg(long, value_name = "G", requires = "email", value_delimiter = ',')]
    group: Vec<String>,
    /// Service-token headers: CF-Access-Client-Id and CF-Access-Client-Secret.
    #[arg(long, value_name = "ID:SECRET")]
    service_token: Option<String>,
    /// Print the decision and the trace as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &PolicyArgs) -> Result<(), CliError> {
    match &args.command {
        PolicyCommand::Check { file } => check(file),
        PolicyCommand::Explain(args) => explain(args),
    }
}

fn check(file: &Path) -> Result<(), CliError> {
    let set = PolicySet::from_file(file).map_err(|e| CliError::WithCode {
        code: 2,
        message: e.to_string(),
    })?;
    let lints = set.lint();
    let config = set.config();
    let policies: usize = config.applications.iter().map(|a| a.policies.len()).sum();
    let mut out = String::new();
    for lint in &lints {
        out.push_str(&format!("{lint}\n"));
    }
    out.push_str(&format!(
        "{}: {} applications, {policies} policies, {} warnings\n",
        file.display(),
        config.applications.len(),
        lints.len()
    ));
    crate::print_out(&out)?;
    if lints.is_empty() {
        Ok(())
    } else {
        Err(CliError::Input {
            origin: file.display().to_string(),
            reason: format!("{} warnings", lints.len()),
        })
    }
}

fn input(origin: &Path) -> impl FnOnce(String) -> CliError + '_ {
    move |reason| CliError::Input {
        origin: origin.display().to_string(),
        reason,
    }
}

fn load_cert(args: &ExplainArgs, path: &Path) -> Result<ClientCertInfo, CliError> {
    let bytes = std::fs::read(path).map_err(|e| input(path)(e.to_string()))?;
    let der = certificates_from_pem(&bytes, &path.display().to_string())?
        .into_iter()
        .next()
        .ok_or_else(|| input(path)("no certificate".into()))?;
    let info = ClientCertInfo::from_der(&der).map_err(|e| input(path)(e.to_string()))?;
    let verdict = match (&args.cert_error, args.chain_verified) {
        (Some(reason), _) => Verdict::Failed(FailureReason::from_id(reason).ok_or_else(|| {
            CliError::Usage(format!(
                "--cert-error {reason}: expected revoked, expired, not-yet-valid, unknown-ca, \
                 revocation-unknown, crl-expired, bad-signature, wrong-usage, name-mismatch, \
                 malformed or other"
            ))
        })?),
        (None, true) => Verdict::Verified {
            anchor_subject: "(asserted with --chain-verified)".into(),
        },
        (None, false) => Verdict::Unverified,
    };
    Ok(certgate_verify::danger::assert_verdict(info, verdict))
}

/// The exit code of `explain` when the request is kept out; errors exit 2.
const KEPT_OUT: u8 = 1;
/// The exit code of `explain` on an error (a file, a flag): never 0 or 1, which answer.
const EXPLAIN_ERROR: u8 = 2;

/// `explain`: prints the decision; exits 0 let in, 1 kept out, 2 on any error.
fn explain(args: &ExplainArgs) -> Result<(), CliError> {
    let kept_out = explain_and_print(args).map_err(|e| match e {
        CliError::WithCode { .. } => e,
        other => CliError::WithCode {
            code: EXPLAIN_ERROR,
            message: other.to_string(),
        },
    })?;
    match kept_out {
        None => Ok(()),
        Some(reason) => Err(CliError::WithCode {
            code: KEPT_OUT,
            message: format!("kept out: {reason}"),
        }),
    }
}

/// Decides and prints; when the request is kept out, why.
fn explain_and_print(args: &ExplainArgs) -> Result<Option<String>, CliError> {
    let set = PolicySet::from_file(&args.file).map_err(|e| CliError::Usage(e.to_string()))?;
    let cert = args
        .cert
        .as_deref()
        .map(|p| load_cert(args, p))
        .transpose()?;
    let identity = args
        .email
        .as_ref()
        .map(|e| {
            Identity::new(e.as_str(), "command-line")
                .map(|id| id.with_groups(args.group.iter().cloned()))
                .map_err(|e| CliError::Usage(format!("--email: {e}")))
        })
        .transpose()?;
    let mut req = Request::new(&args.host, &args.path).with_method(&args.method);
    if let Some(c) = &cert {
        req = req.with_cert(c);
    }
    if let Some(ip) = args.ip {
        req = req.with_peer_ip(ip);
    }
    if let Some(id) = &identity {
        req = req.with_identity(id);
    }
    if let Some(token) = &args.service_token {
        let (id, secret) = token.split_once(':').ok_or_else(|| {
            CliError::Usage(format!("--service-token {token}: expected ID:SECRET"))
        })?;
        req = req.with_service_token(id, secret);
    }
    let explanation = set.explain(&req);
    if args.json {
        crate::print_out(&format!("{}\n", explanation.to_json()))?;
    } else {
        crate::print_out(&explanation.to_string())?;
    }
    let decision = &explanation.decision;
    Ok((!decision.outcome.lets_in()).then(|| decision.reason.to_string()))
}
