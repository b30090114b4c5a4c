//! `certgate crl serve`: each issuer's CRL made from the database on a schedule, written
//! to disk and served over HTTP (see `certgate_examples::crl_serve`).

use std::path::PathBuf;

use crate::CliError;

/// `certgate crl ...`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum CrlCommand {
    /// Keep each issuer's CRL fresh from the database and serve it over HTTP.
    #[command(
        after_help = "The configuration (TOML, unknown keys refused) names the listen \
        address, the database (as --db), the output directory and, per issuer, the CA \
        certificate, the signing key, the URL path, validity and refresh_before; see the \
        README. SIGTERM stops gracefully; SIGHUP reloads the configuration."
    )]
    Serve {
        /// The configuration file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
}

pub(crate) fn run(command: &CrlCommand) -> Result<(), CliError> {
    match command {
        CrlCommand::Serve { config } => serve(config),
    }
}

fn serve(config: &std::path::Path) -> Result<(), CliError> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CERTGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the async runtime: {e}")))?
        .block_on(certgate_examples::crl_serve::run(config))?;
    Ok(())
}
