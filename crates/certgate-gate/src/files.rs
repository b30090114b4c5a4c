//! Reading the files a host names: bounded, with errors that name the file.

use std::io::Read;
use std::path::Path;

use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{GateError, PemProblem};

/// The most a certificate, key or CA file may hold.
pub const MAX_PEM_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads at most `limit` bytes of `path`; a larger file is an error, not a truncation.
pub(crate) fn read_bounded(
    path: &Path,
    what: &'static str,
    limit: u64,
) -> Result<Vec<u8>, GateError> {
    let read_err = |source| GateError::Read {
        what,
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut out = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut out)
        .map_err(read_err)?;
    if out.len() as u64 > limit {
        return Err(read_err(std::io::Error::other(format!(
            "larger than {limit} bytes"
        ))));
    }
    Ok(out)
}

/// The blocks of a PEM file, read within [`MAX_PEM_FILE_BYTES`].
fn pem_blocks(
    path: &Path,
    what: &'static str,
) -> Result<Vec<certgate_x509::pem::PemBlock>, GateError> {
    let text = read_bounded(path, what, MAX_PEM_FILE_BYTES)?;
    certgate_x509::pem::parse_blocks(&text)
        .map_err(|_| pem_error(path, what, PemProblem::Unreadable))
}

fn pem_error(path: &Path, what: &'static str, problem: PemProblem) -> GateError {
    GateError::Pem {
        what,
        path: path.to_owned(),
        problem,
    }
}

/// Every `CERTIFICATE` block of a PEM file, at least one.
pub(crate) fn certificates(
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, GateError> {
    let certs: Vec<_> = pem_blocks(path, what)?
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| CertificateDer::from(b.der))
        .collect();
    if certs.is_empty() {
        return Err(pem_error(path, what, PemProblem::Missing("CERTIFICATE")));
    }
    Ok(certs)
}

/// The private key of a PEM file (PKCS#8, SEC1 or PKCS#1).
pub(crate) fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, GateError> {
    let what = "server key";
    pem_blocks(path, what)?
        .into_iter()
        .find_map(|b| match b.label.as_str() {
            "PRIVATE KEY" => Some(PrivateKeyDer::Pkcs8(b.der.into())),
            "EC PRIVATE KEY" => Some(PrivateKeyDer::Sec1(b.der.into())),
            "RSA PRIVATE KEY" => Some(PrivateKeyDer::Pkcs1(b.der.into())),
            _ => None,
        })
        .ok_or_else(|| pem_error(path, what, PemProblem::Missing("PRIVATE KEY")))
}
