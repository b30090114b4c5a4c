//! `certgate verify`: like `openssl verify`, for client certificates, with CRLs; prints
//! the verdict and the certificate's fields as JSON (times in RFC 3339, UTC, as
//! `certinfo` and cfssl print them).

use std::path::{Path, PathBuf};

use certgate_ca::certificates_from_pem;
use certgate_verify::{
    ChainVerifier, ClientCertInfo, RevocationPolicy, SanEntry, Usage, store_from_files,
};
use certgate_x509::hex;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::CliError;

/// The flags of `certgate verify`, spelled as `openssl verify` spells them.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// Trusted roots (PEM).
    #[arg(long = "CAfile", value_name = "FILE")]
    ca_file: PathBuf,
    /// Intermediates to build the path with (PEM).
    #[arg(long, value_name = "FILE")]
    untrusted: Vec<PathBuf>,
    /// CRLs (PEM or DER); with any, revocation is checked for the whole chain.
    #[arg(long = "CRLfile", value_name = "FILE")]
    crl_file: Vec<PathBuf>,
    /// What the certificate is for: `client` (clientAuth must be listed) or `server`.
    #[arg(long, default_value = "client")]
    purpose: String,
    /// With -purpose server: the host name or IP address the certificate must be valid for.
    #[arg(long = "verify_hostname", value_name = "NAME")]
    verify_hostname: Option<String>,
    /// The certificate to verify (PEM; the first block).
    cert: PathBuf,
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::Input {
        origin: path.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(certificates_from_pem(&bytes, &path.display().to_string())?
        .into_iter()
        .map(CertificateDer::from)
        .collect())
}

fn input(origin: &str) -> impl FnOnce(certgate_verify::VerifyError) -> CliError + '_ {
    move |e| CliError::Input {
        origin: origin.to_owned(),
        reason: e.to_string(),
    }
}

pub(crate) fn run(args: &VerifyArgs) -> Result<(), CliError> {
    let usage = match args.purpose.as_str() {
        "client" | "sslclient" => Usage::client_auth(),
        "server" | "sslserver" => Usage::server_auth(),
        other => {
            return Err(CliError::Usage(format!(
                "-purpose {other}: expected client or server"
            )));
        }
    };
    let peer_name = match &args.verify_hostname {
        Some(name) if args.purpose.ends_with("server") => Some(
            ServerName::try_from(name.as_str())
                .map_err(|e| CliError::Usage(format!("-verify_hostname {name}: {e}")))?,
        ),
        Some(_) => {
            return Err(CliError::Usage(
                "-verify_hostname is for -purpose server".into(),
            ));
        }
        None => None,
    };
    let anchors = certs(&args.ca_file)?;
    let mut intermediates = Vec::new();
    for path in &args.untrusted {
        intermediates.extend(certs(path)?);
    }
    let ca_origin = args.ca_file.display().to_string();
    let mut builder =
        ChainVerifier::builder(anchors.clone()).with_intermediates(intermediates.clone());
    if !args.crl_file.is_empty() {
        let issuers = anchors.iter().chain(&intermediates).map(|c| c.as_ref());
        let files: Vec<&Path> = args.crl_file.iter().map(PathBuf::as_path).collect();
        let store = store_from_files(issuers, &files).map_err(input("-CRLfile"))?;
        builder = builder.with_revocation(store, RevocationPolicy::default());
    }
    let verifier = builder.build().map_err(input(&ca_origin))?;
    let chain = certs(&args.cert)?;
    let info = verifier.verify_presented(Some(&chain), &usage, peer_name.as_ref(), UnixTime::now());
    crate::print_out(&format!("{}\n", to_json(&info)))?;
    match info.failure_reason() {
        None => Ok(()),
        Some(reason) => Err(CliError::Input {
            origin: args.cert.display().to_string(),
            reason: format!("verification failed: {reason}"),
        }),
    }
}

fn to_json(info: &ClientCertInfo) -> String {
    let sans: Vec<serde_json::Value> = info
        .sans()
        .iter()
        .map(|s| match s {
            SanEntry::Dns(v) => serde_json::json!({"dns": v}),
            SanEntry::Email(v) => serde_json::json!({"email": v}),
            SanEntry::Uri(v) => serde_json::json!({"uri": v}),
            SanEntry::Ip(ip) => serde_json::json!({"ip": ip.to_string()}),
            _ => serde_json::Value::Null,
        })
        .collect();
    let json = serde_json::json!({
        "presented": info.presented(),
        "verified": info.verified(),
        "revoked": info.revoked(),
        "failure_reason": info.failure_reason().map(|r| r.id()),
        "failure_detail": info.failure_reason().map(ToString::to_string),
        "anchor_subject": info.anchor_subject(),
        "subject": info.subject_rfc4514(),
        "subject_rfc2253": info.subject_rfc2253(),
        "issuer": info.issuer_rfc4514(),
        "common_name": info.common_name(),
        "sans": sans,
        "serial": info.serial_hex(),
        "fingerprint_sha256": info.fingerprint_sha256().map(|f| f.to_hex()),
        "fingerprint_sha1": info.fingerprint_sha1().map(|f| f.to_hex()),
        "spki_sha256": info.spki_sha256().map(|f| f.to_hex()),
        "ski": info.ski().map(hex::lower),
        "issuer_key_id": info.issuer_key_id().map(hex::lower),
        "not_before": info.not_before().map(|t| t.to_string()),
        "not_after": info.not_after().map(|t| t.to_string()),
    });
    serde_json::to_string_pretty(&json).unwrap_or_default()
}
