//! The one error type of certgate-policy, and the small enums that say what is wrong.

use certgate_x509::ParseProblem;

use crate::path::PathProblem;

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
    /// duration, a hex string), or a key is unknown: the [`ValueProblem`] says which.
    #[error("{file}: {path}: {problem}")]
    Invalid {
        /// The file or origin.
        file: String,
        /// JSON path of the value.
        path: String,
        /// What is wrong.
        problem: ValueProblem,
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
    /// domain two applications claim, a policy without an include rule (the
    /// [`Inconsistency`]).
    #[error("{place}: {problem}")]
    Inconsistent {
        /// The application and policy (or rule group), by name.
        place: String,
        /// What is wrong.
        problem: Inconsistency,
    },
}

/// What is wrong with one value of a configuration ([`PolicyError::Invalid`]), or with a
/// selector's value when a [`PolicySet`](crate::PolicySet) is compiled
/// ([`Inconsistency::Value`]).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueProblem {
    /// A required key is absent.
    #[error("missing `{key}`")]
    Missing {
        /// The key (`applications`, `domains`, `name`, ...).
        key: &'static str,
    },
    /// The value is not of the type this key takes.
    #[error("expected {expected}")]
    WrongType {
        /// What was expected, in words: `an object`, `an array`, `a string`,
        /// `an integer`, `` `true` ``.
        expected: &'static str,
    },
    /// A key this object does not have (a typo must not drop a rule).
    #[error("unknown key `{key}` (expected one of: {})", .expected.join(", "))]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The keys this object has.
        expected: &'static [&'static str],
    },
    /// An object that must hold exactly one of some keys holds none or several of them.
    #[error("exactly one of {}", and_list(.keys))]
    ExactlyOneOf {
        /// The keys, one of which must be present.
        keys: &'static [&'static str],
    },
    /// A rule is not an object with exactly one selector.
    #[error("a rule is an object with exactly one selector")]
    NotOneSelector,
    /// A policy's `decision` is not one of `allow`, `deny`, `bypass`, `non_identity`.
    #[error("{value:?} is not a decision (allow, deny, bypass, non_identity)")]
    NotADecision {
        /// The decision as written.
        value: String,
    },
    /// A policy has no include rule (at least one is required).
    #[error("no include rule (at least one is required)")]
    NoIncludeRule,
    /// A selector's value is empty where a value is needed (`email`, `group` ...).
    #[error("{what} is empty")]
    Empty {
        /// What is empty: `email`, `email domain`, `group`, `auth method`, `method`.
        what: &'static str,
    },
    /// An application's domain pattern does not parse.
    #[error("domain {value:?}: {problem}")]
    BadDomain {
        /// The domain as written.
        value: String,
        /// What is wrong with it.
        problem: DomainProblem,
    },
    /// A duration that is not Go's form (`0s`, `30m`, `24h`, `1h30m`) or days (`7d`).
    #[error("{value:?} is not a duration (such as 0s, 30m, 24h, 7d)")]
    BadDuration {
        /// The duration as written.
        value: String,
    },
    /// A digest (a fingerprint, a key pin, a token's secret hash) that is not 32 bytes
    /// in hex (colons allowed) or in base64.
    #[error("{value:?} is not a SHA-256 digest (64 hex digits or 44 characters of base64)")]
    BadSha256 {
        /// The digest as written.
        value: String,
    },
    /// A serial number that does not parse.
    #[error("serial {value:?}: {problem}")]
    BadSerial {
        /// The serial as written.
        value: String,
        /// What is wrong with it.
        problem: ParseProblem,
    },
    /// An `ip` value that is not an address or a network (`198.51.100.0/24`,
    /// `2001:db8::/32`).
    #[error("IP network {value:?}: {problem}")]
    BadIpNetwork {
        /// The network as written.
        value: String,
        /// What is wrong with it.
        problem: ParseProblem,
    },
    /// A `policy` value that is not a dotted OID.
    #[error("{value:?} is not a certificate policy OID (such as 1.3.6.1.4.1.55555.1.1)")]
    BadPolicyOid {
        /// The value as written.
        value: String,
    },
    /// A subject attribute that is neither a known short name nor a dotted OID.
    #[error("{name:?} is not a DN attribute name (CN, O, OU, C, ...) or an OID")]
    UnknownAttribute {
        /// The attribute as written.
        name: String,
    },
    /// An issuer that is not an RFC 4514 distinguished name.
    #[error("{value:?}: {problem}")]
    BadDn {
        /// The name as written.
        value: String,
        /// What is wrong with it.
        problem: DnProblem,
    },
}

/// Why a domain pattern (`host` or `host/path`, with `*` wildcards) does not parse
/// ([`ValueProblem::BadDomain`]).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainProblem {
    /// The host is empty or longer than 253 characters.
    #[error("the host is empty or too long")]
    HostLength,
    /// A host label is empty or has a character other than letters, digits, `-`, `_`
    /// and `*`.
    #[error("host labels are letters, digits, - and _ (and *)")]
    LabelCharacter,
    /// The rightmost label has a `*` (`example.*`).
    #[error("the rightmost label cannot be a wildcard")]
    WildcardTopLabel,
    /// A label or path segment with more than one `*`.
    #[error("at most one * per label or path segment")]
    SeveralStars,
    /// A `.` or `..` path segment left after normalisation.
    #[error("no . or .. segments")]
    DotSegment,
    /// The path is refused as a request's path would be.
    #[error("{0}")]
    Path(PathProblem),
}

/// Why a distinguished name (RFC 4514) does not parse ([`ValueProblem::BadDn`]).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DnProblem {
    /// An attribute without a type before its `=` (or no `=` at all).
    #[error("not an RFC 4514 name (TYPE=value,...)")]
    NoType,
    /// A `\` at the end of the name.
    #[error("dangling '\\'")]
    DanglingEscape,
    /// A `\` followed by one hex digit and not a second one.
    #[error("bad \\XX escape")]
    BadHexEscape,
    /// A value in `#` hex form (its DER encoding), which certgate does not read.
    #[error("#hex values are not supported")]
    HexValue,
    /// `\XX` escapes whose bytes are not UTF-8.
    #[error("escapes are not UTF-8")]
    NotUtf8,
}

/// What makes a configuration inconsistent as a whole ([`PolicyError::Inconsistent`]).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Inconsistency {
    /// A selector's value does not parse (a configuration built in code is checked
    /// only when compiled).
    #[error("{0}")]
    Value(ValueProblem),
    /// A policy or a rule group has no include rule (at least one is required).
    #[error("no include rule (at least one is required)")]
    NoIncludeRule,
    /// A rule names a rule group that is not configured.
    #[error("unknown rule group `{name}`")]
    UnknownRuleGroup {
        /// The group's name as the rule gives it.
        name: String,
    },
    /// A rule group's rule names a rule group: groups do not nest.
    #[error("uses rule group `{name}`: rule groups do not nest")]
    NestedRuleGroup {
        /// The group the rule names.
        name: String,
    },
    /// Two rule groups have the same name.
    #[error("defined twice")]
    DuplicateRuleGroup {
        /// The name.
        name: String,
    },
    /// Two service tokens have the same name.
    #[error("defined twice")]
    DuplicateServiceToken {
        /// The name.
        name: String,
    },
    /// Two service tokens have the same client id.
    #[error("client id {client_id:?} used twice")]
    DuplicateClientId {
        /// The client id.
        client_id: String,
    },
    /// An application has no domain.
    #[error("no domain")]
    NoDomain,
    /// A domain (host and path) another application already covers.
    #[error("domain {domain:?} is also application `{other_app}`'s")]
    DomainClaimedTwice {
        /// The domain as this application gives it.
        domain: String,
        /// The application that claimed it first.
        other_app: String,
    },
    /// More items than the compiled form indexes (`u32`).
    #[error("more than {} {what}", u32::MAX)]
    TooMany {
        /// What: `service tokens`, `rule groups`, `applications`.
        what: &'static str,
    },
}

/// `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and `c` ``.
fn and_list(keys: &[&str]) -> String {
    let mut out = String::new();
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == keys.len() { " and " } else { ", " });
        }
        out.push('`');
        out.push_str(k);
        out.push('`');
    }
    out
}

/// A parser's message on one line (TOML's spans several, with the line quoted).
fn one_line(text: &str) -> String {
    text.trim_end().replace('\n', " ")
}
