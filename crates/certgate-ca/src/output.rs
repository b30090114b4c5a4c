//! Writing results: all or nothing, private keys readable by their owner only.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

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
/// only when all are written are they renamed into place. If a rename fails (a target
/// that is a directory, say), the files already renamed are taken back: a target that
/// did not exist is removed, one that did gets its old contents back. On error no
/// temporary file is left and every target is as it was.
///
/// # Errors
/// [`CaError::Io`] naming the file that could not be written.
pub fn write_all_or_nothing(files: &[OutputFile]) -> Result<(), CaError> {
    let mut temps: Vec<PathBuf> = Vec::with_capacity(files.len());
    let written = files.iter().try_for_each(|file| {
        let temp = temp_path(&file.path, "tmp");
        temps.push(temp.clone());
        write_new(&temp, &file.contents, file.mode).map_err(|e| CaError::io(&file.path, e))
    });
    let result = written.and_then(|()| commit(files, &temps));
    for temp in &temps {
        // Renamed temporaries are gone already; this removes the rest.
        let _ = fs::remove_file(temp);
    }
    result
}

/// A target renamed into place, and how to take it back.
struct Committed<'a> {
    target: &'a Path,
    /// A link to (or copy of) the file the target replaced, if there was one.
    backup: Option<PathBuf>,
}

/// Renames each temporary onto its target, keeping what it replaces until all are in
/// place; on the first failure undoes the renames done so far.
fn commit(files: &[OutputFile], temps: &[PathBuf]) -> Result<(), CaError> {
    let mut done: Vec<Committed<'_>> = Vec::with_capacity(files.len());
    let result = files.iter().zip(temps).try_for_each(|(file, temp)| {
        let backup = back_up(&file.path).map_err(|e| CaError::io(&file.path, e))?;
        match fs::rename(temp, &file.path) {
            Ok(()) => {
                done.push(Committed {
                    target: &file.path,
                    backup,
                });
                Ok(())
            }
            Err(e) => {
                if let Some(backup) = backup {
                    let _ = fs::remove_file(backup);
                }
                Err(CaError::io(&file.path, e))
            }
        }
    });
    for committed in done.iter().rev() {
        match (&result, &committed.backup) {
            (Ok(()), Some(backup)) => {
                let _ = fs::remove_file(backup);
            }
            (Ok(()), None) => {}
            (Err(_), Some(backup)) => {
                let _ = fs::rename(backup, committed.target);
            }
            (Err(_), None) => {
                let _ = fs::remove_file(committed.target);
            }
        }
    }
    result
}

/// Keeps the file at `target`, if there is one, under a temporary name beside it: a
/// hard link where the file system has them, else a copy. A directory or anything else
/// that is not a file is left alone (the rename onto it fails and says why).
fn back_up(target: &Path) -> std::io::Result<Option<PathBuf>> {
    match fs::symlink_metadata(target) {
        Ok(meta) if meta.is_file() || meta.file_type().is_symlink() => {
            let backup = temp_path(target, "old");
            if fs::hard_link(target, &backup).is_err() {
                fs::copy(target, &backup)?;
            }
            Ok(Some(backup))
        }
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
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

/// `.NAME.NONCE.SUFFIX` beside `target`.
fn temp_path(target: &Path, suffix: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique within the process by the counter, and unlikely to meet another process's.
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nonce: u32 = std::process::id()
        ^ (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0));
    target.with_file_name(format!(".{name}.{nonce:08x}{count:x}.{suffix}"))
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

    #[test]
    fn a_failed_rename_takes_back_the_files_already_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("a.pem"), "old a").unwrap();
        fs::create_dir(d.join("b-key.pem")).unwrap();
        let files = vec![
            OutputFile::new(d.join("a.pem"), "new a", FileMode::Public),
            OutputFile::new(d.join("c.csr"), "new c", FileMode::Public),
            OutputFile::new(d.join("b-key.pem"), "new b", FileMode::Private),
        ];
        let err = write_all_or_nothing(&files).unwrap_err();
        assert!(
            matches!(&err, CaError::Io { path, .. } if path.ends_with("b-key.pem")),
            "{err:?}"
        );
        // The replaced file has its old contents, the new one is gone, nothing is left over.
        assert_eq!(fs::read_to_string(d.join("a.pem")).unwrap(), "old a");
        assert!(!d.join("c.csr").exists());
        assert!(d.join("b-key.pem").is_dir());
        let mut left: Vec<_> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["a.pem", "b-key.pem"]);

        // Replacing existing files works and leaves no backups behind.
        fs::remove_dir(d.join("b-key.pem")).unwrap();
        write_all_or_nothing(&files).unwrap();
        assert_eq!(fs::read_to_string(d.join("a.pem")).unwrap(), "new a");
        assert_eq!(fs::read_to_string(d.join("b-key.pem")).unwrap(), "new b");
        assert_eq!(fs::read_dir(d).unwrap().count(), 3);
    }
}
