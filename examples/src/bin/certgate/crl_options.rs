//! `certgate gencrl`'s CRL options beyond cfssl: a CRL configuration (`--config
//! crl.json`, certgate-ca's [`CrlConfig`]) and flags for the common ones, which take
//! precedence over the file: the scope (issuingDistributionPoint), delta CRLs,
//! freshestCRL, entries of other issuers (indirect CRLs) and a dedicated CRL signer.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use certgate_ca::cfssl::CrlConfig;
use certgate_ca::{
    CaCertificate, CrlBuilder, MAX_INPUT_FILE, RevocationReason, RevokedEntry,
    parse_revocation_reason,
};
use certgate_examples::crl_serve::{CrlIssuer, load_crl_signer};
use certgate_x509::Serial;
use time::OffsetDateTime;

use crate::CliError;

/// The CRL options of `certgate gencrl`.
#[derive(Debug, clap::Args)]
pub(crate) struct CrlOptionArgs {
    /// A CRL configuration (JSON): expiry, number, issuing_distribution_point, delta_of,
    /// remove_from_crl, freshest_crl, entries_of_issuers, crl_signer. The flags below
    /// take precedence over it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The CRL Number (default without --db: the current Unix time).
    #[arg(long, value_name = "N")]
    number: Option<u64>,
    /// Make a delta CRL of complete CRL number N (deltaCRLIndicator).
    #[arg(long = "delta-of", value_name = "N")]
    delta_of: Option<u64>,
    /// A file of serials (decimal, one per line) to list with reason removeFromCRL
    /// (delta CRLs only).
    #[arg(long = "remove-from-crl", value_name = "FILE")]
    remove_from_crl: Option<PathBuf>,
    /// Where this CRL is published (issuingDistributionPoint fullName); repeatable.
    #[arg(long = "idp-url", value_name = "URL")]
    idp_urls: Vec<String>,
    /// The CRL covers end-entity certificates only (onlyContainsUserCerts).
    #[arg(long = "only-user-certs")]
    only_user_certs: bool,
    /// The CRL covers CA certificates only (onlyContainsCACerts).
    #[arg(long = "only-ca-certs")]
    only_ca_certs: bool,
    /// The CRL lists revocations for these reasons only (onlySomeReasons).
    #[arg(
        long = "only-some-reasons",
        value_name = "R1,R2",
        value_delimiter = ','
    )]
    only_some_reasons: Vec<String>,
    /// An indirect CRL (indirectCRL): entries_of_issuers in --config may list other CAs'.
    #[arg(long)]
    indirect: bool,
    /// Where delta CRLs of this complete CRL are published (freshestCRL).
    #[arg(long = "freshest-crl", value_name = "URL")]
    freshest_crl: Option<String>,
    /// A dedicated CRL-signing certificate of the CA (the CA's name as subject, issued
    /// by the CA, keyUsage cRLSign); the CA's key is then not needed.
    #[arg(long = "crl-signer", value_name = "FILE", requires = "crl_signer_key")]
    crl_signer: Option<PathBuf>,
    /// The dedicated CRL signer's private key (PEM).
    #[arg(long = "crl-signer-key", value_name = "FILE", requires = "crl_signer")]
    crl_signer_key: Option<PathBuf>,
    /// Password of an encrypted CRL signer key: pass:PW, env:VAR or file:PATH.
    #[arg(long = "crl-signer-key-pass", value_name = "SOURCE")]
    crl_signer_key_pass: Option<String>,
}

/// The CRL options with the flags over the configuration, and the files they name read.
#[derive(Debug)]
pub(crate) struct CrlOptions {
    /// The configuration, flags applied.
    pub(crate) config: CrlConfig,
    /// The dedicated signer's certificate and key, if any.
    pub(crate) signer: Option<(PathBuf, PathBuf)>,
    /// Entries with reason removeFromCRL.
    removed: Vec<RevokedEntry>,
    /// Entries of other issuers, with their CA.
    of_issuers: Vec<(RevokedEntry, CaCertificate)>,
}

impl CrlOptionArgs {
    /// `--crl-signer-key-pass`.
    pub(crate) fn signer_key_pass(&self) -> Option<&str> {
        self.crl_signer_key_pass.as_deref()
    }

    /// Reads the configuration, applies the flags and reads the files they name; each
    /// entry is revoked at `now`.
    pub(crate) fn resolve(&self, now: OffsetDateTime) -> Result<CrlOptions, CliError> {
        let mut c = match &self.config {
            Some(path) => CrlConfig::from_file(path)?,
            None => CrlConfig::default(),
        };
        c.number = self.number.or(c.number);
        c.delta_of = self.delta_of.or(c.delta_of);
        if let Some(file) = &self.remove_from_crl {
            c.remove_from_crl = Some(file.clone());
        }
        if let Some(url) = &self.freshest_crl {
            c.freshest_crl = Some(url.clone());
        }
        self.scope(&mut c)?;
        let signer = match (&self.crl_signer, &self.crl_signer_key) {
            (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
            _ => c
                .crl_signer
                .as_ref()
                .map(|s| (s.cert.clone(), s.key.clone())),
        };
        let origin = c.origin().to_owned();
        let removed = match &c.remove_from_crl {
            Some(file) => {
                let at = match self.remove_from_crl {
                    Some(_) => "--remove-from-crl".to_owned(),
                    None => format!("{origin}: remove_from_crl"),
                };
                let reason = Some(RevocationReason::RemoveFromCrl);
                entries(&read_serials(file, &at)?, now, reason)
            }
            None => Vec::new(),
        };
        let mut of_issuers = Vec::new();
        for (i, group) in c.entries_of_issuers.iter().enumerate() {
            let at = format!("{origin}: entries_of_issuers[{i}]");
            let issuer = CaCertificate::from_pem_file(&group.issuer_cert)
                .map_err(CliError::context(format!("{at}.issuer_cert")))?;
            let serials = read_serials(&group.serials, &format!("{at}.serials"))?;
            for entry in entries(&serials, now, group.reason) {
                of_issuers.push((entry, issuer.clone()));
            }
        }
        Ok(CrlOptions {
            config: c,
            signer,
            removed,
            of_issuers,
        })
    }

    /// Applies the scope flags to the configuration's issuingDistributionPoint.
    fn scope(&self, c: &mut CrlConfig) -> Result<(), CliError> {
        let any = !self.idp_urls.is_empty()
            || self.only_user_certs
            || self.only_ca_certs
            || !self.only_some_reasons.is_empty()
            || self.indirect;
        if !any {
            return Ok(());
        }
        let idp = c.issuing_distribution_point.get_or_insert_default();
        if !self.idp_urls.is_empty() {
            idp.uris.clone_from(&self.idp_urls);
        }
        idp.only_user_certs |= self.only_user_certs;
        idp.only_ca_certs |= self.only_ca_certs;
        idp.indirect_crl |= self.indirect;
        if !self.only_some_reasons.is_empty() {
            idp.only_some_reasons = self
                .only_some_reasons
                .iter()
                .map(|r| parse_revocation_reason(r))
                .collect::<Result<_, _>>()
                .map_err(CliError::context("--only-some-reasons"))?;
        }
        if idp.only_user_certs && idp.only_ca_certs {
            return Err(CliError::Usage(
                "--only-user-certs and --only-ca-certs (or only_user_certs and only_ca_certs \
                 in --config) cannot both be given: a CRL is only for user or only for CA \
                 certificates (RFC 5280 5.2.5)"
                    .into(),
            ));
        }
        Ok(())
    }
}

impl CrlOptions {
    /// Adds the options to `builder`: the configuration's extensions, then the entries
    /// with removeFromCRL, then the other issuers' entries.
    pub(crate) fn extend<'a>(&self, builder: CrlBuilder<'a>) -> CrlBuilder<'a> {
        let mut builder = self
            .config
            .apply(builder)
            .with_entries(self.removed.iter().cloned());
        for (entry, issuer) in &self.of_issuers {
            builder = builder.with_entry_of_issuer(entry.clone(), issuer);
        }
        builder
    }
}

/// Revoked entries for `serials`, revoked at `now` for `reason`.
pub(crate) fn entries(
    serials: &[Vec<u8>],
    now: OffsetDateTime,
    reason: Option<RevocationReason>,
) -> Vec<RevokedEntry> {
    serials
        .iter()
        .map(|serial| RevokedEntry {
            serial: serial.clone(),
            revoked_at: now,
            reason,
        })
        .collect()
}

/// Reads a file of decimal serials, one per line, as `cfssl gencrl` does (`-` for
/// standard input), at most [`MAX_INPUT_FILE`] octets; `what` names it in errors (a
/// flag, or a configuration file and key).
pub(crate) fn read_serials(path: &Path, what: &str) -> Result<Vec<Vec<u8>>, CliError> {
    let shown = path.display().to_string();
    let failed = |reason: String| CliError::Input {
        origin: format!("{what}: {shown}"),
        reason,
    };
    let mut bytes = Vec::new();
    let read = if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_INPUT_FILE + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT_FILE + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| failed(e.to_string()))?;
    if bytes.len() as u64 > MAX_INPUT_FILE {
        return Err(failed(format!(
            "larger than {MAX_INPUT_FILE} octets, not read"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| failed("not UTF-8 text".into()))?;
    let mut serials = Vec::new();
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
                origin: format!("{what}: {shown}:{}", i + 1),
                reason: format!("{line:?} is not a decimal serial number"),
            })?;
        serials.push(serial.as_ref().magnitude().unwrap_or_default().to_vec());
    }
    Ok(serials)
}

/// What signs: the dedicated CRL signer when one is given (the CA's key is not used),
/// else the CA's own key.
pub(crate) fn load_issuer(
    ca: &Path,
    ca_key: Option<&Path>,
    ca_key_pass: Option<&str>,
    signer: Option<&(PathBuf, PathBuf)>,
    signer_pass: Option<&str>,
) -> Result<CrlIssuer, CliError> {
    let Some((cert, key)) = signer else {
        let Some(ca_key) = ca_key else {
            return Err(CliError::Usage(
                "gencrl needs the CA key (-ca-key), or a dedicated CRL signer \
                 (--crl-signer and --crl-signer-key)"
                    .into(),
            ));
        };
        let password = ca_key_pass
            .map(|spec| crate::issue::password(spec, "-ca-key-pass"))
            .transpose()?;
        let ca = certgate_ca::CertificateAuthority::load(ca, ca_key, password.as_ref())?;
        return Ok(CrlIssuer::from(ca));
    };
    if ca_key.is_some() {
        return Err(CliError::Usage(
            "with a dedicated CRL signer the CA key is not used: leave out -ca-key \
             (and give the CA with -ca)"
                .into(),
        ));
    }
    let password = signer_pass
        .map(|spec| crate::issue::password(spec, "--crl-signer-key-pass"))
        .transpose()?;
    let name = ca.display().to_string();
    Ok(load_crl_signer(
        &name,
        ca,
        key,
        Some(cert),
        password.as_ref(),
    )?)
}
