//! `certgate pkcs12`: OpenSSL's `pkcs12 -export` and `pkcs12 -info`, on certgate-pkcs12.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use certgate_ca::{
    CfsslCertInfo, FileMode, PasswordSource, PrivateKey, certificate_public_key,
    certificates_from_pem, write_atomic,
};
use certgate_pkcs12::{DEFAULT_ITERATIONS, Pkcs12Builder, Pkcs12Bundle, Pkcs12Profile};
use zeroize::Zeroizing;

use crate::CliError;

/// The flags of `certgate pkcs12`, spelled as OpenSSL spells them.
#[derive(Debug, clap::Args)]
pub(crate) struct Pkcs12Args {
    /// Write a bundle (from -inkey, -in and -certfile).
    #[arg(long, conflicts_with = "info")]
    export: bool,
    /// Print what a bundle holds.
    #[arg(long)]
    info: bool,
    /// With -export: the bundle to write. With -info: ignored.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The private key (PEM).
    #[arg(long)]
    inkey: Option<PathBuf>,
    /// With -export: the certificate (PEM); with -info: the bundle.
    #[arg(long = "in")]
    input: Option<PathBuf>,
    /// More certificates for the chain (PEM; intermediates, the root).
    #[arg(long)]
    certfile: Vec<PathBuf>,
    /// The friendly name of the key and certificate.
    #[arg(long)]
    name: Option<String>,
    /// 3DES and a SHA-1 MAC, for older iOS, macOS, Android 13 and earlier and Java.
    #[arg(long)]
    legacy: bool,
    /// Iterations for key derivation and the MAC.
    #[arg(long, default_value_t = DEFAULT_ITERATIONS)]
    iter: u32,
    /// Export password: pass:PW, env:VAR or file:PATH (asked for on a terminal if absent).
    #[arg(long)]
    passout: Option<String>,
    /// Import password: pass:PW, env:VAR or file:PATH (asked for on a terminal if absent).
    #[arg(long)]
    passin: Option<String>,
    /// With -info: print the private key unencrypted.
    #[arg(long)]
    nodes: bool,
}

pub(crate) fn run(args: &Pkcs12Args) -> Result<(), CliError> {
    match (args.export, args.info) {
        (true, _) => export(args),
        (_, true) => info(args),
        _ => Err(CliError::Usage("pkcs12 needs -export or -info".into())),
    }
}

fn need<'a>(value: Option<&'a PathBuf>, flag: &str) -> Result<&'a Path, CliError> {
    value
        .map(PathBuf::as_path)
        .ok_or_else(|| CliError::Usage(format!("pkcs12 needs {flag}")))
}

/// A password from a source, or from the terminal (twice when `confirm`), as OpenSSL does.
fn password(
    spec: Option<&str>,
    flag: &str,
    prompt: &str,
    confirm: bool,
) -> Result<Zeroizing<String>, CliError> {
    let bytes = match spec {
        Some(spec) => {
            let source: PasswordSource = spec
                .parse()
                .map_err(|e| CliError::Usage(format!("{flag}: {e}")))?;
            source.read()?.as_bytes().to_vec()
        }
        None if std::io::stdin().is_terminal() => {
            let first = Zeroizing::new(
                rpassword::prompt_password(format!("{prompt}: "))
                    .map_err(|e| CliError::Usage(e.to_string()))?,
            );
            if confirm {
                let again = Zeroizing::new(
                    rpassword::prompt_password(format!("Verifying - {prompt}: "))
                        .map_err(|e| CliError::Usage(e.to_string()))?,
                );
                if *first != *again {
                    return Err(CliError::Usage("the passwords do not match".into()));
                }
            }
            first.as_bytes().to_vec()
        }
        None => {
            return Err(CliError::Usage(format!(
                "no {flag} given and no terminal to ask for the password"
            )));
        }
    };
    String::from_utf8(bytes)
        .map(Zeroizing::new)
        .map_err(|_| CliError::Usage(format!("{flag}: the password is not UTF-8")))
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::Input {
        origin: path.display().to_string(),
        reason: e.to_string(),
    })
}

fn export(args: &Pkcs12Args) -> Result<(), CliError> {
    let out = need(args.out.as_ref(), "-out")?;
    let key_path = need(args.inkey.as_ref(), "-inkey")?;
    let cert_path = need(args.input.as_ref(), "-in")?;
    let key = PrivateKey::from_pem_file(key_path, None)?;
    let cert_origin = cert_path.display().to_string();
    let mut certs = certificates_from_pem(&read(cert_path)?, &cert_origin)?;
    let leaf = certs.remove(0);
    if certificate_public_key(&leaf, &cert_origin)? != key.public_key_der() {
        return Err(CliError::Input {
            origin: key_path.display().to_string(),
            reason: format!("the key does not match the certificate in {cert_origin}"),
        });
    }
    for path in &args.certfile {
        certs.extend(certificates_from_pem(
            &read(path)?,
            &path.display().to_string(),
        )?);
    }
    let password = password(
        args.passout.as_deref(),
        "-passout",
        "Enter Export Password",
        true,
    )?;
    let pkcs8 = key.to_pkcs8_der()?;
    let profile = if args.legacy {
        Pkcs12Profile::Legacy
    } else {
        Pkcs12Profile::Modern
    };
    let mut builder = Pkcs12Builder::new(&pkcs8, &leaf, &password)
        .with_chain(certs.iter().map(Vec::as_slice))
        .with_profile(profile)
        .with_iterations(args.iter);
    if let Some(name) = &args.name {
        builder = builder.with_friendly_name(name.clone());
    }
    let der = builder.build().map_err(|e| CliError::Input {
        origin: out.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(write_atomic(out, &der, FileMode::Private)?)
}

fn info(args: &Pkcs12Args) -> Result<(), CliError> {
    let path = need(args.input.as_ref(), "-in")?;
    let origin = path.display().to_string();
    let der = read(path)?;
    let password = password(
        args.passin.as_deref(),
        "-passin",
        "Enter Import Password",
        false,
    )?;
    let bundle = Pkcs12Bundle::parse(&der, &password).map_err(|e| CliError::Input {
        origin: origin.clone(),
        reason: e.to_string(),
    })?;
    let mut out = String::new();
    match &bundle.info.mac {
        Some((digest, iterations)) => {
            let _ = writeln!(out, "MAC: {digest}, Iteration {iterations}");
        }
        None => out.push_str("MAC: none\n"),
    }
    for encryption in &bundle.info.encryptions {
        let _ = writeln!(out, "Encryption: {encryption}");
    }
    for cert in &bundle.certificates {
        let _ = writeln!(out, "Certificate bag");
        attributes(
            &mut out,
            cert.friendly_name.as_deref(),
            cert.local_key_id.as_deref(),
        );
        let info = CfsslCertInfo::from_der(&cert.der, &origin)?;
        let _ = writeln!(out, "subject={}", info.subject.names.join(", "));
        let _ = writeln!(out, "issuer={}", info.issuer.names.join(", "));
        let _ = write!(out, "{}", info.pem);
    }
    for key in &bundle.keys {
        let _ = writeln!(out, "Key bag");
        attributes(
            &mut out,
            key.friendly_name.as_deref(),
            key.local_key_id.as_deref(),
        );
        // Shown even when certgate would not use it (an RSA-1024 key), with a warning.
        if let Err(e) = PrivateKey::from_pkcs8_der(key.pkcs8_der(), &origin) {
            eprintln!("certgate: warning: {e}");
            let _ = writeln!(out, "Warning: {e}");
        }
        if args.nodes {
            let pem = key.pkcs8_pem().map_err(|e| CliError::Input {
                origin: origin.clone(),
                reason: e.to_string(),
            })?;
            out.push_str(&pem);
        } else {
            let _ = writeln!(out, "(private key not shown; -nodes prints it)");
        }
    }
    crate::print_out(&out)
}

fn attributes(out: &mut String, name: Option<&str>, key_id: Option<&[u8]>) {
    out.push_str("Bag Attributes\n");
    if let Some(name) = name {
        let _ = writeln!(out, "    friendlyName: {name}");
    }
    if let Some(id) = key_id {
        let hex: Vec<String> = id.iter().map(|b| format!("{b:02X}")).collect();
        let _ = writeln!(out, "    localKeyID: {}", hex.join(" "));
    }
}
