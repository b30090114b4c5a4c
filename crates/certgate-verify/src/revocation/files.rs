//! The CRL files a store reads: the stamp of each (time, size, inode), by which a change
//! is seen, and their reading.

use std::path::PathBuf;

use crate::VerifyError;
use crate::revocation::crl::CrlIssuer;
use crate::revocation::crl_sources::CrlBatch;
use crate::revocation::store::Algorithms;

/// What identifies a version of a file: its modification time and size.
pub(crate) type Stamp = Option<(std::time::SystemTime, u64, u64)>;

/// The inode (a file replaced by a rename has another, whatever its time and size).
#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata) -> u64 {
    0
}

/// The stamp of each file now.
pub(crate) fn stamps(files: &[PathBuf]) -> Vec<Stamp> {
    files
        .iter()
        .map(|f| {
            let meta = std::fs::metadata(f).ok()?;
            Some((meta.modified().ok()?, meta.len(), file_id(&meta)))
        })
        .collect()
}

/// Reads the files into `set`, each stamped before it is read (so a change while it is
/// read is seen by the next check).
pub(crate) fn load_files(
    batch: &mut CrlBatch,
    issuers: &[CrlIssuer],
    files: &[PathBuf],
    algs: Algorithms,
) -> Result<Vec<Stamp>, VerifyError> {
    let stamped = stamps(files);
    for path in files {
        let bytes = std::fs::read(path).map_err(|source| VerifyError::Io {
            path: path.clone(),
            source,
        })?;
        batch.add(issuers, &bytes, &path.display().to_string(), algs)?;
    }
    Ok(stamped)
}
