//! Passwords and where they come from: `pass:`, `env:` and `file:`, as OpenSSL spells them.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use zeroize::Zeroizing;

use crate::{CaError, PasswordProblem};

/// A password, wiped from memory when dropped and never printed.
#[derive(Clone)]
pub struct Password(Zeroizing<Vec<u8>>);

impl Password {
    /// Wraps password bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(Zeroizing::new(bytes.into()))
    }

    /// The password's bytes (UTF-8 when it came from a text source).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Where to read a password from, in OpenSSL's `-passin`/`-passout` syntax.
///
/// - `pass:SECRET` — the password itself (visible in the process list: prefer the others);
/// - `env:VAR` — the value of the environment variable `VAR`;
/// - `file:PATH` — the first line of the file `PATH`, without its line ending.
#[derive(Clone)]
pub enum PasswordSource {
    /// `pass:SECRET`.
    Literal(Password),
    /// `env:VAR`.
    Env(String),
    /// `file:PATH`.
    File(PathBuf),
}

impl fmt::Debug for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Literal(_) => f.write_str("pass:<redacted>"),
            Self::Env(var) => write!(f, "env:{var}"),
            Self::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

impl FromStr for PasswordSource {
    type Err = CaError;

    /// Parses `pass:..`, `env:..` or `file:..`.
    ///
    /// # Errors
    /// [`CaError::Password`] for any other form, or an empty variable or file name.
    fn from_str(spec: &str) -> Result<Self, CaError> {
        let err = |problem: PasswordProblem| CaError::Password {
            spec: redact(spec),
            problem,
        };
        if let Some(secret) = spec.strip_prefix("pass:") {
            Ok(Self::Literal(Password::new(secret.as_bytes())))
        } else if let Some(var) = spec.strip_prefix("env:") {
            if var.is_empty() {
                return Err(err(PasswordProblem::NoVariableName));
            }
            Ok(Self::Env(var.to_owned()))
        } else if let Some(path) = spec.strip_prefix("file:") {
            if path.is_empty() {
                return Err(err(PasswordProblem::NoFileName));
            }
            Ok(Self::File(PathBuf::from(path)))
        } else {
            Err(err(PasswordProblem::UnknownForm))
        }
    }
}

impl PasswordSource {
    /// Reads the password.
    ///
    /// # Errors
    /// [`CaError::Password`] when the variable is unset or not UTF-8, and
    /// [`CaError::Io`] when the file cannot be read.
    pub fn read(&self) -> Result<Password, CaError> {
        match self {
            Self::Literal(password) => Ok(password.clone()),
            Self::Env(var) => match std::env::var(var) {
                Ok(value) => Ok(Password::new(value.into_bytes())),
                Err(e) => Err(CaError::Password {
                    spec: format!("env:{var}"),
                    problem: match e {
                        std::env::VarError::NotPresent => PasswordProblem::VariableNotSet,
                        std::env::VarError::NotUnicode(_) => PasswordProblem::VariableNotUnicode,
                    },
                }),
            },
            Self::File(path) => {
                let bytes = Zeroizing::new(CaError::read_file(path)?);
                let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                Ok(Password::new(line.to_vec()))
            }
        }
    }
}

/// A password source spec fit for an error message: `env:` and `file:` sources as they
/// are; anything else may be a password typed without its `pass:`, so it is hidden.
fn redact(spec: &str) -> String {
    if spec.starts_with("env:") || spec.starts_with("file:") {
        spec.to_owned()
    } else if spec.starts_with("pass:") {
        "pass:<redacted>".to_owned()
    } else {
        "<redacted>".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_source() {
        let p: PasswordSource = "pass:s3cret".parse().unwrap();
        assert_eq!(p.read().unwrap().as_bytes(), b"s3cret");
        assert_eq!(format!("{p:?}"), "pass:<redacted>");

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "line one\r\nline two\n").unwrap();
        let p: PasswordSource = format!("file:{}", file.display()).parse().unwrap();
        assert_eq!(p.read().unwrap().as_bytes(), b"line one");

        let p: PasswordSource = "env:PATH".parse().unwrap();
        assert!(!p.read().unwrap().as_bytes().is_empty());
    }

    #[test]
    fn rejects_bad_specs_without_leaking() {
        let e = "s3cret".parse::<PasswordSource>().unwrap_err().to_string();
        assert!(e.contains("expected pass:") && !e.contains("s3cret"), "{e}");
        let e = "env:CERTGATE_SURELY_UNSET_VAR"
            .parse::<PasswordSource>()
            .unwrap()
            .read()
            .unwrap_err()
            .to_string();
        assert!(e.contains("CERTGATE_SURELY_UNSET_VAR"), "{e}");
        let e = "file:/nonexistent/pw"
            .parse::<PasswordSource>()
            .unwrap()
            .read()
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/pw"), "{e}");
        assert_eq!(
            format!("{:?}", Password::new("hunter2")),
            "Password(<redacted>)"
        );
    }
}
