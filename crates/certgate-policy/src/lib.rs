//! Access-style policies for mTLS client certificates: who gets in, and why.
//!
//! certgate-policy is Cloudflare Access's decision engine as a library. An
//! [`Application`] covers hosts and paths and holds ordered [`Policy`]s; a policy has a
//! [`PolicyDecision`] (`allow`, `deny`, `bypass`, `non_identity` — Access's Allow,
//! Block, Bypass and Service Auth) and rules: `include` (any), `require` (all), `exclude`
//! (none). [`PolicySet::decide`] answers a [`Request`] with a [`Decision`];
//! [`PolicySet::explain`] also returns a trace of every policy tried and each rule's
//! outcome. It reads certgate-verify's [`ClientCertInfo`],
//! built without rustls.
//!
//! # Example
//!
//! ```
//! use certgate_policy::{Outcome, PolicyConfig, PolicySet, Reason, Request};
//!
//! # fn main() -> Result<(), certgate_policy::PolicyError> {
//! let config = PolicyConfig::from_toml(r#"
//!     [[applications]]
//!     name = "money"
//!     domains = ["money.example.com"]
//!     session_duration = "0s"          # check the certificate on every request
//!
//!     [[applications.policies]]
//!     name = "my devices"
//!     decision = "non_identity"
//!     include = [{ certificate = true }]
//! "#, "policies.toml")?;
//! let policies = PolicySet::new(config)?;
//!
//! // No client certificate: kept out, and the reason says so.
//! let decision = policies.decide(&Request::new("money.example.com", "/"));
//! assert_eq!(decision.outcome, Outcome::Deny);
//! assert!(matches!(decision.reason, Reason::CertificateNotAccepted(_)));
//! // A server passes the connection's verified certificate: `.with_cert(&info)`.
//! # Ok(())
//! # }
//! ```
//!
//! # Evaluation
//!
//! - **Which application.** The most specific application covering host and path wins,
//!   and nothing is inherited from a broader one. Hosts: an exact host beats any
//!   wildcard; wildcards are compared label by label from the right (exact label, then
//!   a partial one such as `app-*`, longest literal first, then `*`). `*` stands for one
//!   label (`*.example.com` covers `a.example.com`, not `example.com` nor
//!   `a.b.example.com`). Paths: `host/public` covers `/public` and everything under
//!   `/public/`; more segments beat fewer, then segment by segment exact > partial > `*`.
//!   When the most specific host has no path covering the request, the next host is
//!   tried. Lookups use an exact map and a trie of labels from the right, not a scan.
//!   The `Host` is matched without port, final dot or case. The path is matched in the
//!   one normalised form of [`RequestPath`] (unreserved `%XX` decoded, `.` and `..`
//!   resolved, `//` collapsed, the query not matched), which is also what a gate
//!   forwards: [`Request::new`] normalises a raw path without allocating,
//!   [`Request::for_path`] takes one parsed already. A path that some origin could read
//!   as another path (`;`, double encoding, a segment ending in `.` or a space, `::$DATA`,
//!   control characters, raw non-ASCII, an encoded `/` or a `\`, longer than
//!   [`MAX_PATH_LEN`]) is denied with its [`PathProblem`] ([`Reason::InvalidPath`]). So
//!   is `/Admin` when an application covers `/admin` and the origin's case is not known
//!   ([`OriginCase`]; a host's [`PathOptions`] say it is case-sensitive or
//!   case-insensitive). No application: deny ([`Reason::NoApplication`]).
//! - **Which policy.** As Access: bypass and non_identity policies first, top to
//!   bottom; then allow and deny, in order. The first that matches decides (bypass:
//!   [`Outcome::Bypass`]; allow and non_identity: [`Outcome::Allow`]; deny:
//!   [`Outcome::Deny`]). No match is deny, with a [`Reason`] that says when a
//!   certificate or a login was what was missing.
//! - **Certificates.** Every certificate selector matches only a certificate that was
//!   presented, verified and not revoked ([`CertificateStatus::Valid`]): a self-signed
//!   certificate with the right common name matches nothing, and `explain` notes that
//!   its fields would have matched.
//! - **Identity** never comes from request headers: the caller passes an [`Identity`]
//!   it got from a source it trusts. Without one, identity selectors never match.
//!   [`PolicySet::could_admit_email`] says whether an email login (a one-time code)
//!   could let an address in, so a gate mails codes only to addresses a policy names.
//! - **Service tokens**: the client id picks the token; the secret's SHA-256 is compared
//!   in constant time.
//! - `decide` does not allocate (tested with a counting allocator); `explain` re-runs
//!   the same evaluation recording the trace.
//!
//! # Configuration schema (TOML or JSON)
//!
//! ```toml
//! [[service_tokens]]                 # optional
//! name = "backup-robot"              # what `service_token` rules name
//! client_id = "robot.access"         # the CF-Access-Client-Id header
//! client_secret = "..."              # or client_secret_sha256 = "<64 hex digits>"
//!
//! [[rule_groups]]                    # optional: named rules, reusable across policies
//! name = "laptops"
//! include = [{ common_name = "my-laptop" }, { common_name = "sams-laptop" }]
//! # require = [...], exclude = [...]; groups do not nest
//!
//! [[applications]]
//! name = "money"
//! domains = ["money.example.com", "*.money.example.com/api"]
//! session_duration = "0s"            # 0s: expires immediately; else 30m, 24h, 7d ...
//!
//! [[applications.policies]]          # in order
//! name = "laptops"
//! decision = "non_identity"          # allow | deny | bypass | non_identity
//! include = [{ rule_group = "laptops" }]   # at least one; any must match
//! require = [{ certificate = true }]       # all must match
//! exclude = [{ ip = "198.51.100.0/24" }]   # none may match
//! ```
//!
//! JSON has the same shape: `{"service_tokens": [...], "rule_groups": [...],
//! "applications": [{"name": ..., "domains": [...], "policies": [...]}]}`. Unknown keys
//! are errors. A rule is an object with one selector:
//!
//! | selector | value | matches |
//! |---|---|---|
//! | `everyone` | `true` | every request |
//! | `certificate` | `true` | a valid client certificate |
//! | `common_name` | `"my-laptop"` | the first CN, exactly |
//! | `subject` | `{ attribute = "OU", value = "Sam Projects" }` | any subject attribute (`CN O OU C L ST STREET DC UID serialNumber SN GN title emailAddress` or a dotted OID) |
//! | `san_dns`, `san_email`, `san_uri` | `"name"` or `{ exact = }`, `{ suffix = }`, `{ glob = }` | a subjectAltName; `*` in a glob stays within one DNS label, URI path segment or side of `@`; DNS and email ignore ASCII case |
//! | `issuer` | `"CN=Sam Money App,O=Money App Test,C=PT"` | the issuer DN (RFC 4514), attribute for attribute |
//! | `serial` | `"0a:1b..."` | the serial number (hex) |
//! | `fingerprint_sha256` | hex | SHA-256 of the certificate |
//! | `spki_sha256` | hex or base64 | SHA-256 of the SubjectPublicKeyInfo (a pin) |
//! | `expiring_within` | `"14d"` | a certificate whose notAfter is within the window |
//! | `policy` | `"1.3.6.1.4.1.55555.1.1"` | a certificate policy (dotted OID, exactly) in the user-constrained policy set of the verified path (RFC 5280 6.1.5; certgate-verify's `ClientCertInfo::policies`) |
//! | `ip` | `"198.51.100.0/24"`, `"2001:db8::/32"`, an address | the peer address |
//! | `service_token` | a token's `name` | that token, secret checked |
//! | `any_valid_service_token` | `true` | any configured token, secret checked |
//! | `email`, `email_domain` | `"sam@example.com"`, `"example.com"` | the identity's email (ASCII case ignored) |
//! | `group` | `"finance"` | a group of the identity |
//! | `auth_method` | `"otp"` | how the identity was established |
//! | `method` | `"OPTIONS"` | the HTTP method |
//! | `rule_group` | a group's `name` | the group's include/require/exclude |
//!
//! Certificate selectors (`certificate` to `policy`) need a valid certificate.
//!
//! # Cloudflare Access API JSON
//!
//! [`PolicyConfig::from_access_json`] reads what the Access API returns, as it is: an
//! array of applications, one application, or the `{"result": ...}` envelope. An
//! application has `name`, `domain` (and `self_hosted_domains`), optional
//! `session_duration` and inline `policies`; policies are ordered by `precedence`
//! (ascending) when present, those without one after, in file order. Selectors as Access
//! spells them: `everyone`, `certificate`, `common_name` (`{"common_name": ...}`),
//! `email` (`{"email": ...}`), `email_domain` (`{"domain": ...}`), `ip` (`{"ip": ...}`),
//! `service_token` (`{"token_id": ...}`, matched against [`ServiceToken::name`]),
//! `any_valid_service_token`, `group` (`{"id": ...}`, a group of the [`Identity`]) and
//! `auth_method`. `geo` and Access's other selectors that need Cloudflare's data are
//! [`PolicyError::UnsupportedSelector`]; anything else is
//! [`PolicyError::UnknownSelector`]; both name the rule's JSON path
//! (`$[0].policies[2].include[0]`). Exports carry no token secrets: add
//! [`ServiceToken`]s to the loaded [`PolicyConfig`] before compiling it.
//!
//! # Lints
//!
//! [`PolicySet::lint`] finds the mistakes Cloudflare's documentation warns about
//! ([`LintKind`]): allow with include everyone; a require listing several values of a
//! one-valued selector; bypass with identity selectors; an application with no allow (or
//! non_identity) policy; a policy shadowed by one evaluated before it; a service token
//! that is not configured.
#![forbid(unsafe_code)]

mod admit;
mod compile;
mod config;
mod decision;
mod domain;
mod error;
mod eval;
mod explain;
mod lint;
mod model;
mod names;
mod path;
mod request;
mod values;

/// The connection's client certificate, as certgate-verify reads and verifies it.
pub use certgate_verify::ClientCertInfo;
/// Why a serial or an IP network in a rule does not parse ([`ValueProblem::BadSerial`],
/// [`ValueProblem::BadIpNetwork`]), as certgate-x509 reads them.
pub use certgate_x509::ParseProblem;
pub use compile::PolicySet;
pub use config::{ConfigFormat, MAX_CONFIG_BYTES};
pub use decision::{CertificateStatus, Decision, Outcome, Reason};
pub use error::{DnProblem, DomainProblem, Inconsistency, PolicyError, ValueProblem};
pub use explain::{Explanation, Note, PolicyTrace, RuleTrace};
pub use lint::{Lint, LintKind};
pub use model::{
    Application, NameMatch, Policy, PolicyConfig, PolicyDecision, Rule, RuleGroup, ServiceToken,
    SessionDuration, TokenSecret,
};
pub use path::{MAX_PATH_LEN, OriginCase, PathOptions, PathProblem, RequestPath};
pub use request::{EmailProblem, Identity, MAX_EMAIL_LEN, Request, ServiceTokenHeaders};
