//! The inventory commands: `--db`/`-db-config` on the issuing commands, `revoke`,
//! `list`, `expiring`, `db migrate` and `db import-cfssl`.

use std::io::IsTerminal;
use std::path::PathBuf;

use certgate_db::{
    CertStatus, CertStore, CertificateRow, DbUrl, ListFilter, NewCertificate, RevokeOutcome,
};
use certgate_x509::{KeyId, Serial, Timestamp, hex};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::CliError;

/// The database an issuing command records into: `--db URL` or cfssl's `-db-config FILE`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DbArgs {
    /// Record into this database: sqlite:///abs/path.db, sqlite://relative.db or postgres://...
    #[arg(long, value_name = "URL", conflicts_with = "db_config")]
    db: Option<String>,
    /// cfssl's database configuration: {"driver":"sqlite3"|"postgres","data_source":...}.
    #[arg(long = "db-config", value_name = "FILE")]
    db_config: Option<PathBuf>,
}

impl DbArgs {
    /// The database named, if any.
    pub(crate) fn url(&self) -> Result<Option<DbUrl>, CliError> {
        match (&self.db, &self.db_config) {
            (Some(url), _) => Ok(Some(DbUrl::parse(url)?)),
            (None, Some(file)) => Ok(Some(DbUrl::from_cfssl_db_config_file(file)?)),
            (None, None) => Ok(None),
        }
    }

    /// The database named; `command` needs one.
    fn required(&self, command: &str) -> Result<DbUrl, CliError> {
        self.url()?
            .ok_or_else(|| CliError::Usage(format!("{command} needs --db URL or -db-config FILE")))
    }
}

/// Runs `f` on a runtime of its own: the CLI is synchronous, the store async.
pub(crate) fn block_on<T>(f: impl Future<Output = Result<T, CliError>>) -> Result<T, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the async runtime: {e}")))?
        .block_on(f)
}

/// Records certificates just issued (`profile` is the signing profile used), before any
/// of them is output: when this fails, the caller outputs nothing.
pub(crate) fn record_issued(
    db: &DbArgs,
    ders: &[&[u8]],
    profile: Option<&str>,
) -> Result<(), CliError> {
    let Some(url) = db.url()? else {
        return Ok(());
    };
    let records = ders
        .iter()
        .map(|der| NewCertificate::from_der(der, profile))
        .collect::<Result<Vec<_>, _>>()?;
    block_on(async {
        let store = CertStore::open(&url).await?;
        for chunk in records.chunks(certgate_db::limits::MAX_BATCH) {
            store.record_batch(chunk).await?;
        }
        store.close().await;
        Ok(())
    })
}

/// `certgate revoke`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "SERIAL is hex, with or without colons (0a:1b:..., 0x0a1b), as \
    certgate and OpenSSL print it; with --decimal it is decimal, as cfssl prints it. \
    REASON is an RFC 5280 name (keyCompromise), cfssl's name (keycompromise) or a number."
)]
pub(crate) struct RevokeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The certificate's serial number.
    #[arg(long, value_name = "SERIAL")]
    serial: String,
    /// Read -serial as a decimal number (cfssl's form).
    #[arg(long)]
    decimal: bool,
    /// The issuer's key identifier (the certificate's authority key id), hex.
    #[arg(long, value_name = "HEX")]
    aki: String,
    /// Why: RFC 5280 or cfssl name, or number.
    #[arg(long, value_name = "REASON", default_value = "unspecified")]
    reason: String,
}

pub(crate) fn revoke(args: &RevokeArgs) -> Result<(), CliError> {
    let url = args.db.required("revoke")?;
    let text = args.serial.trim();
    if args.decimal && (text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit())) {
        return Err(CliError::Input {
            origin: "-serial".into(),
            reason: format!("{text:?} is not a decimal number (-decimal)"),
        });
    }
    let serial = Serial::parse(text, args.decimal).map_err(|e| CliError::Input {
        origin: "-serial".into(),
        reason: e.to_string(),
    })?;
    let aki = hex::parse("aki", args.aki.trim()).map_err(|e| CliError::Input {
        origin: "-aki".into(),
        reason: e.to_string(),
    })?;
    let reason = certgate_db::parse_reason(&args.reason)?;
    let outcome = block_on(async {
        let store = CertStore::open(&url).await?;
        let outcome = store
            .revoke(KeyId(&aki), serial.as_ref(), reason, Timestamp::now())
            .await?;
        store.close().await;
        Ok(outcome)
    })?;
    match outcome {
        RevokeOutcome::Revoked => eprintln!("revoked serial {serial} ({})", reason.name()),
        RevokeOutcome::AlreadyRevoked { reason, at } => eprintln!(
            "serial {serial} was already revoked at {at} ({}); nothing changed",
            reason.name()
        ),
    }
    Ok(())
}

/// `certgate list`.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Only this issuer (its key id, hex).
    #[arg(long, value_name = "HEX")]
    issuer: Option<String>,
    /// Only good or only revoked certificates.
    #[arg(long, value_parser = ["good", "revoked"])]
    status: Option<String>,
    /// Only subjects containing this text.
    #[arg(long, value_name = "TEXT")]
    subject: Option<String>,
    /// Only certificates that end within this time from now (30d, 720h).
    #[arg(long, value_name = "DURATION")]
    expiring: Option<String>,
}

/// `certgate expiring --within 30d`: good certificates that end soon.
#[derive(Debug, clap::Args)]
pub(crate) struct ExpiringArgs {
    #[command(flatten)]
    db: DbArgs,
    /// How far ahead to look (30d, 720h).
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    within: String,
}

fn within(flag: &str, value: &str) -> Result<Timestamp, CliError> {
    let d = certgate_ca::cfssl::parse_duration(flag, value)?;
    Ok(Timestamp::from_unix_seconds(
        Timestamp::now()
            .unix_seconds()
            .saturating_add(d.whole_seconds()),
    ))
}

pub(crate) fn list(args: &ListArgs) -> Result<(), CliError> {
    let url = args.db.required("list")?;
    let mut filter = ListFilter::new();
    if let Some(issuer) = &args.issuer {
        let aki = hex::parse("issuer", issuer.trim()).map_err(|e| CliError::Input {
            origin: "--issuer".into(),
            reason: e.to_string(),
        })?;
        filter = filter.with_issuer(KeyId(&aki));
    }
    filter = match args.status.as_deref() {
        Some("good") => filter.with_status(CertStatus::Good),
        Some(_) => filter.with_status(CertStatus::Revoked),
        None => filter,
    };
    if let Some(subject) = &args.subject {
        filter = filter.with_subject_containing(subject);
    }
    if let Some(d) = &args.expiring {
        filter = filter.with_expiring_before(within("--expiring", d)?);
    }
    print_all(&url, filter)
}

pub(crate) fn expiring(args: &ExpiringArgs) -> Result<(), CliError> {
    let url = args.db.required("expiring")?;
    let filter = ListFilter::new()
        .with_status(CertStatus::Good)
        .with_expiring_before(within("--within", &args.within)?);
    print_all(&url, filter)
}

/// Prints every row `filter` selects, one JSON object per line, a page at a time.
fn print_all(url: &DbUrl, filter: ListFilter) -> Result<(), CliError> {
    block_on(async {
        let store = CertStore::open(url).await?;
        let mut filter = filter;
        loop {
            let page = store.list(&filter).await?;
            let mut out = String::new();
            for row in &page.rows {
                out.push_str(&row_json(row).to_string());
                out.push('\n');
            }
            crate::print_out(&out)?;
            match page.next {
                Some(cursor) => filter = filter.after(cursor),
                None => break,
            }
        }
        store.close().await;
        Ok(())
    })
}

fn row_json(row: &CertificateRow) -> serde_json::Value {
    serde_json::json!({
        "serial": row.serial.to_string(),
        "serial_decimal": row.serial.as_ref().to_decimal(),
        "aki": hex::lower(&row.issuer),
        "subject": row.subject,
        "common_name": row.common_name,
        "sans": row.sans,
        "status": row.status.as_str(),
        "reason": row.reason.map(|r| r.name()),
        "revoked_at": row.revoked_at.map(|t| t.to_string()),
        "not_before": row.not_before.to_string(),
        "not_after": row.not_after.to_string(),
        "sha256": row.sha256,
        "profile": row.profile,
    })
}

/// `certgate db ...`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum DbCommand {
    /// Create the schema, or bring it up to this build's version.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Import a cfssl certdb (its certificates table, SQLite or PostgreSQL), keeping
    /// status, reason and revocation time.
    ImportCfssl {
        #[command(flatten)]
        db: DbArgs,
        /// The cfssl certdb: sqlite:///path/certs.db or postgres://...
        #[arg(long, value_name = "URL")]
        from: String,
    },
}

pub(crate) fn db(command: &DbCommand) -> Result<(), CliError> {
    match command {
        DbCommand::Migrate { db } => {
            let url = db.required("db migrate")?;
            block_on(async {
                let store = CertStore::open_and_migrate(&url).await?;
                store.close().await;
                Ok(())
            })?;
            eprintln!(
                "{url}: schema is at version {}",
                certgate_db::SCHEMA_VERSION
            );
            Ok(())
        }
        DbCommand::ImportCfssl { db, from } => {
            let url = db.required("db import-cfssl")?;
            let from = DbUrl::parse(from)?;
            let bar = progress_bar();
            let report = block_on(async {
                let store = CertStore::open(&url).await?;
                let report = store
                    .import_cfssl(&from, |done, total| {
                        bar.set_length(total);
                        bar.set_position(done);
                    })
                    .await?;
                store.close().await;
                Ok(report)
            })?;
            bar.finish_and_clear();
            eprintln!(
                "imported {} certificates ({} revoked); {} already present",
                report.imported, report.revoked, report.already_present
            );
            Ok(())
        }
    }
}

/// A progress bar on a terminal; hidden otherwise.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} imported ({per_sec})") {
        bar.set_style(style);
    }
    bar
}
