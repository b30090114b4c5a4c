//! One issuer's CRL from the inventory: its revoked certificates, the next CRL Number,
//! signed. `certgate gencrl --db` and `certgate crl serve` both make their CRLs here.

use std::path::Path;

use certgate_ca::{
    CaError, CertificateAuthority, Crl, CrlBuilder, KeySigner, Password, PrivateKey, RevokedEntry,
};
use certgate_db::CertStore;
use certgate_x509::{CertView, KeyId, KeyUsageBit, Timestamp};
use time::OffsetDateTime;

use super::CrlServeError;
use super::config::IssuerConfig;

/// A CRL made from the inventory, and what it holds.
#[derive(Debug)]
pub struct StoreCrl {
    /// The signed CRL.
    pub crl: Crl,
    /// Its CRL Number.
    pub number: u64,
    /// Its entries.
    pub entries: usize,
    /// Revoked certificates left out: negative serials (only an import brings one), which
    /// a CRL certgate-ca writes cannot hold.
    pub unlisted: usize,
}

/// What signs an issuer's CRLs: the CA's own key, or a dedicated CRL-signing key of
/// the CA (its certificate has the CA's name, was issued by the CA, has cRLSign).
#[derive(Debug)]
pub struct CrlIssuer {
    ca: CertificateAuthority,
    /// The dedicated key and its key identifier.
    delegated: Option<(KeySigner, Vec<u8>)>,
}

impl From<CertificateAuthority> for CrlIssuer {
    /// CRLs signed with the CA's own key.
    fn from(ca: CertificateAuthority) -> Self {
        Self {
            ca,
            delegated: None,
        }
    }
}

impl CrlIssuer {
    /// The CA.
    pub fn ca(&self) -> &CertificateAuthority {
        &self.ca
    }

    /// The key identifier the CRL's AKI carries: the dedicated key's, or the CA's.
    pub fn signing_key_id(&self) -> &[u8] {
        self.delegated
            .as_ref()
            .map_or(self.ca.certificate().key_id(), |(_, id)| id.as_slice())
    }

    /// Starts CRL number `number` of the CA, valid from `this_update` until
    /// `next_update`, signed by the dedicated key when there is one.
    pub fn crl(
        &self,
        number: u64,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
    ) -> CrlBuilder<'_> {
        let builder = self.ca.crl(number, this_update, next_update);
        match &self.delegated {
            Some((signer, key_id)) => builder.with_crl_signer(signer, key_id),
            None => builder,
        }
    }
}

/// Makes the CRL of `issuer`'s CA from `store`: every revoked certificate of this issuer (and only
/// this one, by its key id), with reason codes and revocation times, numbered with the
/// issuer's next CRL Number from the database (so numbers only grow, also across
/// servers), valid from `this_update` until `next_update`.
///
/// # Errors
/// [`CrlServeError::Database`] when the store fails, [`CrlServeError::Time`] for a time
/// beyond what a CRL holds, [`CrlServeError::Signing`] when the CRL cannot be made.
pub async fn crl_from_store(
    store: &CertStore,
    issuer: &CrlIssuer,
    this_update: Timestamp,
    next_update: Timestamp,
) -> Result<StoreCrl, CrlServeError> {
    crl_from_store_with(store, issuer, this_update, next_update, |b| Ok(b)).await
}

/// As [`crl_from_store`], with `extend` adding to the CRL before it is signed (an
/// issuingDistributionPoint, a deltaCRLIndicator, entries of other issuers ...).
///
/// # Errors
/// As [`crl_from_store`]; an error of `extend` is [`CrlServeError::Signing`].
pub async fn crl_from_store_with(
    store: &CertStore,
    issuer: &CrlIssuer,
    this_update: Timestamp,
    next_update: Timestamp,
    extend: impl for<'a> FnOnce(CrlBuilder<'a>) -> Result<CrlBuilder<'a>, CaError>,
) -> Result<StoreCrl, CrlServeError> {
    let db = |e: certgate_db::DbError| CrlServeError::Database {
        source: Box::new(e),
    };
    let aki = issuer.ca.certificate().key_id().to_vec();
    let rows = store.revoked_for_issuer(KeyId(&aki)).await.map_err(db)?;
    let number = store
        .next_crl_number(KeyId(&aki), this_update)
        .await
        .map_err(db)?;
    let mut entries = Vec::with_capacity(rows.len());
    let mut unlisted = 0usize;
    for row in rows {
        let Some(magnitude) = row.serial.as_ref().magnitude() else {
            unlisted += 1;
            continue;
        };
        entries.push(RevokedEntry {
            serial: magnitude.to_vec(),
            revoked_at: odt(row.revoked_at)?,
            reason: Some(row.reason),
        });
    }
    let count = entries.len();
    let signing = |e: CaError| CrlServeError::Signing {
        source: Box::new(e),
    };
    let builder = issuer
        .crl(number, odt(this_update)?, odt(next_update)?)
        .with_entries(entries);
    let crl = extend(builder)
        .and_then(CrlBuilder::build)
        .map_err(signing)?;
    Ok(StoreCrl {
        crl,
        number,
        entries: count,
        unlisted,
    })
}

fn odt(t: Timestamp) -> Result<OffsetDateTime, CrlServeError> {
    OffsetDateTime::from_unix_timestamp(t.unix_seconds()).map_err(|_| CrlServeError::Time {
        unix_seconds: t.unix_seconds(),
    })
}

/// Loads the issuer's CA certificate and signing key and checks that the key may sign
/// its CRLs: the CA's own key (with cRLSign in the CA certificate's keyUsage when it has
/// one), or, with `signing_cert`, a dedicated key of the CA: a certificate for that key
/// with keyUsage cRLSign, the CA's name as its subject (the CRL's issuer stays the CA;
/// no indirect CRL), and the CA's name and key identifier as its issuer. Its signature
/// is left to verifiers, which check it before they trust the CRL.
///
/// # Errors
/// [`CrlServeError::Read`] when a certificate cannot be read, [`CrlServeError::Key`]
/// when a file is not what it should be, the password is wrong or the key is not the
/// certificate's; [`CrlServeError::NoCrlSign`] for a certificate without cRLSign;
/// [`CrlServeError::NotTheCasSigner`] for a signing certificate that is not one of the
/// CA itself.
pub fn load_signer(issuer: &IssuerConfig) -> Result<CrlIssuer, CrlServeError> {
    let password: Option<Password> = issuer
        .key_password
        .as_ref()
        .map(|p| {
            p.read().map_err(|e| CrlServeError::Key {
                issuer: issuer.name.clone(),
                source: Box::new(e),
            })
        })
        .transpose()?;
    load_crl_signer(
        &issuer.name,
        &issuer.ca,
        &issuer.key,
        issuer.signing_cert.as_deref(),
        password.as_ref(),
    )
}

/// [`load_signer`] from files: the CA certificate `ca`, the signing key `key` (opened
/// with `password`) and, for a dedicated key, its certificate `signing_cert`; `name`
/// names the issuer in errors.
///
/// # Errors
/// As [`load_signer`].
pub fn load_crl_signer(
    name: &str,
    ca: &Path,
    key: &Path,
    signing_cert: Option<&Path>,
    password: Option<&Password>,
) -> Result<CrlIssuer, CrlServeError> {
    let key_err = |e: CaError| CrlServeError::Key {
        issuer: name.to_owned(),
        source: Box::new(e),
    };
    let ca_der = first_certificate(name, ca)?;
    let signing = match signing_cert {
        Some(path) => Some((first_certificate(name, path)?, path)),
        None => None,
    };
    match signing {
        Some((der, path)) if der != ca_der => {
            check_crl_sign(&der, path, true)?;
            let key_id = check_of_the_ca(&der, &ca_der, path)?;
            let ca = certgate_ca::CaCertificate::from_der(&ca_der, &ca.display().to_string())
                .map_err(key_err)?;
            let signer = KeySigner::new(PrivateKey::from_pem_file(key, password).map_err(key_err)?);
            let cert_key = certgate_ca::certificate_public_key(&der, &path.display().to_string())
                .map_err(key_err)?;
            if certgate_ca::CaSigner::public_key_der(&signer) != cert_key {
                return Err(key_err(CaError::KeyMismatch {
                    key: key.display().to_string(),
                    cert: path.display().to_string(),
                }));
            }
            // The CA's own signer is not used: a placeholder that holds its certificate.
            let ca = CertificateAuthority::new(ca, Box::new(NoCaKey(signer_public(&ca_der)?)))
                .map_err(key_err)?;
            Ok(CrlIssuer {
                ca,
                delegated: Some((signer, key_id)),
            })
        }
        _ => {
            check_crl_sign(&ca_der, ca, false)?;
            CertificateAuthority::load(ca, key, password)
                .map(CrlIssuer::from)
                .map_err(key_err)
        }
    }
}

/// The first certificate of a PEM file.
fn first_certificate(issuer: &str, path: &Path) -> Result<Vec<u8>, CrlServeError> {
    let bytes = std::fs::read(path).map_err(|source| CrlServeError::Read {
        file: path.to_owned(),
        source,
    })?;
    certgate_ca::certificates_from_pem(&bytes, &path.display().to_string())
        .map_err(|e| CrlServeError::Key {
            issuer: issuer.to_owned(),
            source: Box::new(e),
        })?
        .into_iter()
        .next()
        .ok_or_else(|| CrlServeError::NoCrlSign {
            cert: path.to_owned(),
        })
}

/// A certificate that signs CRLs must allow it: cRLSign in its keyUsage (which a
/// dedicated signer's certificate must have; a CA's may lack, allowing everything).
fn check_crl_sign(der: &[u8], path: &Path, required: bool) -> Result<(), CrlServeError> {
    let refused = || CrlServeError::NoCrlSign {
        cert: path.to_owned(),
    };
    let view = CertView::parse(der).map_err(|_| refused())?;
    match view.key_usage() {
        Ok(Some(ku)) if ku.contains(KeyUsageBit::CrlSign) => Ok(()),
        Ok(None) if !required => Ok(()),
        _ => Err(refused()),
    }
}

/// A dedicated signer's certificate must be one of the CA itself: the CA's name as
/// subject and issuer, the CA's key identifier as its AKI. Returns its own key id.
fn check_of_the_ca(der: &[u8], ca_der: &[u8], path: &Path) -> Result<Vec<u8>, CrlServeError> {
    let not_ours = |problem| CrlServeError::NotTheCasSigner {
        cert: path.to_owned(),
        problem,
    };
    let (Ok(cert), Ok(ca)) = (CertView::parse(der), CertView::parse(ca_der)) else {
        return Err(not_ours("cannot be read"));
    };
    if cert.subject.der() != ca.subject.der() {
        return Err(not_ours("its subject is not the CA's name"));
    }
    if cert.issuer.der() != ca.subject.der() {
        return Err(not_ours("it was not issued by the CA (issuer name)"));
    }
    let aki = cert
        .authority_key_id()
        .ok()
        .flatten()
        .and_then(|a| a.key_id);
    let ca_ski = ca.subject_key_id().ok().flatten();
    if aki.is_none() || aki != ca_ski {
        return Err(not_ours(
            "it was not issued by the CA (authority key identifier)",
        ));
    }
    match cert.subject_key_id() {
        Ok(Some(ski)) => Ok(ski.to_vec()),
        _ => Err(not_ours("it has no subject key identifier")),
    }
}

/// The CA certificate's public key (DER SubjectPublicKeyInfo).
fn signer_public(ca_der: &[u8]) -> Result<Vec<u8>, CrlServeError> {
    certgate_ca::certificate_public_key(ca_der, "CA certificate").map_err(|e| {
        CrlServeError::Signing {
            source: Box::new(e),
        }
    })
}

/// Stands in for the CA's key when a dedicated key signs the CRLs: it never signs.
#[derive(Debug)]
struct NoCaKey(Vec<u8>);

impl certgate_ca::CaSigner for NoCaKey {
    fn public_key_der(&self) -> Vec<u8> {
        self.0.clone()
    }

    fn algorithm(&self) -> certgate_ca::SignatureAlgorithm {
        // Only read for what this signer signs, which is nothing.
        certgate_ca::SignatureAlgorithm::EcdsaP256Sha256
    }

    fn sign(&self, _message: &[u8]) -> Result<Vec<u8>, certgate_ca::SignerError> {
        Err(certgate_ca::SignerError::new(std::io::Error::other(
            "the CA key is not loaded: CRLs are signed by the dedicated key",
        )))
    }
}
