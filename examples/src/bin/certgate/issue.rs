//! The issuing commands: `genkey`, `gencert`, `sign`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use certgate_ca::cfssl::{CsrJson, SanEntry, SigningConfig, SigningProfile, classify_host};
use certgate_ca::{
    CaError, CertificateAuthority, CertificateRequest, IssuedCertificate, KeySigner, KeySpec,
    Password, PasswordSource, PrivateKey, RootCaBuilder, SignatureHash, bare_files,
    write_all_or_nothing,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use zeroize::Zeroizing;

use crate::{CaArgs, CliError, HashArg};

/// Writes `NAME.pem`, `NAME-key.pem` and `NAME.csr` (all or none), or prints cfssl's JSON.
fn emit(
    bare: Option<&str>,
    cert: Option<&str>,
    key: Option<&str>,
    csr: Option<&str>,
) -> Result<(), CliError> {
    if let Some(name) = bare {
        return Ok(write_all_or_nothing(&bare_files(name, cert, key, csr))?);
    }
    let mut out = serde_json::Map::new();
    for (field, value) in [("cert", cert), ("csr", csr), ("key", key)] {
        if let Some(value) = value {
            out.insert(field.into(), value.into());
        }
    }
    crate::print_out(&format!("{}\n", serde_json::Value::Object(out)))?;
    Ok(())
}

/// Reads the password that `spec` (`pass:`, `env:`, `file:`) names; errors name `flag`.
pub(crate) fn password(spec: &str, flag: &str) -> Result<Password, CliError> {
    let source: PasswordSource = spec.parse().map_err(CliError::context(flag))?;
    source.read().map_err(CliError::context(flag))
}

/// Reads cfssl CSR JSON and checks its key spec and hosts before anything is made
/// (the errors name the file).
fn read_csr_json(path: &Path) -> Result<(CsrJson, KeySpec), CliError> {
    let csr = CsrJson::from_file(path)?;
    let spec = csr.key_spec()?;
    csr.host_names()?;
    Ok((csr, spec))
}

/// The new key as PEM: encrypted PKCS#8 with `-key-pass`, else plain PKCS#8.
fn key_pem(key: &PrivateKey, key_pass: Option<&str>) -> Result<Zeroizing<String>, CliError> {
    Ok(match key_pass {
        Some(spec) => Zeroizing::new(key.to_encrypted_pkcs8_pem(&password(spec, "-key-pass")?)?),
        None => key.to_pkcs8_pem()?,
    })
}

/// `genkey CSR.json`: a key and a request for it.
pub(crate) fn genkey(
    csr_json: &Path,
    key_pass: Option<&str>,
    bare: Option<&str>,
) -> Result<(), CliError> {
    let (csr, _) = read_csr_json(csr_json)?;
    let (key, request) = CertificateRequest::generate(&csr)?;
    let key_pem = key_pem(&key, key_pass)?;
    emit(bare, None, Some(&key_pem), Some(&request.to_pem()))
}

/// `genkey -initca` / `gencert -initca`: a self-signed root CA.
pub(crate) fn init_ca(
    csr_json: &Path,
    key_pass: Option<&str>,
    hash: Option<HashArg>,
    bare: Option<&str>,
    db: &crate::db::DbArgs,
) -> Result<(), CliError> {
    let (csr, spec) = read_csr_json(csr_json)?;
    let key = PrivateKey::generate(spec)?;
    let key_pem = key_pem(&key, key_pass)?;
    let signer = match hash {
        Some(hash) => KeySigner::with_hash(key, SignatureHash::from(hash))
            .map_err(CliError::context("-hash"))?,
        None => KeySigner::new(key),
    };
    // A root is self-signed: no issuer bounds its validity, so -clamp-to-ca has no
    // meaning here.
    let root = RootCaBuilder::new(&csr, Box::new(signer)).build()?;
    // Recorded before anything is output: no root that the inventory does not know.
    crate::db::record_issued(db, &[root.certificate.der()], Some("root"))?;
    emit(
        bare,
        Some(&root.certificate.to_pem()),
        Some(&key_pem),
        Some(&root.request.to_pem()),
    )
}

/// The CA, the configuration and the profile that `gencert` and `sign` use.
struct Issuer {
    ca: CertificateAuthority,
    config: SigningConfig,
    /// The configuration file, or the built-in default: named in profile errors.
    config_origin: String,
    hosts: Option<Vec<SanEntry>>,
    /// `-clamp-to-ca`: end certificates with the CA rather than refuse them.
    clamp_to_ca: bool,
}

impl Issuer {
    /// Reads the configuration, the `-hostname` list and the CA, in that order (the
    /// cheap checks first), and checks that the profile exists before anything is made.
    fn load(args: &CaArgs, command: &str) -> Result<Self, CliError> {
        let (Some(ca), Some(ca_key)) = (&args.ca, &args.ca_key) else {
            return Err(CliError::Usage(format!("{command} needs -ca and -ca-key")));
        };
        let (config, config_origin) = match &args.config {
            Some(path) => (SigningConfig::from_file(path)?, path.display().to_string()),
            None => (
                SigningConfig::default(),
                "the default configuration (no -config)".to_owned(),
            ),
        };
        let hosts = args.hostname.as_deref().map(parse_hosts).transpose()?;
        let password = args
            .ca_key_pass
            .as_deref()
            .map(|spec| password(spec, "-ca-key-pass"))
            .transpose()?;
        let hash = args.hash.map(SignatureHash::from);
        let ca = CertificateAuthority::load_with_hash(ca, ca_key, password.as_ref(), hash)
            .map_err(|e| match e {
                // Name the flag as well as the file: -ca and -ca-key are easy to swap.
                CaError::Io { ref path, .. } if path == ca => CliError::context("-ca")(e),
                CaError::Io { ref path, .. } if path == ca_key => CliError::context("-ca-key")(e),
                CaError::UnsupportedHash { .. } => CliError::context("-hash")(e),
                other => other.into(),
            })?;
        let issuer = Self {
            ca,
            config,
            config_origin,
            hosts,
            clamp_to_ca: args.clamp_to_ca,
        };
        issuer.profile(args.profile.as_deref())?;
        Ok(issuer)
    }

    fn profile(&self, name: Option<&str>) -> Result<&SigningProfile, CliError> {
        match name {
            Some(name) => self.config.profile(name).map_err(|e| match e {
                CaError::UnknownProfile { name, known, .. } if known.is_empty() => {
                    CliError::Usage(format!(
                        "-profile {name}: {} defines no named profiles, only the default one",
                        self.config_origin
                    ))
                }
                other => other.into(),
            }),
            None => Ok(self.config.default_profile()),
        }
    }

    /// Signs `request` (from `origin`, named in errors about its names) under `profile`.
    fn issue(
        &self,
        request: &CertificateRequest,
        origin: &Path,
        profile: &SigningProfile,
    ) -> Result<IssuedCertificate, CliError> {
        let mut builder = self
            .ca
            .issue(request, profile)
            .with_clamp_to_ca(self.clamp_to_ca);
        if let Some(hosts) = &self.hosts {
            builder = builder.with_hosts(hosts.clone());
        }
        builder.build().map_err(|e| match e {
            CaError::NameNotAllowed { .. } | CaError::InvalidName { .. } => {
                CliError::context(origin.display().to_string())(e)
            }
            CaError::OutlivesCa { .. } => CliError::Usage(format!(
                "{e}; shorten the profile's expiry, or pass -clamp-to-ca to end it with the CA"
            )),
            other => other.into(),
        })
    }
}

fn parse_hosts(list: &str) -> Result<Vec<SanEntry>, CliError> {
    let mut hosts = Vec::new();
    for (i, h) in list.split(',').enumerate() {
        let host = classify_host("-hostname", i, h).map_err(|e| match e {
            CaError::InvalidHost { value, problem, .. } => {
                CliError::Usage(format!("-hostname: entry {}: {value:?} {problem}", i + 1))
            }
            other => other.into(),
        })?;
        if let Some(host) = host
            && !hosts.contains(&host)
        {
            hosts.push(host);
        }
    }
    Ok(hosts)
}

/// `gencert -ca .. -ca-key .. CSR.json`: a new key and a certificate for it.
pub(crate) fn gencert(
    args: &CaArgs,
    csr_json: &Path,
    key_pass: Option<&str>,
    bare: Option<&str>,
) -> Result<(), CliError> {
    let (csr, _) = read_csr_json(csr_json)?;
    let issuer = Issuer::load(args, "gencert")?;
    let profile = issuer.profile(args.profile.as_deref())?;
    let (key, request) = CertificateRequest::generate(&csr)?;
    let cert = issuer.issue(&request, csr_json, profile)?;
    let key_pem = key_pem(&key, key_pass)?;
    crate::db::record_issued(&args.db, &[cert.der()], args.profile.as_deref())?;
    emit(
        bare,
        Some(&cert.to_pem()),
        Some(&key_pem),
        Some(&request.to_pem()),
    )
}

/// `sign -ca .. -ca-key .. DEVICE.csr ...`: certificates for requests made elsewhere.
///
/// Every request is read and signed before anything is written or printed, so a bad
/// request among many leaves no output behind.
pub(crate) fn sign(args: &CaArgs, csrs: &[PathBuf], bare: Option<&str>) -> Result<(), CliError> {
    if bare.is_some() && csrs.len() > 1 {
        return Err(CliError::Usage(
            "-bare takes one CSR; with several, certgate sign prints one JSON object per line"
                .into(),
        ));
    }
    let issuer = Issuer::load(args, "sign")?;
    let profile = issuer.profile(args.profile.as_deref())?;
    let progress = progress_bar(csrs.len());
    let mut issued = Vec::with_capacity(csrs.len());
    for path in csrs {
        let request = CertificateRequest::from_pem_file(path)?;
        issued.push(issuer.issue(&request, path, profile)?);
        progress.inc(1);
    }
    progress.finish_and_clear();
    let ders: Vec<&[u8]> = issued.iter().map(IssuedCertificate::der).collect();
    crate::db::record_issued(&args.db, &ders, args.profile.as_deref())?;
    if let [cert] = issued.as_slice() {
        return emit(bare, Some(&cert.to_pem()), None, None);
    }
    for (path, cert) in csrs.iter().zip(&issued) {
        let line =
            serde_json::json!({"csr_file": path.display().to_string(), "cert": cert.to_pem()});
        crate::print_out(&format!("{line}\n"))?;
    }
    Ok(())
}

fn progress_bar(len: usize) -> ProgressBar {
    if len < 2 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} signed ({per_sec})") {
        bar.set_style(style);
    }
    bar
}
