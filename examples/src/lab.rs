//! The seed's PKI on disk, made through the libraries: the root CA from the seed's
//! JSON, a server certificate for the gate, device certificates with their `.p12`
//! bundles, CRLs, and a gate configuration. The demo runs on it; the gate's end-to-end
//! tests and the benches build theirs with it.

use std::path::{Path, PathBuf};

use certgate_ca::cfssl::{CsrJson, KeyRequest, SigningConfig};
use certgate_ca::{
    CaError, CertificateAuthority, CertificateRequest, FileMode, KeySigner, PrivateKey,
    RevokedEntry, RootCaBuilder, write_atomic,
};
use certgate_pkcs12::{Pkcs12Builder, Pkcs12Profile};
use time::{Duration, OffsetDateTime};

/// The signing profiles of the seed's `ca-config.json`, plus `server`.
pub const SIGNING_CONFIG: &str = include_str!("../walkthrough/root/ca-config.json");
/// The seed's root CA request.
pub const ROOT_CSR: &str = include_str!("../walkthrough/root/ca-csr.json");
/// The seed's device request (the iPhone's).
pub const CLIENT_CSR: &str = include_str!("../walkthrough/client/client-csr.json");
/// The host name the gate serves in the lab (`*.localhost` resolves to loopback).
pub const HOST: &str = "money.localhost";

/// Which keys the lab makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// What the seed's JSON asks for (RSA 4096).
    Seed,
    /// ECDSA P-256 everywhere: fast, for tests and benches.
    Fast,
}

/// Why the lab could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// certgate-ca refused something.
    #[error(transparent)]
    Ca(#[from] CaError),
    /// certgate-pkcs12 refused something.
    #[error(transparent)]
    Pkcs12(#[from] certgate_pkcs12::Pkcs12Error),
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A device's files.
#[derive(Clone, Debug)]
pub struct Device {
    /// Its name (`iphone`).
    pub name: String,
    /// `NAME.pem`.
    pub cert: PathBuf,
    /// `NAME-key.pem` (0600).
    pub key: PathBuf,
    /// `NAME.p12`, modern profile.
    pub p12: PathBuf,
    /// `NAME-legacy.p12`, legacy profile (older phones).
    pub p12_legacy: PathBuf,
    /// The serial, big-endian.
    pub serial: Vec<u8>,
    /// The certificate's DER.
    pub der: Vec<u8>,
}

/// A CA and the directory its files are in.
#[derive(Debug)]
pub struct Lab {
    /// The directory.
    pub dir: PathBuf,
    /// The root CA.
    pub ca: CertificateAuthority,
    /// `ca.pem`.
    pub ca_pem: PathBuf,
    keys: Keys,
    crl_number: std::cell::Cell<u64>,
}

/// The password of the lab's `.p12` files.
pub const P12_PASSWORD: &str = "certgate-demo";

fn csr_json(text: &str, origin: &str, keys: Keys) -> Result<CsrJson, CaError> {
    let mut csr = CsrJson::from_json(text.as_bytes(), origin)?;
    if keys == Keys::Fast {
        csr.key = Some(KeyRequest {
            algo: "ecdsa".into(),
            size: 256,
        });
    }
    Ok(csr)
}

fn write(path: &Path, bytes: &[u8], mode: FileMode) -> Result<(), LabError> {
    write_atomic(path, bytes, mode).map_err(LabError::from)
}

impl Lab {
    /// Makes the root CA in `dir/root` from the seed's JSON (name `prefix` in its CN
    /// when given, for a second, untrusted CA) and writes `ca.pem` and `ca-key.pem`.
    ///
    /// # Errors
    /// [`LabError`] naming what failed.
    pub fn create(dir: &Path, keys: Keys, cn: Option<&str>) -> Result<Self, LabError> {
        let root_dir = dir.join("root");
        std::fs::create_dir_all(&root_dir).map_err(|source| LabError::Write {
            path: root_dir.clone(),
            source,
        })?;
        let mut csr = csr_json(ROOT_CSR, "ca-csr.json", keys)?;
        if let Some(cn) = cn {
            csr.common_name = cn.to_owned();
        }
        let spec = csr.key_spec()?;
        let key = PrivateKey::generate(spec)?;
        let key_pem = key.to_pkcs8_pem()?;
        let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key))).build()?;
        let ca_pem = root_dir.join("ca.pem");
        write(
            &ca_pem,
            made.certificate.to_pem().as_bytes(),
            FileMode::Public,
        )?;
        write(
            &root_dir.join("ca-key.pem"),
            key_pem.as_bytes(),
            FileMode::Private,
        )?;
        write(
            &root_dir.join("ca-config.json"),
            SIGNING_CONFIG.as_bytes(),
            FileMode::Public,
        )?;
        Ok(Self {
            dir: dir.to_owned(),
            ca: made.ca,
            ca_pem,
            keys,
            crl_number: std::cell::Cell::new(0),
        })
    }

    fn profiles() -> Result<SigningConfig, CaError> {
        let mut json: serde_json::Value =
            serde_json::from_str(SIGNING_CONFIG).unwrap_or(serde_json::Value::Null);
        // The seed's server profile, for the gate's own certificate.
        json["signing"]["profiles"]["server"] = serde_json::json!({
            "usages": ["signing", "key encipherment", "server auth"], "expiry": "8760h"
        });
        SigningConfig::from_json(json.to_string().as_bytes(), "ca-config.json")
    }

    /// Issues the gate's server certificate for [`HOST`], `localhost` and 127.0.0.1:
    /// `server.pem` and `server-key.pem`.
    ///
    /// # Errors
    /// [`LabError`] naming what failed.
    pub fn server(&self) -> Result<(PathBuf, PathBuf), LabError> {
        let json = format!(r#"{{"CN": "{HOST}", "hosts": ["{HOST}", "localhost", "127.0.0.1"]}}"#);
        let csr = csr_json(&json, "server-csr.json", Keys::Fast)?;
        let (key, req) = CertificateRequest::generate(&csr)?;
        let profiles = Self::profiles()?;
        let cert = self.ca.issue(&req, profiles.profile("server")?).build()?;
        let (cert_path, key_path) = (self.dir.join("server.pem"), self.dir.join("server-key.pem"));
        write(&cert_path, cert.to_pem().as_bytes(), FileMode::Public)?;
        write(&key_path, key.to_pkcs8_pem()?.as_bytes(), FileMode::Private)?;
        Ok((cert_path, key_path))
    }

    /// Issues a device certificate (the seed's client request, CN `cn`) with `serial`,
    /// and writes its PEM files and both `.p12` bundles under `dir/NAME/`.
    ///
    /// # Errors
    /// [`LabError`] naming what failed.
    pub fn device(&self, name: &str, cn: &str, serial: &[u8]) -> Result<Device, LabError> {
        let dir = self.dir.join(name);
        std::fs::create_dir_all(&dir).map_err(|source| LabError::Write {
            path: dir.clone(),
            source,
        })?;
        let mut csr = csr_json(CLIENT_CSR, "client-csr.json", self.keys)?;
        csr.common_name = cn.to_owned();
        csr.hosts.clear();
        let (key, req) = CertificateRequest::generate(&csr)?;
        let profiles = Self::profiles()?;
        let cert = self
            .ca
            .issue(&req, profiles.profile("client")?)
            .with_serial(serial)
            .build()?;
        let device = Device {
            name: name.to_owned(),
            cert: dir.join(format!("{name}.pem")),
            key: dir.join(format!("{name}-key.pem")),
            p12: dir.join(format!("{name}.p12")),
            p12_legacy: dir.join(format!("{name}-legacy.p12")),
            serial: serial.to_vec(),
            der: cert.der().to_vec(),
        };
        write(&device.cert, cert.to_pem().as_bytes(), FileMode::Public)?;
        let pkcs8 = key.to_pkcs8_der()?;
        write(
            &device.key,
            key.to_pkcs8_pem()?.as_bytes(),
            FileMode::Private,
        )?;
        let ca_der = self.ca.certificate().der().to_vec();
        for (path, profile) in [
            (&device.p12, Pkcs12Profile::Modern),
            (&device.p12_legacy, Pkcs12Profile::Legacy),
        ] {
            let bundle = Pkcs12Builder::new(&pkcs8, cert.der(), P12_PASSWORD)
                .with_chain([ca_der.as_slice()])
                .with_friendly_name(cn)
                .with_profile(profile)
                .build()?;
            write(path, &bundle, FileMode::Private)?;
        }
        Ok(device)
    }

    /// Writes `crl.pem` (atomically replacing it) revoking `revoked`, with the next CRL
    /// number, valid for a day.
    ///
    /// # Errors
    /// [`LabError`] naming what failed.
    pub fn write_crl(&self, revoked: &[&Device]) -> Result<PathBuf, LabError> {
        let number = self.crl_number.get() + 1;
        self.crl_number.set(number);
        let now = OffsetDateTime::now_utc();
        let crl = self
            .ca
            .crl(number, now - Duration::minutes(5), now + Duration::days(1))
            .with_entries(revoked.iter().map(|d| RevokedEntry {
                serial: d.serial.clone(),
                revoked_at: now - Duration::seconds(1),
                reason: None,
            }))
            .build()?;
        let path = self.dir.join("crl.pem");
        write(&path, crl.to_pem().as_bytes(), FileMode::Public)?;
        Ok(path)
    }

    /// Writes `policies.toml`: the money application lets in any valid device
    /// certificate of this CA.
    ///
    /// # Errors
    /// [`LabError::Write`].
    pub fn write_policy(&self) -> Result<PathBuf, LabError> {
        let text = format!(
            "# The money app: any device certificate of the lab's CA, no login.\n\
             [[applications]]\nname = \"money\"\ndomains = [\"{HOST}\", \"localhost\", \"127.0.0.1\"]\n\n\
             [[applications.policies]]\nname = \"my-devices\"\ndecision = \"non_identity\"\n\
             include = [{{ certificate = true }}]\n"
        );
        let path = self.dir.join("policies.toml");
        write(&path, text.as_bytes(), FileMode::Public)?;
        Ok(path)
    }

    /// Writes `gate.toml` for one host ([`HOST`], the default for clients without SNI)
    /// in front of `origin`, listening on `listen` (port 0: any free one), metrics on a
    /// free port, reloading every 200 ms; `mode` is `enforce` or `report`; `extra` is
    /// appended to the `[limits]` section.
    ///
    /// # Errors
    /// [`LabError`] naming what failed.
    pub fn write_gate_config(
        &self,
        origin: &str,
        listen: &str,
        mode: &str,
        limits: &str,
    ) -> Result<PathBuf, LabError> {
        let (cert, key) = self.server()?;
        let policy = self.write_policy()?;
        let crl = self.dir.join("crl.pem");
        if !crl.exists() {
            self.write_crl(&[])?;
        }
        let text = format!(
            "[server]\nlisten = [\"{listen}\"]\nmetrics = \"127.0.0.1:0\"\nlog_format = \"json\"\n\
             default_host = \"{HOST}\"\nreload_interval = \"200ms\"\n\n[limits]\n{limits}\n\n\
             [[host]]\nname = \"{HOST}\"\ncertificate = \"{}\"\nkey = \"{}\"\norigin = \"{origin}\"\n\
             policy = \"{}\"\n\n[host.trust]\nca = \"{}\"\ncrls = [\"{}\"]\nmode = \"{mode}\"\n",
            cert.display(),
            key.display(),
            policy.display(),
            self.ca_pem.display(),
            crl.display(),
        );
        let path = self.dir.join("gate.toml");
        write(&path, text.as_bytes(), FileMode::Public)?;
        Ok(path)
    }
}
