//! `certgate limbo FILE.json`: runs every case of an x509-limbo file through
//! certgate-verify's usage-generic `verify_chain` and prints the results as x509-limbo's
//! harness JSON: `{"version":1,"harness":"certgate","results":[{"id","actual_result","context"}]}`.
//!
//! Cases with a `pedantic-*` feature test what a CA must do rather than what a relying
//! party must check: they run with `Rfc5280Rules::Strict`, as do the cases named with
//! `--strict-case` (x509-limbo tests some of the CA's duties without that feature); the
//! rest run with the verifier's defaults.

use std::path::PathBuf;

use certgate_verify::{
    ChainVerifier, KeyPurpose, KeyUsageBit, RevocationPolicy, RevocationStore, Rfc5280Rules, Usage,
    check_trust_anchor,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use serde::Deserialize;

use crate::CliError;

/// The features whose cases are skipped: what certgate does not implement (the Public
/// Suffix List).
const SKIPPED_FEATURES: [&str; 1] = ["pedantic-public-suffix-wildcard"];

/// The prefix of the features of cases that test the CA's duties.
const PEDANTIC: &str = "pedantic-";

/// The flags of `certgate limbo`.
#[derive(Debug, clap::Args)]
pub(crate) struct LimboArgs {
    /// An x509-limbo test file (`limbo.json`).
    file: PathBuf,
    /// Runs the case with this id with the strict RFC 5280 rules (the CA's duties too),
    /// as cases with a `pedantic-*` feature are; may be given several times.
    #[arg(long = "strict-case", value_name = "ID")]
    strict_cases: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Limbo {
    testcases: Vec<Testcase>,
}

#[derive(Debug, Deserialize)]
struct PeerName {
    kind: String,
    value: String,
}

#[derive(Debug, Deserialize)]
struct Testcase {
    id: String,
    #[serde(default)]
    features: Option<Vec<String>>,
    #[serde(default)]
    trusted_certs: Vec<String>,
    #[serde(default)]
    untrusted_intermediates: Vec<String>,
    peer_certificate: String,
    #[serde(default)]
    validation_time: Option<String>,
    #[serde(default)]
    key_usage: Vec<String>,
    #[serde(default)]
    extended_key_usage: Vec<String>,
    #[serde(default)]
    expected_peer_name: Option<PeerName>,
    #[serde(default)]
    max_chain_depth: Option<usize>,
    #[serde(default)]
    crls: Vec<String>,
    #[serde(default)]
    signature_algorithms: Vec<String>,
    validation_kind: String,
}

/// One case's outcome: `SUCCESS`, `FAILURE` or `SKIPPED`, and why.
type Outcome = (&'static str, String);

pub(crate) fn run(args: &LimboArgs) -> Result<(), CliError> {
    let origin = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).map_err(|e| CliError::Input {
        origin: origin.clone(),
        reason: e.to_string(),
    })?;
    let limbo: Limbo = serde_json::from_slice(&bytes).map_err(|e| CliError::Input {
        origin: origin.clone(),
        reason: format!("not an x509-limbo file: {e}"),
    })?;
    let results: Vec<serde_json::Value> = limbo
        .testcases
        .iter()
        .map(|case| {
            let strict = args.strict_cases.contains(&case.id)
                || case
                    .features
                    .iter()
                    .flatten()
                    .any(|f| f.starts_with(PEDANTIC));
            let rules = if strict {
                Rfc5280Rules::Strict
            } else {
                Rfc5280Rules::RelyingParty
            };
            let (actual, context) = evaluate(case, rules);
            serde_json::json!({"id": case.id, "actual_result": actual, "context": context})
        })
        .collect();
    let out = serde_json::json!({"version": 1, "harness": "certgate", "results": results});
    crate::print_out(&format!("{out}\n"))
}

fn certs(pems: &[String], what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let mut out = Vec::new();
    for pem in pems {
        let ders =
            certgate_ca::certificates_from_pem(pem.as_bytes(), what).map_err(|e| e.to_string())?;
        out.extend(ders.into_iter().map(CertificateDer::from));
    }
    Ok(out)
}

fn key_purpose(name: &str) -> Result<KeyPurpose, String> {
    Ok(match name {
        "serverAuth" => KeyPurpose::ServerAuth,
        "clientAuth" => KeyPurpose::ClientAuth,
        "codeSigning" => KeyPurpose::CodeSigning,
        "emailProtection" => KeyPurpose::EmailProtection,
        "timeStamping" => KeyPurpose::TimeStamping,
        "OCSPSigning" => KeyPurpose::OcspSigning,
        "anyExtendedKeyUsage" => KeyPurpose::Any,
        other => return Err(format!("unknown extended key usage {other}")),
    })
}

fn key_usage_bit(name: &str) -> Result<KeyUsageBit, String> {
    Ok(match name {
        "digitalSignature" => KeyUsageBit::DigitalSignature,
        "contentCommitment" | "nonRepudiation" => KeyUsageBit::ContentCommitment,
        "keyEncipherment" => KeyUsageBit::KeyEncipherment,
        "dataEncipherment" => KeyUsageBit::DataEncipherment,
        "keyAgreement" => KeyUsageBit::KeyAgreement,
        "keyCertSign" => KeyUsageBit::KeyCertSign,
        "cRLSign" => KeyUsageBit::CrlSign,
        "encipherOnly" => KeyUsageBit::EncipherOnly,
        "decipherOnly" => KeyUsageBit::DecipherOnly,
        other => return Err(format!("unknown key usage {other}")),
    })
}

fn validation_time(case: &Testcase) -> Result<UnixTime, String> {
    let Some(text) = &case.validation_time else {
        return Ok(UnixTime::now());
    };
    let t = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("validation_time {text}: {e}"))?;
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| format!("validation_time {text}: before 1970"))?;
    Ok(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        secs,
    )))
}

fn evaluate(case: &Testcase, rules: Rfc5280Rules) -> Outcome {
    if let Some(feature) = case
        .features
        .iter()
        .flatten()
        .find(|f| SKIPPED_FEATURES.contains(&f.as_str()))
    {
        return ("SKIPPED", format!("feature {feature} is not implemented"));
    }
    if !case.signature_algorithms.is_empty() {
        return (
            "SKIPPED",
            "signature_algorithms restrictions are not implemented".into(),
        );
    }
    match verify(case, rules) {
        Ok(()) => ("SUCCESS", String::new()),
        Err(context) => ("FAILURE", context),
    }
}

fn verify(case: &Testcase, rules: Rfc5280Rules) -> Result<(), String> {
    let now = validation_time(case)?;
    let leaf = certs(
        std::slice::from_ref(&case.peer_certificate),
        "peer_certificate",
    )?
    .into_iter()
    .next()
    .ok_or("peer_certificate: no certificate")?;
    let intermediates = certs(&case.untrusted_intermediates, "untrusted_intermediates")?;
    let mut anchors = Vec::new();
    let mut refused = Vec::new();
    for der in certs(&case.trusted_certs, "trusted_certs")? {
        match check_trust_anchor(&der, now, rules) {
            Ok(_) => anchors.push(der),
            Err(why) => refused.push(why.to_string()),
        }
    }
    if anchors.is_empty() {
        return Err(format!("no usable trust anchor: {}", refused.join("; ")));
    }
    // With no usage listed, the one the validation kind implies, where present (as
    // RFC 5280 reads a missing extendedKeyUsage, and as intermediates restrict it).
    let mut usage = if case.extended_key_usage.is_empty() {
        match case.validation_kind.as_str() {
            "CLIENT" => Usage::required([KeyPurpose::ClientAuth]).allowing_leaf_without_eku(),
            _ => Usage::server_auth(),
        }
    } else {
        Usage::required(
            case.extended_key_usage
                .iter()
                .map(|n| key_purpose(n))
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    for name in &case.key_usage {
        usage = usage.with_key_usage(key_usage_bit(name)?);
    }
    let mut builder = ChainVerifier::builder(anchors.clone())
        .with_check_time(now)
        .with_rfc5280_rules(rules);
    if let Some(max) = case.max_chain_depth {
        builder = builder.with_max_intermediates(max);
    }
    if !case.crls.is_empty() {
        let issuers: Vec<&[u8]> = anchors
            .iter()
            .chain(&intermediates)
            .map(|c| c.as_ref())
            .collect();
        let mut store = RevocationStore::builder(issuers).map_err(|e| e.to_string())?;
        for (i, pem) in case.crls.iter().enumerate() {
            store = store
                .with_crls(pem.as_bytes(), &format!("crls[{i}]"))
                .map_err(|e| e.to_string())?;
        }
        let store = store.build().map_err(|e| e.to_string())?;
        builder = builder.with_revocation(store, RevocationPolicy::default());
    }
    let verifier = builder.build().map_err(|e| e.to_string())?;
    let peer_name = match (&case.validation_kind[..], &case.expected_peer_name) {
        ("SERVER", Some(name)) if name.kind == "DNS" || name.kind == "IP" => Some(
            ServerName::try_from(name.value.as_str())
                .map_err(|e| format!("expected_peer_name {}: {e}", name.value))?,
        ),
        ("SERVER", Some(name)) => {
            return Err(format!("peer name of kind {} is not supported", name.kind));
        }
        _ => None,
    };
    verifier
        .verify_chain(&leaf, &intermediates, &usage, peer_name.as_ref(), now)
        .map(|_| ())
        .map_err(|reason| reason.to_string())
}
