//! Writing results: all or nothing, private keys readable by their owner only.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::CaError;

/// Who may read a file we write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileMode {
    /// Certificates, requests, CRLs: mode 0644.
    Public,
    /// Private keys and PKCS#12 bundles: mode 0600 from the moment the file exists.
    Private,
}

/// One file to write.
#[derive(Debug)]
pub struct OutputFile {
    /// Where it goes.
    pub path: PathBuf,
    /// What it holds.
    pub contents: Vec<u8>,
    /// Who may read it.
    pub mode: FileMode,
}

impl OutputFile {
    /// A file for `path` with `contents`.
    pub fn new(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>, mode: FileMode) -> Self {
        Self {
            path: path.into(),
            contents: contents.into(),
            mode,
        }
    }
}

/// Writes every file or none: each goes to a temporary file beside its target, and
/// only when all are written are they renamed into place. On error the temporary
/// files are removed and no target is touched.
///
/// # Errors
/// [`CaError::Io`] naming the file that could not be written.
pub fn write_all_or_nothing(files: &[OutputFile]) -> Result<(), CaError> {
    let mut temps: Vec<PathBuf> = Vec::with_capacity(files.len());
    let result = (|| {
        for file in files {
            let temp = temp_path(&file.path);
            temps.push(temp.clone());
            write_new(&temp, &file.contents, file.mode).map_err(|e| CaError::io(&file.path, e))?;
        }
        for (file, temp) in files.iter().zip(&temps) {
            fs::rename(temp, &file.path).map_err(|e| CaError::io(&file.path, e))?;
        }
        Ok(())
    })();
    if result.is_err() {
        for temp in &temps {
            let _ = fs::remove_file(temp);
        }
    }
    result
}

/// Writes one file atomically (see [`write_all_or_nothing`]).
///
/// # Errors
/// [`CaError::Io`] naming the file.
pub fn write_atomic(
    path: impl Into<PathBuf>,
    contents: &[u8],
    mode: FileMode,
) -> Result<(), CaError> {
    write_all_or_nothing(&[OutputFile::new(path, contents.to_vec(), mode)])
}

/// The files `cfssljson -bare NAME` writes: `NAME.pem`, `NAME-key.pem` (0600) and
/// `NAME.csr`, each only when given.
pub fn bare_files(
    name: &str,
    cert_pem: Option<&str>,
    key_pem: Option<&str>,
    csr_pem: Option<&str>,
) -> Vec<OutputFile> {
    let mut files = Vec::new();
    if let Some(cert) = cert_pem {
        files.push(OutputFile::new(
            format!("{name}.pem"),
            cert,
            FileMode::Public,
        ));
    }
    if let Some(key) = key_pem {
        files.push(OutputFile::new(
            format!("{name}-key.pem"),
            key,
            FileMode::Private,
        ));
    }
    if let Some(csr) = csr_pem {
        files.push(OutputFile::new(
            format!("{name}.csr"),
            csr,
            FileMode::Public,
        ));
    }
    files
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nonce: u32 = std::process::id()
        ^ (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0));
    target.with_file_name(format!(".{name}.{nonce:08x}.tmp"))
}

fn write_new(path: &Path, contents: &[u8], mode: FileMode) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(match mode {
            FileMode::Public => 0o644,
            FileMode::Private => 0o600,
        });
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_keys_0600_and_leaves_nothing_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let name = dir.path().join("dev").display().to_string();
        write_all_or_nothing(&bare_files(&name, Some("c"), Some("k"), Some("r"))).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(format!("{name}-key.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let bad = vec![
            OutputFile::new(dir.path().join("a.pem"), "a", FileMode::Public),
            OutputFile::new(dir.path().join("missing/b.pem"), "b", FileMode::Public),
        ];
        let err = write_all_or_nothing(&bad).unwrap_err().to_string();
        assert!(err.contains("missing/b.pem"), "{err}");
        assert!(!dir.path().join("a.pem").exists());
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 3, "{left:?}");
    }
}
