//! `certgate gencrl`: a CRL for one issuer from the inventory, or cfssl's form from a
//! file of serials.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use certgate_ca::{FileMode, write_atomic};
use certgate_db::CertStore;
use certgate_examples::crl_serve::crl_from_store_with;
use certgate_x509::Timestamp;
use time::OffsetDateTime;

use crate::CliError;
use crate::crl_options::{CrlOptionArgs, CrlOptions, entries, load_issuer, read_serials};
use crate::db::{DbArgs, block_on};

/// cfssl's default CRL lifetime: one week.
const DEFAULT_EXPIRY_SECONDS: i64 = 7 * 24 * 3600;

/// `certgate gencrl`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "With --db: a CRL of the issuer's revoked certificates in the \
    database (only that issuer's), with the next CRL Number from the database, reason \
    codes and revocation times. Without it, cfssl's form: gencrl SERIALS CA CA-KEY \
    [EXPIRY], SERIALS a file of decimal serials, one per line ('-' for standard input), \
    EXPIRY in seconds (default one week); prints the DER in base64 as cfssl does; or \
    gencrl [SERIALS] -ca CA (-ca-key KEY | --crl-signer CERT --crl-signer-key KEY). \
    --config crl.json and the flags after --expiry add a scope, delta CRLs, freshestCRL \
    and other issuers' entries (README: 'CRLs for enterprise PKIs')."
)]
pub(crate) struct GencrlArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The CA certificate (PEM).
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// The CA private key (PEM).
    #[arg(long = "ca-key", value_name = "FILE")]
    ca_key: Option<PathBuf>,
    /// Password of an encrypted CA key: pass:PW, env:VAR or file:PATH.
    #[arg(long = "ca-key-pass", value_name = "SOURCE")]
    ca_key_pass: Option<String>,
    /// How long the CRL is valid (nextUpdate - thisUpdate): 168h, 7d, or seconds.
    #[arg(long, value_name = "DURATION")]
    expiry: Option<String>,
    #[command(flatten)]
    options: CrlOptionArgs,
    /// Write PEM (the default with -out).
    #[arg(long, conflicts_with = "der")]
    pem: bool,
    /// Write DER.
    #[arg(long)]
    der: bool,
    /// Write the CRL to this file (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// cfssl's form: SERIALS CA CA-KEY [EXPIRY]; or SERIALS alone with -ca.
    #[arg(value_name = "ARGS", num_args = 0..=4)]
    positional: Vec<String>,
}

/// Seconds (cfssl) or a duration with a unit; else the configuration's, else a week.
fn expiry_seconds(value: Option<&str>, options: &CrlOptions) -> Result<i64, CliError> {
    let Some(value) = value else {
        return Ok(options
            .config
            .expiry
            .map_or(DEFAULT_EXPIRY_SECONDS, |e| e.whole_seconds()));
    };
    let seconds = match value.parse::<i64>() {
        Ok(s) if s >= 0 => s,
        Ok(_) => return Err(CliError::Usage(format!("expiry {value:?} is negative"))),
        Err(_) => certgate_ca::cfssl::parse_duration("expiry", value)?.whole_seconds(),
    };
    Ok(if seconds == 0 {
        DEFAULT_EXPIRY_SECONDS
    } else {
        seconds
    })
}

fn odt(t: Timestamp) -> Result<OffsetDateTime, CliError> {
    OffsetDateTime::from_unix_timestamp(t.unix_seconds())
        .map_err(|e| CliError::Usage(format!("time out of range: {e}")))
}

pub(crate) fn run(args: &GencrlArgs) -> Result<(), CliError> {
    match args.db.url()? {
        Some(url) => from_db(args, &url),
        None => from_files(args),
    }
}

fn from_db(args: &GencrlArgs, url: &certgate_db::DbUrl) -> Result<(), CliError> {
    if !args.positional.is_empty() {
        return Err(CliError::Usage(
            "gencrl --db takes -ca and -ca-key, not positional arguments".into(),
        ));
    }
    let Some(ca) = &args.ca else {
        return Err(CliError::Usage("gencrl --db needs -ca and -ca-key".into()));
    };
    let now = Timestamp::now();
    let options = args.options.resolve(odt(now)?)?;
    if options.config.number.is_some() {
        return Err(CliError::Usage(
            "gencrl --db numbers its CRLs from the database: --number (or number in \
             --config) cannot be used with it"
                .into(),
        ));
    }
    let issuer = load_issuer(
        ca,
        args.ca_key.as_deref(),
        args.ca_key_pass.as_deref(),
        options.signer.as_ref(),
        args.options.signer_key_pass(),
    )?;
    let seconds = expiry_seconds(args.expiry.as_deref(), &options)?;
    let next = Timestamp::from_unix_seconds(now.unix_seconds().saturating_add(seconds));
    let made = block_on(async {
        let store = CertStore::open(url).await?;
        let made = crl_from_store_with(&store, &issuer, now, next, |b| Ok(options.extend(b))).await;
        store.close().await;
        Ok(made?)
    })?;
    if made.unlisted > 0 {
        eprintln!(
            "certgate: {} revoked negative serial(s) left out of the CRL",
            made.unlisted
        );
    }
    let crl = made.crl;
    output(args, crl.der(), &crl.to_pem(), false)
}

/// Without a database: cfssl's `gencrl SERIALS CA CA-KEY [EXPIRY]`, or `gencrl
/// [SERIALS] -ca CA -ca-key KEY` (or a dedicated CRL signer instead of the CA key).
fn from_files(args: &GencrlArgs) -> Result<(), CliError> {
    let (serials, ca, key, expiry, cfssl) = match args.positional.as_slice() {
        [serials, ca, key, rest @ ..] if args.ca.is_none() && args.ca_key.is_none() => (
            Some(serials.as_str()),
            PathBuf::from(ca),
            Some(PathBuf::from(key)),
            rest.first().map(String::as_str).or(args.expiry.as_deref()),
            true,
        ),
        [] | [_] if args.ca.is_some() => (
            args.positional.first().map(String::as_str),
            args.ca.clone().unwrap_or_default(),
            args.ca_key.clone(),
            args.expiry.as_deref(),
            false,
        ),
        _ => {
            return Err(CliError::Usage(
                "gencrl needs --db URL -ca CA -ca-key KEY, cfssl's SERIALS CA CA-KEY \
                 [EXPIRY], or [SERIALS] -ca CA (-ca-key KEY or --crl-signer CERT \
                 --crl-signer-key KEY)"
                    .into(),
            ));
        }
    };
    let now = Timestamp::now();
    let this_update = odt(now)?;
    let serials = match serials {
        Some(file) => read_serials(Path::new(file), "SERIALS")?,
        None => Vec::new(),
    };
    let options = args.options.resolve(this_update)?;
    let issuer = load_issuer(
        &ca,
        key.as_deref(),
        args.ca_key_pass.as_deref(),
        options.signer.as_ref(),
        args.options.signer_key_pass(),
    )?;
    let seconds = expiry_seconds(expiry, &options)?;
    let next = Timestamp::from_unix_seconds(now.unix_seconds().saturating_add(seconds));
    // Without a database there is no counter: thisUpdate's seconds only grow.
    let number = options
        .config
        .number
        .unwrap_or_else(|| u64::try_from(now.unix_seconds()).unwrap_or(0));
    let builder = issuer
        .crl(number, this_update, odt(next)?)
        .with_entries(entries(&serials, this_update, None));
    let crl = options.extend(builder).build()?;
    output(args, crl.der(), &crl.to_pem(), cfssl)
}

/// Writes the CRL to -out (PEM unless --der) or standard output (PEM, DER with --der;
/// base64 DER in cfssl's form, as cfssl prints it).
fn output(args: &GencrlArgs, der: &[u8], pem: &str, cfssl: bool) -> Result<(), CliError> {
    if let Some(path) = &args.out {
        let bytes = if args.der {
            der.to_vec()
        } else {
            pem.as_bytes().to_vec()
        };
        return Ok(write_atomic(path, &bytes, FileMode::Public)?);
    }
    if args.der {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        return out
            .write_all(der)
            .and_then(|()| out.flush())
            .map_err(|e| CliError::Input {
                origin: "<stdout>".into(),
                reason: e.to_string(),
            });
    }
    if cfssl && !args.pem {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        return crate::print_out(&format!("{b64}\n"));
    }
    crate::print_out(pem)
}
