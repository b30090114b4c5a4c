//! The one error type of certgate-policy.

/// What went wrong loading or building a policy set. Each variant names where: the file
/// (or the origin the caller gave), and the JSON path inside it (`$.applications[0]`),
/// or the application and policy by name.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not valid TOML or JSON.
    #[error("{file}: not valid {format}: {}", one_line(&source.to_string()))]
    Syntax {
        /// The file or origin.
        file: String,
        /// `TOML` or `JSON`.
        format: &'static str,
        /// The parser's error (its message gives the line and column).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A rule names a selector certgate does not know.
    #[error("{file}: {path}: unknown selector `{selector}`")]
    UnknownSelector {
        /// The file or origin.
        file: String,
        /// JSON path of the rule.
        path: String,
        /// The selector's name as written.
        selector: String,
    },
    /// A selector Cloudflare Access has and certgate cannot evaluate (such as `geo`).
    #[error("{file}: {path}: selector `{selector}` is not supported: {why}")]
    UnsupportedSelector {
        /// The file or origin.
        file: String,
        /// JSON path of the rule.
        path: String,
        /// The selector.
        selector: String,
        /// Why, and what to use instead.
        why: String,
    },
    /// A value is missing, has the wrong type, or does not parse (a CIDR, a domain, a
    /// duration, a hex string), or a key is unknown.
    #[error("{file}: {path}: {reason}")]
    Invalid {
        /// The file or origin.
        file: String,
        /// JSON path of the value.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// An identity's email address is not one well-formed address.
    #[error("email {email:?}: {problem}")]
    InvalidEmail {
        /// The address as given (escaped).
        email: String,
        /// What is wrong.
        problem: crate::request::EmailProblem,
    },
    /// The configuration is inconsistent as a whole: a rule group that does not exist, a
    /// domain two applications claim, a policy without an include rule.
    #[error("{place}: {reason}")]
    Inconsistent {
        /// The application and policy (or rule group), by name.
        place: String,
        /// What is wrong.
        reason: String,
    },
}

/// A parser's message on one line (TOML's spans several, with the line quoted).
fn one_line(text: &str) -> String {
    text.trim_end().replace('\n', " ")
}
