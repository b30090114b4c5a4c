//! `certgate`: a cfssl-compatible command line for certgate-ca.
//!
//! `certgate` stands in for `cfssl` and `certgate json` for `cfssljson` in the usual
//! pipelines (`certgate genkey -initca ca-csr.json | certgate json -bare ca`); cfssl's
//! single-dash flags work as they are.

mod args;
mod crl;
mod crl_options;
mod crl_serve;
mod db;
mod issue;
mod limbo;
mod pkcs12;
mod policy;
mod tools;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use certgate_ca::CaError;
use clap::{Parser, Subcommand, ValueEnum};

/// What went wrong, in one line.
#[derive(Debug, thiserror::Error)]
enum CliError {
    /// From the library: already names the file and the reason.
    #[error(transparent)]
    Ca(#[from] CaError),
    /// The command line asks for something that cannot be done.
    #[error("{0}")]
    Usage(String),
    /// Input (a file or standard input) that is not what it should be.
    #[error("{origin}: {reason}")]
    Input { origin: String, reason: String },
    /// A library error with what the command line knows about it (a flag, a file).
    #[error("{context}: {source}")]
    Context { context: String, source: CaError },
    /// From the inventory: already names the database and the reason.
    #[error(transparent)]
    Db(#[from] certgate_db::DbError),
    /// From `crl serve` and the CRL made from the inventory: names the file, the key
    /// or the database.
    #[error(transparent)]
    CrlServe(#[from] certgate_examples::crl_serve::CrlServeError),
    /// A failure with its own exit code (`policy check`: 2 for errors).
    #[error("{message}")]
    WithCode { code: u8, message: String },
}

impl CliError {
    /// The process exit code: 1, or the code the error carries.
    fn exit_code(&self) -> ExitCode {
        match self {
            Self::WithCode { code, .. } => ExitCode::from(*code),
            _ => ExitCode::FAILURE,
        }
    }
}

impl CliError {
    /// Prefixes a library error with `context` (a flag or a file name).
    fn context(context: impl Into<String>) -> impl FnOnce(CaError) -> Self {
        let context = context.into();
        move |source| Self::Context { context, source }
    }
}

/// A signature hash chosen on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum HashArg {
    Sha256,
    Sha384,
    Sha512,
}

impl From<HashArg> for certgate_ca::SignatureHash {
    fn from(h: HashArg) -> Self {
        match h {
            HashArg::Sha256 => Self::Sha256,
            HashArg::Sha384 => Self::Sha384,
            HashArg::Sha512 => Self::Sha512,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "certgate",
    version,
    about = "A cfssl-compatible certificate authority for device certificates",
    after_help = "cfssl's single-dash flags work too: -ca=ca.pem, -initca, -bare NAME."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where issuing commands get their CA and profile from.
#[derive(Debug, clap::Args)]
struct CaArgs {
    /// The CA certificate (PEM).
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// The CA private key (PEM: PKCS#8, PKCS#1, SEC1 or encrypted PKCS#8).
    #[arg(long = "ca-key", value_name = "FILE")]
    ca_key: Option<PathBuf>,
    /// Password of an encrypted CA key: pass:PW, env:VAR or file:PATH.
    #[arg(long = "ca-key-pass", value_name = "SOURCE")]
    ca_key_pass: Option<String>,
    /// cfssl signing configuration (JSON); without it, cfssl's default profile.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The signing profile to use; without it, the configuration's default profile.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Names for the certificate, comma separated, instead of the request's.
    #[arg(long, value_name = "H1,H2")]
    hostname: Option<String>,
    /// Signature hash instead of cfssl's choice for the CA key.
    #[arg(long, value_enum)]
    hash: Option<HashArg>,
    /// End a certificate that would outlive the CA when the CA ends, instead of refusing
    /// it (cfssl 1.2 lets it outlive the CA without a word).
    #[arg(long = "clamp-to-ca")]
    clamp_to_ca: bool,
    /// Record what is issued (no output when the record cannot be written).
    #[command(flatten)]
    db: db::DbArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a key and a CSR from cfssl CSR JSON; with -initca, a self-signed root CA.
    Genkey {
        /// Make a self-signed root CA.
        #[arg(long)]
        initca: bool,
        /// Encrypt the new private key with this password: pass:PW, env:VAR or file:PATH.
        #[arg(long = "key-pass", value_name = "SOURCE")]
        key_pass: Option<String>,
        /// Signature hash of the root (with -initca).
        #[arg(long, value_enum, requires = "initca")]
        hash: Option<HashArg>,
        /// Record the root (with -initca; no output when the record cannot be written).
        #[command(flatten)]
        db: db::DbArgs,
        /// Write NAME.pem, NAME-key.pem and NAME.csr instead of printing JSON.
        #[arg(long, value_name = "NAME")]
        bare: Option<String>,
        /// cfssl CSR JSON file.
        csr_json: PathBuf,
    },
    /// Generate a key and a certificate signed by a CA (or, with -initca, a root CA).
    Gencert {
        /// Make a self-signed root CA.
        #[arg(long)]
        initca: bool,
        /// Encrypt the new private key with this password: pass:PW, env:VAR or file:PATH.
        #[arg(long = "key-pass", value_name = "SOURCE")]
        key_pass: Option<String>,
        #[command(flatten)]
        ca: CaArgs,
        /// Write NAME.pem, NAME-key.pem and NAME.csr instead of printing JSON.
        #[arg(long, value_name = "NAME")]
        bare: Option<String>,
        /// cfssl CSR JSON file.
        csr_json: PathBuf,
    },
    /// Sign PKCS#10 CSRs that devices made (they keep their keys).
    #[command(
        after_help = "One CSR: prints {\"cert\": PEM} like cfssl, or writes NAME.pem with -bare.\n\
                      Several CSRs: all are signed before anything is printed, then one JSON\n\
                      object per line: {\"cert\": PEM, \"csr_file\": FILE}; -bare is refused."
    )]
    Sign {
        #[command(flatten)]
        ca: CaArgs,
        /// With one CSR: write NAME.pem instead of printing JSON.
        #[arg(long, value_name = "NAME")]
        bare: Option<String>,
        /// A CSR file, as cfssl spells it (same as a positional CSR).
        #[arg(long, value_name = "FILE")]
        csr: Option<PathBuf>,
        /// CSR files (PEM).
        #[arg(required_unless_present = "csr")]
        csrs: Vec<PathBuf>,
    },
    /// Print a certificate's (or CSR's) fields as JSON, like cfssl certinfo.
    Certinfo {
        /// A certificate (PEM).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["csr", "domain"])]
        cert: Option<PathBuf>,
        /// A certificate request (PEM).
        #[arg(long, value_name = "FILE", conflicts_with = "domain")]
        csr: Option<PathBuf>,
        /// The certificate a TLS server presents (port 443 by default), shown, not trusted:
        /// like cfssl, the chain is not verified.
        #[arg(long, value_name = "HOST[:PORT]")]
        domain: Option<String>,
    },
    /// Write cfssl's JSON output as files (the cfssljson role): NAME.pem, NAME-key.pem, NAME.csr.
    Json {
        /// Base name of the files.
        #[arg(long, value_name = "NAME")]
        bare: Option<String>,
        /// Read this file instead of standard input.
        #[arg(short = 'f', value_name = "FILE")]
        file: Option<PathBuf>,
        /// `-` for standard input, or the base name.
        args: Vec<String>,
    },
    /// Make or read a PKCS#12 bundle, with OpenSSL's flags (-export, -info).
    Pkcs12(pkcs12::Pkcs12Args),
    /// Verify a client certificate against roots and CRLs, like openssl verify; prints JSON.
    Verify(verify::VerifyArgs),
    /// Run an x509-limbo test file through the verifier; prints the harness JSON.
    Limbo(limbo::LimboArgs),
    /// Check a policy file, or explain the decision for one request (Access-style policies).
    Policy(policy::PolicyArgs),
    /// Revoke a certificate in the database (cfssl revoke); revoking twice is not an error.
    Revoke(db::RevokeArgs),
    /// Make a CRL for one issuer from the database, or from a file of serials (cfssl's form).
    Gencrl(crl::GencrlArgs),
    /// Serve CRLs: `crl serve --config FILE` keeps each issuer's CRL fresh from the database.
    #[command(subcommand)]
    Crl(crl_serve::CrlCommand),
    /// List recorded certificates, one JSON object per line.
    List(db::ListArgs),
    /// List good certificates that end soon.
    Expiring(db::ExpiringArgs),
    /// The database: migrate, import a cfssl certdb.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Print an example CSR JSON or signing configuration.
    PrintDefaults {
        /// `csr` or `config`.
        kind: String,
    },
}

/// Writes to standard output. A reader that went away (`| head`) ends the output
/// quietly, as other Unix tools do; any other failure is an error.
fn print_out(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Input {
            origin: "<stdout>".into(),
            reason: e.to_string(),
        }),
        _ => Ok(()),
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Genkey {
            initca,
            key_pass,
            hash,
            db: record,
            bare,
            csr_json,
        } => {
            if initca {
                issue::init_ca(
                    &csr_json,
                    key_pass.as_deref(),
                    hash,
                    bare.as_deref(),
                    &record,
                )
            } else if record.url()?.is_some() {
                Err(CliError::Usage(
                    "genkey records certificates: -db needs -initca (a CSR is no certificate)"
                        .into(),
                ))
            } else {
                issue::genkey(&csr_json, key_pass.as_deref(), bare.as_deref())
            }
        }
        Command::Gencert {
            initca,
            key_pass,
            ca,
            bare,
            csr_json,
        } => {
            if initca {
                issue::init_ca(
                    &csr_json,
                    key_pass.as_deref(),
                    ca.hash,
                    bare.as_deref(),
                    &ca.db,
                )
            } else {
                issue::gencert(&ca, &csr_json, key_pass.as_deref(), bare.as_deref())
            }
        }
        Command::Sign {
            ca,
            bare,
            csr,
            mut csrs,
        } => {
            csrs.splice(0..0, csr);
            issue::sign(&ca, &csrs, bare.as_deref())
        }
        Command::Certinfo { cert, csr, domain } => {
            tools::certinfo(cert.as_deref(), csr.as_deref(), domain.as_deref())
        }
        Command::Json { bare, file, args } => tools::json(bare, file.as_deref(), &args),
        Command::Pkcs12(args) => pkcs12::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Limbo(args) => limbo::run(&args),
        Command::Policy(args) => policy::run(&args),
        Command::Revoke(args) => db::revoke(&args),
        Command::Gencrl(args) => crl::run(&args),
        Command::Crl(command) => crl_serve::run(&command),
        Command::List(args) => db::list(&args),
        Command::Expiring(args) => db::expiring(&args),
        Command::Db(command) => db::db(&command),
        Command::PrintDefaults { kind } => tools::print_defaults(&kind),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(args::normalize(std::env::args_os())) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("certgate: {e}");
            e.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(args::normalize(args.iter().map(std::ffi::OsString::from)))
    }

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn cfssl_command_lines_parse() {
        for line in [
            &["certgate", "genkey", "-initca", "ca-csr.json"][..],
            &[
                "certgate",
                "gencert",
                "-ca=../root/ca.pem",
                "-ca-key=../root/ca-key.pem",
                "-config=../root/ca-config.json",
                "-profile=client",
                "client-csr.json",
            ],
            &["certgate", "json", "-bare", "ca"],
            &["certgate", "json", "-f", "out.json", "-bare", "ca"],
            &["certgate", "json", "ca"],
            &[
                "certgate", "sign", "-ca", "c", "-ca-key", "k", "a.csr", "b.csr",
            ],
            &[
                "certgate", "sign", "-ca", "c", "-ca-key", "k", "-csr", "a.csr",
            ],
            &[
                "certgate",
                "gencert",
                "-ca=c",
                "-ca-key=k",
                "-clamp-to-ca",
                "x.json",
            ],
            &["certgate", "certinfo", "-cert", "ca.pem"],
            &["certgate", "certinfo", "-domain", "example.com:8443"],
            &["certgate", "print-defaults", "config"],
            &[
                "certgate",
                "sign",
                "-ca",
                "c",
                "-ca-key",
                "k",
                "-db-config",
                "db.json",
                "a.csr",
            ],
            &[
                "certgate",
                "revoke",
                "-db-config",
                "db.json",
                "-serial",
                "123",
                "-aki",
                "ab",
                "-reason",
                "keycompromise",
            ],
            &[
                "certgate",
                "gencrl",
                "serials.txt",
                "ca.pem",
                "ca-key.pem",
                "3600",
            ],
            &[
                "certgate",
                "gencrl",
                "-db",
                "sqlite://c.db",
                "-ca",
                "c",
                "-ca-key",
                "k",
                "-der",
            ],
            &["certgate", "crl", "serve", "--config", "crl-serve.toml"],
            &["certgate", "crl", "serve", "-config", "crl-serve.toml"],
            &[
                "certgate",
                "list",
                "-db",
                "sqlite://c.db",
                "-status",
                "revoked",
            ],
            &[
                "certgate",
                "expiring",
                "--db",
                "sqlite://c.db",
                "--within",
                "30d",
            ],
            &[
                "certgate",
                "db",
                "import-cfssl",
                "--db",
                "sqlite://c.db",
                "--from",
                "sqlite://x.db",
            ],
        ] {
            if let Err(e) = parse(line) {
                panic!("{line:?}: {e}");
            }
        }
    }

    #[test]
    fn usage_mistakes_are_clap_errors() {
        for line in [
            &["certgate", "genkey", "-hash", "sha384", "x.json"][..],
            &["certgate", "sign", "-ca", "c", "-ca-key", "k"],
            &["certgate", "gencert", "-hash", "md5", "x.json"],
            &["certgate", "certinfo", "-cert", "a", "-csr", "b"],
            &[
                "certgate",
                "revoke",
                "-db",
                "sqlite://c.db",
                "-db-config",
                "x",
                "-serial",
                "1",
                "-aki",
                "a",
            ],
            &["certgate", "revoke", "-db", "sqlite://c.db", "-aki", "a"],
            &["certgate", "list", "--status", "expired"],
            &[
                "certgate",
                "certinfo",
                "-cert",
                "a",
                "-domain",
                "example.com",
            ],
        ] {
            assert!(parse(line).is_err(), "{line:?}");
        }
    }
}
