//! One issuer's CRL from the inventory: its revoked certificates, the next CRL Number,
//! signed. `certgate gencrl --db` and `certgate crl serve` both make their CRLs here.

use std::path::Path;

use certgate_ca::{CertificateAuthority, Crl, Password, RevokedEntry};
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

/// Makes `ca`'s CRL from `store`: every revoked certificate of this issuer (and only
/// this one, by its key id), with reason codes and revocation times, numbered with the
/// issuer's next CRL Number from the database (so numbers only grow, also across
/// servers), valid from `this_update` until `next_update`.
///
/// # Errors
/// [`CrlServeError::Database`] when the store fails, [`CrlServeError::Time`] for a time
/// beyond what a CRL holds, [`CrlServeError::Signing`] when the CRL cannot be made.
pub async fn crl_from_store(
    store: &CertStore,
    ca: &CertificateAuthority,
    this_update: Timestamp,
    next_update: Timestamp,
) -> Result<StoreCrl, CrlServeError> {
    let db = |e: certgate_db::DbError| CrlServeError::Database {
        source: Box::new(e),
    };
    let aki = ca.certificate().key_id().to_vec();
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
    let crl = ca
        .crl(number, odt(this_update)?, odt(next_update)?)
        .with_entries(entries)
        .build()
        .map_err(|e| CrlServeError::Signing {
            source: Box::new(e),
        })?;
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
/// its CRLs: the CA's own key, with cRLSign in the CA certificate's keyUsage when it
/// has one; or, with `signing_cert`, a certificate for that key that has cRLSign.
///
/// # Errors
/// [`CrlServeError::Read`] when a certificate cannot be read, [`CrlServeError::Key`]
/// when a file is not what it should be, the password is wrong or the key
/// is not the certificate's; [`CrlServeError::NoCrlSign`] for a certificate without
/// cRLSign; [`CrlServeError::SignerNotSupported`] for a signing certificate that is not
/// the CA's own.
pub fn load_signer(issuer: &IssuerConfig) -> Result<CertificateAuthority, CrlServeError> {
    let key_err = |e: certgate_ca::CaError| CrlServeError::Key {
        issuer: issuer.name.clone(),
        source: Box::new(e),
    };
    let password: Option<Password> = issuer
        .key_password
        .as_ref()
        .map(|p| p.read().map_err(key_err))
        .transpose()?;
    let ca_der = first_certificate(&issuer.name, &issuer.ca)?;
    if let Some(signing) = &issuer.signing_cert {
        let der = first_certificate(&issuer.name, signing)?;
        check_crl_sign(&der, signing)?;
        if der != ca_der {
            // A dedicated key would sign CRLs whose AKI names it, which certgate-ca's
            // CRL builder does not make yet.
            return Err(CrlServeError::SignerNotSupported {
                cert: signing.clone(),
            });
        }
    }
    check_crl_sign(&ca_der, &issuer.ca)?;
    CertificateAuthority::load(&issuer.ca, &issuer.key, password.as_ref()).map_err(key_err)
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

/// A certificate that signs CRLs must allow it: cRLSign when keyUsage is present.
fn check_crl_sign(der: &[u8], path: &Path) -> Result<(), CrlServeError> {
    let refused = || CrlServeError::NoCrlSign {
        cert: path.to_owned(),
    };
    let view = CertView::parse(der).map_err(|_| refused())?;
    match view.key_usage() {
        Ok(Some(ku)) if !ku.contains(KeyUsageBit::CrlSign) => Err(refused()),
        Ok(_) => Ok(()),
        Err(_) => Err(refused()),
    }
}
