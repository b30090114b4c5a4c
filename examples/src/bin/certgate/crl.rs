//! `certgate gencrl`: a CRL for one issuer from the inventory, or cfssl's form from a
//! file of serials.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use certgate_ca::{CertificateAuthority, FileMode, RevocationReason, RevokedEntry, write_atomic};
use certgate_db::CertStore;
use certgate_examples::crl_serve::{CrlIssuer, crl_from_store};
use certgate_x509::{Serial, Timestamp};
use time::OffsetDateTime;

use crate::CliError;
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
    EXPIRY in seconds (default one week); prints the DER in base64 as cfssl does."
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
    /// Write PEM (the default with -out).
    #[arg(long, conflicts_with = "der")]
    pem: bool,
    /// Write DER.
    #[arg(long)]
    der: bool,
    /// Write the CRL to this file (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// cfssl's form: SERIALS CA CA-KEY [EXPIRY].
    #[arg(value_name = "ARGS", num_args = 0..=4)]
    positional: Vec<String>,
}

/// Seconds (cfssl) or a duration with a unit.
fn expiry_seconds(value: Option<&str>) -> Result<i64, CliError> {
    let Some(value) = value else {
        return Ok(DEFAULT_EXPIRY_SECONDS);
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

fn load_ca(ca: &Path, key: &Path, pass: Option<&str>) -> Result<CertificateAuthority, CliError> {
    let password = pass
        .map(|spec| crate::issue::password(spec, "-ca-key-pass"))
        .transpose()?;
    Ok(CertificateAuthority::load(ca, key, password.as_ref())?)
}

fn odt(t: Timestamp) -> Result<OffsetDateTime, CliError> {
    OffsetDateTime::from_unix_timestamp(t.unix_seconds())
        .map_err(|e| CliError::Usage(format!("time out of range: {e}")))
}

pub(crate) fn run(args: &GencrlArgs) -> Result<(), CliError> {
    match args.db.url()? {
        Some(url) => from_db(args, &url),
        None => cfssl_form(args),
    }
}

fn from_db(args: &GencrlArgs, url: &certgate_db::DbUrl) -> Result<(), CliError> {
    if !args.positional.is_empty() {
        return Err(CliError::Usage(
            "gencrl --db takes -ca and -ca-key, not positional arguments".into(),
        ));
    }
    let (Some(ca), Some(ca_key)) = (&args.ca, &args.ca_key) else {
        return Err(CliError::Usage("gencrl --db needs -ca and -ca-key".into()));
    };
    let ca = load_ca(ca, ca_key, args.ca_key_pass.as_deref())?;
    let seconds = expiry_seconds(args.expiry.as_deref())?;
    let now = Timestamp::now();
    let next = Timestamp::from_unix_seconds(now.unix_seconds().saturating_add(seconds));
    let made = block_on(async {
        let store = CertStore::open(url).await?;
        let made = crl_from_store(&store, &CrlIssuer::from(ca), now, next).await;
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

/// cfssl's `gencrl SERIALS CA CA-KEY [EXPIRY]`.
fn cfssl_form(args: &GencrlArgs) -> Result<(), CliError> {
    let [serials, ca, key, rest @ ..] = args.positional.as_slice() else {
        return Err(CliError::Usage(
            "gencrl needs --db URL -ca CA -ca-key KEY, or cfssl's SERIALS CA CA-KEY [EXPIRY]"
                .into(),
        ));
    };
    let text = if serials == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| CliError::Input {
            origin: "<stdin>".into(),
            reason: e.to_string(),
        })?
    } else {
        std::fs::read_to_string(serials).map_err(|e| CliError::Input {
            origin: serials.clone(),
            reason: e.to_string(),
        })?
    };
    let now = Timestamp::now();
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        // cfssl reads decimal and silently drops what it cannot read; we refuse it.
        let serial = Serial::parse(line, true)
            .ok()
            .filter(|_| line.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| CliError::Input {
                origin: format!("{serials}:{}", i + 1),
                reason: format!("{line:?} is not a decimal serial number"),
            })?;
        let magnitude = serial.as_ref().magnitude().unwrap_or_default().to_vec();
        entries.push(RevokedEntry {
            serial: magnitude,
            revoked_at: odt(now)?,
            reason: None::<RevocationReason>,
        });
    }
    let ca = load_ca(Path::new(ca), Path::new(key), args.ca_key_pass.as_deref())?;
    let seconds = expiry_seconds(rest.first().map(String::as_str).or(args.expiry.as_deref()))?;
    let next = Timestamp::from_unix_seconds(now.unix_seconds().saturating_add(seconds));
    // Without a database there is no counter: thisUpdate's seconds only grow.
    let number = u64::try_from(now.unix_seconds()).unwrap_or(0);
    let crl = ca
        .crl(number, odt(now)?, odt(next)?)
        .with_entries(entries)
        .build()?;
    output(args, crl.der(), &crl.to_pem(), true)
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
