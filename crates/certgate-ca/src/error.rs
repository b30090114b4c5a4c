//! The one error type of this crate.

use std::error::Error as StdError;
use std::path::PathBuf;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::problem::{
    CertificateProblem, ConfigProblem, CrlProblem, CsrProblem, DurationProblem, HostProblem,
    JsonProblem, KeyProblem, NameProblem, NotCaProblem, PasswordProblem, PemProblem,
};
use crate::{KeySpec, SignatureAlgorithm, SignatureHash, SignerError};

/// A dependency's error, kept as the source of ours without its type in our API.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Largest file certgate-ca reads (a key, a certificate, a request, a JSON file): 16 MiB,
/// far above any of them, so a wrong or hostile path is never read whole.
pub const MAX_INPUT_FILE: u64 = 16 * 1024 * 1024;

/// Everything that can go wrong while reading CA inputs, issuing or revoking.
///
/// Each variant names the thing it is about (`origin`: a file path, or a label
/// such as `<stdin>` for input that did not come from a file) and says what is wrong
/// with a value a caller can match on (a `problem` enum, a field name, the values
/// involved). Where a dependency reported the failure, its error is the
/// [`source`](std::error::Error::source).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// A file larger than certgate-ca reads ([`MAX_INPUT_FILE`]): no key, certificate,
    /// request or configuration is that large.
    #[error("{}: larger than {limit} octets, not read", path.display())]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// The most octets read.
        limit: u64,
    },

    /// JSON that does not parse, or does not match cfssl's schema.
    #[error(
        "{origin}: invalid JSON at line {line}, column {column}: {}",
        json_message(source)
    )]
    Json {
        /// Where the JSON came from.
        origin: String,
        /// 1-based line of the error (0 when unknown).
        line: usize,
        /// 1-based column of the error (0 when unknown).
        column: usize,
        /// Whether it is not JSON, truncated, or off cfssl's schema.
        problem: JsonProblem,
        /// The parser's error.
        #[source]
        source: Box<dyn StdError + Send + Sync + 'static>,
    },

    /// A configuration value that parses but cannot be used.
    #[error("{origin}: {field}: {problem}{}", cause(source.as_ref()))]
    InvalidConfig {
        /// Where the configuration came from.
        origin: String,
        /// The JSON path of the field, for example `signing.profiles.client.expiry`.
        field: String,
        /// What is wrong with it.
        problem: ConfigProblem,
        /// The parser's error, when one said more.
        #[source]
        source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    },

    /// A `hosts` entry (of CSR JSON, or a `-hostname` list) that is not a usable name.
    #[error("{origin}: hosts[{index}]: {value:?} {problem}")]
    InvalidHost {
        /// Where the list came from.
        origin: String,
        /// The 0-based position of the entry.
        index: usize,
        /// The entry as given.
        value: String,
        /// What is wrong with it.
        problem: HostProblem,
    },

    /// A signing profile name that the configuration does not define.
    #[error("{origin}: unknown signing profile {name:?}; {}", if known.is_empty() {
        "the configuration defines no named profiles (only the default one)".to_owned()
    } else {
        format!("the configuration defines: {}", known.join(", "))
    })]
    UnknownProfile {
        /// The configuration (a path, or a label for a built-in one).
        origin: String,
        /// The name asked for.
        name: String,
        /// The profile names that exist.
        known: Vec<String>,
    },

    /// A usage string that is not in cfssl's table.
    #[error("{field}: unknown usage {usage:?}; valid usages: {}", crate::cfssl::USAGE_NAMES.join(", "))]
    UnknownUsage {
        /// The file and JSON path of the profile's `usages` field.
        field: String,
        /// The string that was given.
        usage: String,
    },

    /// A duration string that cannot be parsed.
    #[error("{field}: invalid duration {value:?}: {problem}")]
    InvalidDuration {
        /// The file and JSON path (or flag) of the duration.
        field: String,
        /// The string that was given.
        value: String,
        /// What is wrong with it.
        problem: DurationProblem,
    },

    /// A key algorithm or size that is not supported.
    #[error(
        "{}unsupported key {algo:?} of size {size}; supported: rsa 2048/3072/4096, ecdsa 256/384, ed25519",
        origin.as_deref().map(|o| format!("{o}: ")).unwrap_or_default()
    )]
    UnsupportedKey {
        /// The CSR JSON that asked for it, when it came from one.
        origin: Option<String>,
        /// The algorithm name as given.
        algo: String,
        /// The size as given.
        size: u32,
    },

    /// PEM input that is malformed or holds the wrong kind of object.
    #[error("{origin}: {problem}")]
    Pem {
        /// Where the PEM came from.
        origin: String,
        /// What is wrong (certgate-x509's PEM reader says).
        problem: PemProblem,
    },

    /// A private key that cannot be parsed or used.
    #[error("{origin}: private key: {problem}{}", cause(source.as_ref()))]
    Key {
        /// Where the key came from.
        origin: String,
        /// What is wrong.
        problem: KeyProblem,
        /// The parser's error, when one said more.
        #[source]
        source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    },

    /// An encrypted private key that the given password does not open.
    #[error("{origin}: wrong password for the encrypted private key")]
    WrongPassword {
        /// Where the key came from.
        origin: String,
    },

    /// A password source (`pass:`, `env:`, `file:`) that cannot be read.
    #[error("password source {spec:?}: {problem}")]
    Password {
        /// The source as given, with any literal password elided.
        spec: String,
        /// What is wrong.
        problem: PasswordProblem,
    },

    /// A certificate that cannot be parsed.
    #[error("{origin}: certificate: {problem}{}", cause(source.as_ref()))]
    Certificate {
        /// Where the certificate came from.
        origin: String,
        /// What is wrong.
        problem: CertificateProblem,
        /// The parser's error, when one said more.
        #[source]
        source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    },

    /// A certificate signing request that cannot be parsed or is not acceptable.
    #[error("{origin}: certificate request: {problem}{}", cause(source.as_ref()))]
    Csr {
        /// Where the request came from.
        origin: String,
        /// What is wrong.
        problem: CsrProblem,
        /// The parser's error, when one said more.
        #[source]
        source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    },

    /// A certificate signing request whose self-signature does not verify.
    #[error("{origin}: certificate request signature does not verify")]
    CsrSignature {
        /// Where the request came from.
        origin: String,
    },

    /// The CA key does not belong to the CA certificate.
    #[error("the CA key {key} does not match the public key of the CA certificate {cert}")]
    KeyMismatch {
        /// Where the key came from.
        key: String,
        /// Where the certificate came from.
        cert: String,
    },

    /// A certificate used as an issuer that may not issue.
    #[error("{origin}: not usable as a CA: {problem}")]
    NotCa {
        /// Where the certificate came from.
        origin: String,
        /// Why it cannot issue.
        problem: NotCaProblem,
    },

    /// Issuing a CA certificate below a CA whose path length forbids it.
    #[error(
        "{origin}: the CA has a path length constraint of 0, so it cannot issue another CA certificate"
    )]
    PathLength {
        /// The issuing CA certificate.
        origin: String,
    },

    /// Issuing before the CA certificate's notBefore.
    #[error(
        "{origin}: the CA certificate is not valid yet at {} (valid from {} to {})",
        rfc3339(now),
        rfc3339(not_before),
        rfc3339(not_after)
    )]
    CaNotYetValid {
        /// The issuing CA certificate.
        origin: String,
        /// The CA's notBefore.
        not_before: OffsetDateTime,
        /// The CA's notAfter.
        not_after: OffsetDateTime,
        /// The time of issue.
        now: OffsetDateTime,
    },

    /// Issuing after the CA certificate's notAfter.
    #[error(
        "{origin}: the CA certificate has expired at {} (valid from {} to {})",
        rfc3339(now),
        rfc3339(not_before),
        rfc3339(not_after)
    )]
    CaExpired {
        /// The issuing CA certificate.
        origin: String,
        /// The CA's notBefore.
        not_before: OffsetDateTime,
        /// The CA's notAfter.
        not_after: OffsetDateTime,
        /// The time of issue.
        now: OffsetDateTime,
    },

    /// A certificate that would end after its CA, with clamping not asked for
    /// (see [`IssueBuilder::with_clamp_to_ca`](crate::IssueBuilder::with_clamp_to_ca)).
    #[error(
        "{origin}: the certificate would end at {}, after its CA, which ends at {}",
        rfc3339(not_after),
        rfc3339(ca_not_after)
    )]
    OutlivesCa {
        /// The issuing CA certificate.
        origin: String,
        /// The notAfter the profile asks for.
        not_after: OffsetDateTime,
        /// The CA's notAfter.
        ca_not_after: OffsetDateTime,
    },

    /// A subject attribute or a subjectAltName that cannot be encoded.
    #[error("{attribute} {value:?} {problem}")]
    InvalidName {
        /// What the value is: `country`, `serialnumber`, `DNS name`, `email address`, `URI`.
        attribute: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        problem: NameProblem,
    },

    /// A host name that the profile's `name_whitelist` does not allow.
    #[error("name {name:?} is not allowed by the name_whitelist of profile {profile:?}")]
    NameNotAllowed {
        /// The name that was refused.
        name: String,
        /// The profile whose whitelist refused it.
        profile: String,
    },

    /// A revocation reason that is neither one of cfssl's names nor a reason code.
    #[error("unknown revocation reason {value:?}; valid reasons: {}", crate::REVOCATION_REASON_NAMES.join(", "))]
    UnknownRevocationReason {
        /// The text given.
        value: String,
    },

    /// A CRL that cannot be signed as asked.
    #[error("CRL: {problem}{}", cause(source.as_ref()))]
    InvalidCrl {
        /// What is wrong.
        problem: CrlProblem,
        /// The encoder's error, when one said more.
        #[source]
        source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    },

    /// A signature hash that the key cannot sign with.
    #[error(
        "an {} {} key cannot sign with {hash} (it signs with {})",
        key.algo().to_uppercase(), key.size(), crate::signer::usable_hashes(*key)
    )]
    UnsupportedHash {
        /// The key.
        key: KeySpec,
        /// The hash asked for.
        hash: SignatureHash,
    },

    /// A key asked to sign with an algorithm of another key type.
    #[error("an {} {} key cannot sign with {algorithm}", key.algo().to_uppercase(), key.size())]
    WrongAlgorithm {
        /// The key.
        key: KeySpec,
        /// The algorithm asked for.
        algorithm: SignatureAlgorithm,
    },

    /// The cryptographic library could not generate a key.
    #[error("could not generate a {} {} key: {source}", key.algo(), key.size())]
    KeyGeneration {
        /// The key asked for.
        key: KeySpec,
        /// What the library said.
        #[source]
        source: Box<dyn StdError + Send + Sync + 'static>,
    },

    /// The system's random number generator failed.
    #[error("no randomness for the {purpose}: {source}")]
    Randomness {
        /// What the random bytes were for.
        purpose: &'static str,
        /// What the generator said.
        #[source]
        source: Box<dyn StdError + Send + Sync + 'static>,
    },

    /// The signer failed; its own error (an HSM's, a KMS's) is the source.
    #[error("signing failed: {source}")]
    Signing {
        /// The signer's error.
        #[from]
        source: SignerError,
    },

    /// DER encoding or decoding failed while building an object.
    #[error("{what}: {source}")]
    Encoding {
        /// The object being built or read.
        what: &'static str,
        /// The encoder's error.
        #[source]
        source: Box<dyn StdError + Send + Sync + 'static>,
    },
}

impl CaError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// Reads a whole file of at most [`MAX_INPUT_FILE`] octets, naming it in the error;
    /// a larger one is refused before more than that is read.
    pub(crate) fn read_file(path: &std::path::Path) -> Result<Vec<u8>, Self> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(|e| Self::io(path, e))?;
        // One allocation of the file's size (a key is not copied about by regrowth).
        let size = file
            .metadata()
            .map_or(0, |m| m.len())
            .min(MAX_INPUT_FILE + 1);
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.take(MAX_INPUT_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Self::io(path, e))?;
        if bytes.len() as u64 > MAX_INPUT_FILE {
            return Err(Self::FileTooLarge {
                path: path.to_path_buf(),
                limit: MAX_INPUT_FILE,
            });
        }
        Ok(bytes)
    }

    /// Wraps an encoder's error met while building or reading `what`.
    pub(crate) fn encoding(what: &'static str, err: impl Into<BoxError>) -> Self {
        Self::Encoding {
            what,
            source: err.into(),
        }
    }

    /// An [`CaError::InvalidConfig`] without a dependency's error.
    pub(crate) fn config(
        origin: impl Into<String>,
        field: impl Into<String>,
        problem: ConfigProblem,
    ) -> Self {
        Self::InvalidConfig {
            origin: origin.into(),
            field: field.into(),
            problem,
            source: None,
        }
    }
}

/// `: ` and a dependency's message on one line, or nothing.
fn cause(source: Option<&BoxError>) -> String {
    source.map_or_else(String::new, |e| format!(": {}", one_line(&e.to_string())))
}

/// The parser's message without the position it repeats (the variant gives it).
fn json_message(source: &BoxError) -> String {
    let text = source.to_string();
    text.split(" at line ")
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Joins a multi-line message (a regex error draws a caret under the pattern) into one
/// line, as the CLI prints one line per error.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A time in RFC 3339 form to the second, for messages.
pub(crate) fn rfc3339(t: &OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(*t);
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_causes_print_on_one_line() {
        let e = CaError::InvalidConfig {
            origin: "c.json".into(),
            field: "signing.default.name_whitelist".into(),
            problem: ConfigProblem::InvalidRegex,
            source: Some("regex parse error:\n    (\n    ^\nerror: unclosed group".into()),
        };
        assert_eq!(
            e.to_string(),
            "c.json: signing.default.name_whitelist: is not a valid regular expression: \
             regex parse error: ( ^ error: unclosed group"
        );
        assert!(e.source().is_some());
    }
}
