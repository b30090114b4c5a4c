//! The commands that read rather than issue: `certinfo`, `json`, `print-defaults`.

use std::io::Read;
use std::path::Path;

use certgate_ca::cfssl::{CsrJson, SigningConfig};
use certgate_ca::{CertificateRequest, CfsslCertInfo, bare_files, write_all_or_nothing};
use serde::Deserialize;

use crate::CliError;

/// `certinfo -cert F` or `certinfo -csr F`.
pub(crate) fn certinfo(cert: Option<&Path>, csr: Option<&Path>) -> Result<(), CliError> {
    match (cert, csr) {
        (Some(cert), _) => {
            crate::print_out(&format!(
                "{}\n",
                CfsslCertInfo::from_pem_file(cert)?.to_json()
            ))?;
        }
        (None, Some(csr)) => {
            let request = CertificateRequest::from_pem_file(csr)?;
            let info = serde_json::json!({
                "subject": request.subject(),
                "sans": request.hosts().iter().map(ToString::to_string).collect::<Vec<_>>(),
                "key_algorithm": request.key_spec().algo(),
                "key_size": request.key_spec().size(),
            });
            let json = serde_json::to_string_pretty(&info).unwrap_or_default();
            crate::print_out(&format!("{json}\n"))?;
        }
        (None, None) => {
            return Err(CliError::Usage(
                "certinfo needs -cert FILE or -csr FILE".into(),
            ));
        }
    }
    Ok(())
}

/// cfssl's JSON output: any of `cert`, `csr` and `key`.
#[derive(Deserialize)]
struct CfsslOutput {
    cert: Option<String>,
    csr: Option<String>,
    key: Option<String>,
    // cfssl's API envelope, when the JSON came from `cfssl serve`.
    result: Option<Box<CfsslOutput>>,
}

/// `json -bare NAME` (the cfssljson role).
pub(crate) fn json(
    bare: Option<String>,
    file: Option<&Path>,
    args: &[String],
) -> Result<(), CliError> {
    let mut positional = args.iter().filter(|a| a.as_str() != "-");
    let name = bare
        .or_else(|| positional.next().cloned())
        .ok_or_else(|| CliError::Usage("json needs -bare NAME".into()))?;
    if let Some(extra) = positional.next() {
        return Err(CliError::Usage(format!(
            "json: unexpected argument {extra:?}"
        )));
    }
    let (origin, input) = match file {
        Some(path) => (
            path.display().to_string(),
            std::fs::read(path).map_err(|e| CliError::Input {
                origin: path.display().to_string(),
                reason: e.to_string(),
            })?,
        ),
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| CliError::Input {
                    origin: "<stdin>".into(),
                    reason: e.to_string(),
                })?;
            ("<stdin>".to_owned(), buf)
        }
    };
    let bad = |reason: String| CliError::Input {
        origin: origin.clone(),
        reason,
    };
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(bad(
            "no JSON given (did the command before the pipe fail?)".into()
        ));
    }
    let mut parsed: CfsslOutput =
        serde_json::from_slice(&input).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    if let Some(inner) = parsed.result.take() {
        parsed = *inner;
    }
    if parsed.cert.is_none() && parsed.csr.is_none() && parsed.key.is_none() {
        return Err(bad("the JSON has no \"cert\", \"csr\" or \"key\"".into()));
    }
    let files = bare_files(
        &name,
        parsed.cert.as_deref(),
        parsed.key.as_deref(),
        parsed.csr.as_deref(),
    );
    Ok(write_all_or_nothing(&files)?)
}

/// `print-defaults csr|config`.
pub(crate) fn print_defaults(kind: &str) -> Result<(), CliError> {
    match kind {
        "csr" => crate::print_out(&format!("{}\n", CsrJson::example().to_json()))?,
        "config" => crate::print_out(SigningConfig::example_json())?,
        other => {
            return Err(CliError::Usage(format!(
                "print-defaults: unknown kind {other:?}; valid kinds: csr, config"
            )));
        }
    }
    Ok(())
}
